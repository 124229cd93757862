using System.Diagnostics;
using CacheFailover.Engine;
using CacheFailover.Health;
using CacheFailover.Options;
using CacheFailover.Redis.Tests.EngineFailover;
using CacheFailover.Services;
using CacheFailover.Testing;
using CacheFailover.Testing.Topologies;
using Xunit.Abstractions;

namespace CacheFailover.Redis.Tests.Topologies;

/// <summary>
/// The engine's failover figures over TLS, measured against the same fault on plain TCP in the same
/// test (the machine is shared, so only a side-by-side comparison means anything): a killed or hung
/// primary, 8 workers of traffic, a 100 ms deadline; first success on the backup, and no error.
/// </summary>
public sealed class TlsFailoverTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(10);

    [Theory]
    [InlineData("SIGKILL")]
    [InlineData("SIGSTOP")]
    public async Task PrimaryFails_OverTlsAndPlain_BothFailOverWithinBoundAndNoClientError(string fault)
    {
        double plain;
        await using (var primary = await RedisServerProcess.StartAsync())
        await using (var backup = await RedisServerProcess.StartAsync())
        {
            plain = await FailOverAsync(fault, primary, primary.ConnectionString, backup.ConnectionString);
        }

        double tls;
        await using (var primary = await RedisTlsServer.StartAsync())
        await using (var backup = await RedisTlsServer.StartAsync())
        {
            tls = await FailOverAsync(fault, primary.Server, primary.TrustedConnectionString, backup.TrustedConnectionString);
        }

        output.WriteLine($"{fault} -> first success on the backup: TLS {tls:0.0} ms, plain {plain:0.0} ms (same test)");
        Assert.InRange(plain, 0, 1000);
        Assert.InRange(tls, 0, 1000);
    }

    private static async Task<double> FailOverAsync(string fault, RedisServerProcess primaryProcess, string primary, string backup)
    {
        var factory = new RedisCacheBackendFactory();
        await using var engine = new FailoverEngine(
            new CacheServiceRegistration("primary", factory.Create("primary", primary)),
            [new CacheServiceRegistration("backup", factory.Create("backup", backup))],
            new FailoverOptions { TimeoutThresholdMs = 100, HealthCheckIntervalSeconds = 0.25, HealthCheckTimeoutSeconds = 0.2, FailureThreshold = 2, AutoRecoveryDelaySeconds = 3600, RetryBaseDelayMs = 5 });
        engine.Start();
        Assert.True(await WaitForAsync(() => engine.GetStatus().Services.All(s => s.Health == ServiceHealth.Healthy)), "services did not become healthy");

        await using var traffic = new TrafficGenerator(engine, workers: 8, prefix: "tls-" + fault);
        Assert.True(await WaitForAsync(() => traffic.Successes >= 500), $"traffic did not start: {traffic.Successes} operations");
        var started = Stopwatch.GetTimestamp();
        if (fault == "SIGKILL")
        {
            primaryProcess.Kill();
        }
        else
        {
            primaryProcess.Stop();
        }

        var firstSuccess = await traffic.WaitForSuccessOnAsync("backup", started, Limit);
        await traffic.DisposeAsync();
        if (fault == "SIGSTOP")
        {
            primaryProcess.Resume();
        }

        Assert.Empty(traffic.Errors);
        Assert.Single(engine.GetEvents(), e => e.Kind == FailoverEventKind.Failover);
        return firstSuccess;
    }

    private static Task<bool> WaitForAsync(Func<bool> condition) => RealTimePoll.UntilAsync(condition, Limit);
}
