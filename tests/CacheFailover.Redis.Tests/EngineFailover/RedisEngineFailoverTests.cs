using System.Diagnostics;
using System.Text;
using CacheFailover.Engine;
using CacheFailover.Options;
using CacheFailover.Services;
using CacheFailover.Testing;
using Xunit.Abstractions;

namespace CacheFailover.Redis.Tests.EngineFailover;

/// <summary>
/// The engine over real redis-server processes, with traffic running, while a primary is killed,
/// frozen, slowed, or comes back. Bounds are generous for a loaded 2-core machine but far below the
/// multi-second client defaults they exist to catch.
/// </summary>
[Collection(RedisCollectionDefinition.Name)]
public sealed class RedisEngineFailoverTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(10);
    private static readonly Lock SlowestLock = new();
    private readonly List<RedisServerProcess> _servers = [];
    private FailoverEngine? _engine;

    private FailoverEngine Engine => _engine!;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_engine is not null)
        {
            await _engine.DisposeAsync();
        }

        foreach (var server in _servers)
        {
            await server.DisposeAsync();
        }
    }

    [Fact]
    public async Task PrimaryKilled_UnderLoad_FailsOverWithinBoundAndNoClientError()
    {
        var (primary, _) = await StartAsync(Fast());
        await using var traffic = new TrafficGenerator(Engine, workers: 8, prefix: "kill");
        await WaitForTrafficAsync(traffic);

        var killed = Stopwatch.GetTimestamp();
        primary.Kill();
        var firstSuccess = await traffic.WaitForSuccessOnAsync("backup", killed, Limit);
        await traffic.DisposeAsync();

        output.WriteLine($"SIGKILL -> first success on the backup: {firstSuccess:0.0} ms; errors: {traffic.Errors.Count}");
        var failover = Assert.Single(Engine.GetEvents(), e => e.Kind == FailoverEventKind.Failover);
        Assert.Equal(FailoverTrigger.ConnectionFailure, failover.Trigger);
        Assert.InRange(firstSuccess, 0, 1000);
        Assert.Empty(traffic.Errors);
    }

    [Fact]
    public async Task PrimaryHung_UnderLoad_EngineDeadlineDetectsIt()
    {
        var (primary, _) = await StartAsync(Fast());
        await using var traffic = new TrafficGenerator(Engine, workers: 8, prefix: "hang");
        await WaitForTrafficAsync(traffic);

        var stopped = Stopwatch.GetTimestamp();
        primary.Stop();
        var firstSuccess = await traffic.WaitForSuccessOnAsync("backup", stopped, Limit);
        await traffic.DisposeAsync();
        primary.Resume();

        output.WriteLine($"SIGSTOP -> first success on the backup: {firstSuccess:0.0} ms (timeout_threshold_ms = 100); errors: {traffic.Errors.Count}");
        var failover = Assert.Single(Engine.GetEvents(), e => e.Kind == FailoverEventKind.Failover);
        Assert.Equal(FailoverTrigger.TimeoutExceeded, failover.Trigger);
        // Detected by the engine's own 100 ms deadline (timers may fire a tick early), not by the client's.
        Assert.InRange(failover.Detection!.Value.TotalMilliseconds, 90, 1000);
        Assert.InRange(firstSuccess, 0, 1000);
        Assert.Empty(traffic.Errors);
    }

    [Fact]
    public async Task PrimarySlowed_DebugSleepBursts_DegradationFailsOver()
    {
        var options = Fast() with { TimeoutThresholdMs = 2000, HealthCheckIntervalSeconds = 0.2, HealthCheckTimeoutSeconds = 0.2, FailureThreshold = 5 };
        var (primary, _) = await StartAsync(options);
        await using var traffic = new TrafficGenerator(Engine, workers: 4, prefix: "slow");
        await WaitForTrafficAsync(traffic, operations: 2000);

        // The primary stays up but answers late: it sleeps 40 ms of every 50 ms.
        using var slowing = new CancellationTokenSource();
        var slower = Task.Run(async () =>
        {
            while (!slowing.IsCancellationRequested)
            {
                await primary.ExecuteAsync(["DEBUG", "SLEEP", "0.04"]);
                await Task.Delay(10);
            }
        });
        var slowed = Stopwatch.GetTimestamp();
        var firstSuccess = await traffic.WaitForSuccessOnAsync("backup", slowed, Limit);
        await slowing.CancelAsync();
        await slower;
        await traffic.DisposeAsync();

        output.WriteLine($"slowed -> first success on the backup: {firstSuccess:0.0} ms; errors: {traffic.Errors.Count}");
        var failover = Assert.Single(Engine.GetEvents(), e => e.Kind == FailoverEventKind.Failover);
        Assert.Equal(FailoverTrigger.PerformanceDegradation, failover.Trigger);
        Assert.InRange(firstSuccess, 0, 5000);
        Assert.Empty(traffic.Errors);
    }

    /// <summary>
    /// A loaded process is not a slow server: thousands of operations in flight queue inside this
    /// process (latencies of many milliseconds), yet the primary answers probes on its own path as
    /// fast as ever. With the default options, bar faster probes, no failover may happen.
    /// </summary>
    [Theory]
    [InlineData(200)]
    [InlineData(2000)]
    public async Task HealthyPrimary_ManyOperationsInFlight_NeverFailsOver(int inFlight)
    {
        var (_, _) = await StartAsync(new FailoverOptions { HealthCheckIntervalSeconds = 0.25, HealthCheckTimeoutSeconds = 0.25 });
        var value = new byte[100];
        long operations = 0;
        var errors = 0;
        var slowest = TimeSpan.Zero;

        // Three bursts, each long enough for the degradation rule (sustained 500 ms) to have fired several times.
        for (var burst = 0; burst < 3; burst++)
        {
            var until = Stopwatch.GetTimestamp() + (long)(1.5 * Stopwatch.Frequency);
            var workers = Enumerable.Range(0, inFlight).Select(worker => Task.Run(async () =>
            {
                var key = $"load:{worker % 500}";
                while (Stopwatch.GetTimestamp() < until)
                {
                    var started = Stopwatch.GetTimestamp();
                    try
                    {
                        await Engine.SetAsync(key, value);
                        await Engine.GetAsync(key);
                        Interlocked.Add(ref operations, 2);
                    }
                    catch (CacheOperationException)
                    {
                        Interlocked.Increment(ref errors);
                    }

                    var elapsed = Stopwatch.GetElapsedTime(started);
                    lock (SlowestLock)
                    {
                        slowest = elapsed > slowest ? elapsed : slowest;
                    }
                }
            })).ToArray();
            await Task.WhenAll(workers);
        }

        output.WriteLine($"{inFlight} in flight: {operations} operations, slowest set+get {slowest.TotalMilliseconds:0.0} ms, {errors} errors, status {Engine.Status.ToWireName()}");
        Assert.Empty(Engine.GetEvents());
        Assert.Equal("primary", Engine.ActiveServiceId);
        Assert.Equal(0, errors);
    }

    [Fact]
    public async Task PrimaryBackAfterHang_AutomaticRecoveryReconcilesJournal_NoStaleReadNoResurrection()
    {
        var options = Fast() with { AutoRecoveryDelaySeconds = 1, RecoveryThreshold = 3 };
        var (primary, _) = await StartAsync(options);
        for (var i = 0; i < 200; i++)
        {
            await Engine.SetAsync($"fb:{i}", Bytes("old"));
        }

        // Hung: the primary keeps its old values while the backup takes new writes and deletes.
        primary.Stop();
        await Assert.ThrowsAnyAsync<Exception>(() => primary.ExecuteAsync(["PING"]).WaitAsync(TimeSpan.FromMilliseconds(200)));
        for (var i = 0; i < 200; i++)
        {
            if (i % 2 == 0)
            {
                await Engine.SetAsync($"fb:{i}", Bytes("new"));
            }
            else
            {
                await Engine.DeleteAsync($"fb:{i}");
            }
        }

        Assert.Equal("backup", Engine.ActiveServiceId);
        primary.Resume();

        // fb:0's write was in flight when the primary froze, so it may land there on resume; fb:2 was
        // written after the failover and exists only on the backup: the primary still has the old value.
        Assert.Equal("old", Text(await primary.ExecuteAsync(["GET", "fb:2"])));
        var recovered = await WaitForAsync(() => Engine.Status == FailoverStatus.Recovered, TimeSpan.FromSeconds(15));
        Assert.True(recovered, $"no recovery; status {Engine.Status}, events: {string.Join("; ", Engine.GetEvents().Select(e => $"{e.Kind} {e.Success} {e.Error}"))}");

        var recovery = Engine.GetEvents().First(e => e.Kind == FailoverEventKind.Recovery && e.Success);
        Assert.Equal(200, recovery.ReconciledKeys);
        var stale = 0;
        var resurrected = 0;
        for (var i = 0; i < 200; i++)
        {
            var result = await Engine.GetWithResultAsync($"fb:{i}");
            Assert.Equal("primary", result.ServedBy);
            var value = result.Value is null ? null : Encoding.UTF8.GetString(result.Value);
            if (value == "old" && i % 2 == 0)
            {
                stale++;
            }

            if (value is not null && i % 2 == 1)
            {
                resurrected++;
            }
        }

        output.WriteLine($"after failback: {stale} stale reads, {resurrected} resurrected deletes; recovery took {recovery.Duration.TotalMilliseconds:0.0} ms for {recovery.ReconciledKeys} keys");
        Assert.Equal((0, 0), (stale, resurrected));
    }

    [Fact]
    public async Task ServingBackupKilled_CascadeOn_MovesToThirdServer()
    {
        var (primary, backups) = await StartAsync(Fast() with { CascadeFailoverEnabled = true }, backupCount: 2);
        primary.Kill();
        var (serving, other) = await ServingBackupAsync(backups);
        await using var traffic = new TrafficGenerator(Engine, workers: 4, prefix: "cascade");
        await WaitForTrafficAsync(traffic);

        var killed = Stopwatch.GetTimestamp();
        serving.Server.Kill();
        var firstSuccess = await traffic.WaitForSuccessOnAsync(other.Id, killed, Limit);
        await traffic.DisposeAsync();

        output.WriteLine($"serving backup SIGKILL -> first success on the other backup: {firstSuccess:0.0} ms; errors: {traffic.Errors.Count}");
        Assert.Contains(Engine.GetEvents(), e => e.Trigger == FailoverTrigger.CascadeFailure && e.FromServiceId == serving.Id && e.ToServiceId == other.Id && e.Success);
        Assert.InRange(firstSuccess, 0, 1000);
        Assert.Empty(traffic.Errors);
    }

    [Fact]
    public async Task ServingBackupKilled_CascadeOff_ClearErrorNoSwitch()
    {
        var (primary, backups) = await StartAsync(Fast(), backupCount: 2);
        primary.Kill();
        var (serving, _) = await ServingBackupAsync(backups);

        serving.Server.Kill();
        var started = Stopwatch.GetTimestamp();
        var ex = await Assert.ThrowsAsync<CacheUnavailableException>(async () =>
        {
            for (var i = 0; i < 100; i++)
            {
                await Engine.SetAsync("cascade-off", Bytes("v"));
            }
        });
        var elapsed = Stopwatch.GetElapsedTime(started);

        output.WriteLine($"cascade off: error after {elapsed.TotalMilliseconds:0.0} ms: {ex.Message}");
        Assert.Contains("cascade_failover_enabled is false", ex.Message, StringComparison.Ordinal);
        Assert.Equal(serving.Id, Engine.ActiveServiceId);
        Assert.InRange(elapsed.TotalMilliseconds, 0, 2000);
    }

    /// <summary>Waits for the failover away from the killed primary; returns the backup that serves and the other one.</summary>
    private async Task<((string Id, RedisServerProcess Server) Serving, (string Id, RedisServerProcess Server) Other)> ServingBackupAsync(List<RedisServerProcess> backups)
    {
        Assert.True(await WaitForAsync(() => Engine.ActiveServiceId != "primary", Limit), "no failover after the primary was killed");
        var first = ("backup", backups[0]);
        var second = ("backup2", backups[1]);
        return Engine.ActiveServiceId == "backup" ? (first, second) : (second, first);
    }

    private static FailoverOptions Fast() => new()
    {
        TimeoutThresholdMs = 100,
        HealthCheckIntervalSeconds = 0.25,
        HealthCheckTimeoutSeconds = 0.2,
        FailureThreshold = 2,
        RecoveryThreshold = 3,
        AutoRecoveryDelaySeconds = 3600,
        RetryBaseDelayMs = 5,
    };

    private static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);

    private static string? Text(object? reply) => reply switch
    {
        null => null,
        byte[] bytes => Encoding.UTF8.GetString(bytes),
        _ => reply.ToString(),
    };

    private static Task<bool> WaitForAsync(Func<bool> condition, TimeSpan limit) => RealTimePoll.UntilAsync(condition, limit);

    private static async Task WaitForTrafficAsync(TrafficGenerator traffic, int operations = 500)
    {
        Assert.True(await WaitForAsync(() => traffic.Successes >= operations, Limit), $"traffic did not start: {traffic.Successes} operations");
    }

    private async Task<(RedisServerProcess Primary, List<RedisServerProcess> Backups)> StartAsync(FailoverOptions options, int backupCount = 1)
    {
        var primary = await RedisServerProcess.StartAsync();
        _servers.Add(primary);
        var backups = new List<RedisServerProcess>();
        for (var i = 0; i < backupCount; i++)
        {
            var backup = await RedisServerProcess.StartAsync();
            _servers.Add(backup);
            backups.Add(backup);
        }

        var factory = new RedisCacheBackendFactory();
        _engine = new FailoverEngine(
            new CacheServiceRegistration("primary", factory.Create("primary", primary.ConnectionString)),
            backups.Select((b, i) => new CacheServiceRegistration(i == 0 ? "backup" : $"backup{i + 1}", factory.Create(i == 0 ? "backup" : $"backup{i + 1}", b.ConnectionString))),
            options);
        _engine.Start();

        // Both connections up and a first probe round done before any fault.
        Assert.True(await WaitForAsync(() => _engine.GetStatus().Services.All(s => s.Health == ServiceHealth.Healthy), Limit), "services did not become healthy");
        return (primary, backups);
    }
}
