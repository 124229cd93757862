using CacheFailover.Backends;
using CacheFailover.Engine;
using CacheFailover.Redis;
using CacheFailover.Resp.Tests.Support;
using CacheFailover.Services;
using CacheFailover.Testing;

namespace CacheFailover.Resp.Tests.Failover;

/// <summary>
/// A hung primary (SIGSTOP) under the front door: a command that is not safe to repeat is answered
/// "outcome unknown" and never sent again (I4); a repeatable one is retried on the backup.
/// </summary>
[Collection(RedisPairGroup.Name)]
public sealed class UnsafeCommandTests : IAsyncLifetime
{
    private RedisServerProcess _primary = null!;
    private RedisServerProcess _backup = null!;
    private FailoverEngine _engine = null!;
    private FrontDoorHost _host = null!;

    public async Task InitializeAsync()
    {
        _primary = await RedisServerProcess.StartAsync();
        _backup = await RedisServerProcess.StartAsync();
        _engine = new FailoverEngine(
            new CacheServiceRegistration("primary", RedisCacheBackend.Create("primary", _primary.ConnectionString)),
            [new CacheServiceRegistration("backup-1", RedisCacheBackend.Create("backup-1", _backup.ConnectionString))],
            Engines.QuietOptions with { TimeoutThresholdMs = 300 });
        _host = await FrontDoorHost.StartAsync(_engine);
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        await _engine.DisposeAsync();
        await _primary.DisposeAsync();
        await _backup.DisposeAsync();
    }

    [Fact]
    public async Task HungPrimary_IncrIsReportedUnknownAndNotRepeated_SetIsRetriedOnTheBackup()
    {
        await using var client = await RawClient.ConnectAsync(_host.Port);
        Assert.Equal("OK", await client.CallAsync("SET", "warm", "up"));
        _primary.Stop();
        try
        {
            var incr = Assert.IsType<RespError>(await client.CallAsync("INCR", "counter"));
            Assert.StartsWith("ERR INCR: the outcome is unknown, it may or may not have been applied", incr.Message, StringComparison.Ordinal);
            Assert.Contains("not safe to repeat, so it was not retried", incr.Message, StringComparison.Ordinal);

            Assert.Equal("OK", await client.CallAsync("SET", "after", "v"));
            Assert.Equal("backup-1", _engine.ActiveServiceId);
            Assert.Equal("v", await _backup.ExecuteAsync(["GET", "after"]));
        }
        finally
        {
            _primary.Resume();
        }

        // The INCR waited in the frozen primary's socket and ran once when it resumed; it never reached the backup.
        Assert.Null(await _backup.ExecuteAsync(["GET", "counter"]));
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        object? counter;
        while ((counter = await _primary.ExecuteAsync(["GET", "counter"])) is null && DateTime.UtcNow < deadline)
        {
            // A real server catching up on its socket: poll, bounded.
            await Task.Delay(10);
        }

        Assert.Equal("1", counter);
    }
}
