using System.Diagnostics;
using System.Text;
using CacheFailover.Engine;
using CacheFailover.Group;
using CacheFailover.Health;
using CacheFailover.Options;
using CacheFailover.Redis.Tests.EngineFailover;
using CacheFailover.Services;
using CacheFailover.Testing;
using CacheFailover.Testing.Topologies;
using Xunit.Abstractions;

namespace CacheFailover.Redis.Tests.Topologies;

/// <summary>
/// A Sentinel-managed primary is one service to the engine. When its primary is SIGKILLed the
/// sentinels promote the replica and the engine follows inside the service (StackExchange.Redis's
/// Sentinel support), without a failover to the backup service while its thresholds
/// (failure_threshold × health_check_interval_seconds) are longer than the promotion; when the whole
/// service stays down past them, it fails over to the backup; the journal, the group record and the
/// failback's invalidation work on the promoted node. Both figures come from the same run.
/// </summary>
[Collection(RedisCollectionDefinition.Name)]
public sealed class SentinelFailoverTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task SentinelPrimaryKilled_ThenServiceDown_FollowsPromotionInsideServiceThenFailsOverToBackupAndBack()
    {
        await using var topology = await RedisSentinelTopology.StartAsync();
        await using var backupServer = await RedisServerProcess.StartAsync();
        var factory = new RedisCacheBackendFactory();

        // 8 probes 1 s apart: about 8 s of the service being down before a failover, far longer
        // than the promotion (down-after 1 s, then the vote).
        await using var engine = new FailoverEngine(
            new CacheServiceRegistration("primary", factory.Create("primary", topology.ConnectionString)),
            [new CacheServiceRegistration("backup", factory.Create("backup", backupServer.ConnectionString))],
            new FailoverOptions { TimeoutThresholdMs = 200, HealthCheckIntervalSeconds = 1, HealthCheckTimeoutSeconds = 0.5, FailureThreshold = 8, AutoRecoveryEnabled = false, RetryBaseDelayMs = 5 },
            group: new FailoverGroupOptions { MemberId = "sentinel-test" });
        await engine.StartAsync();
        Assert.True(await WaitForAsync(() => engine.GetStatus().Services.All(s => s.Health == ServiceHealth.Healthy)), "services did not become healthy");

        // Written before the outage: the primary's copy must never be read after failback.
        await engine.SetAsync("sentinel:rewritten", Bytes("old"));
        await engine.SetAsync("sentinel:deleted", Bytes("old"));

        // 1. The Sentinel primary dies: the replica is promoted, the engine follows it.
        double promotion;
        var promotedPort = topology.Replica.Port;
        await using (var traffic = new TrafficGenerator(engine, workers: 4, prefix: "sentinel"))
        {
            Assert.True(await WaitForAsync(() => traffic.Successes >= 200), "traffic did not start");
            var killed = Stopwatch.GetTimestamp();
            topology.Primary.Kill();
            promotion = await FirstWriteAsync(engine, killed);
            Assert.True(traffic.Errors.Count > 0, "no operation failed while the service had no primary: the kill was not seen");
        }

        // The sentinel that led the promotion knows first; the others learn it from its hello messages.
        Assert.True(await WaitForAsync(async () => await topology.CurrentPrimaryPortAsync() == promotedPort), "the sentinels did not name the replica as the primary");
        Assert.Equal("master", (await topology.Replica.ExecuteAsync(["ROLE"]) as object?[])?[0]);
        Assert.Empty(engine.GetEvents());
        Assert.Equal(FailoverStatus.Active, engine.Status);
        Assert.Equal("primary", (await engine.SetWithResultAsync("sentinel:after-promotion", Bytes("x"))).ServedBy);
        Assert.Equal("x", await topology.Replica.ExecuteAsync(["GET", "sentinel:after-promotion"]));

        // 2. The whole service stays down (the promoted node hangs; no replica is left to promote):
        // past the thresholds, the engine fails over to the backup service.
        engine.UpdateOptions(o => o with { FailureThreshold = 2 });
        double toBackup;
        await using (var traffic = new TrafficGenerator(engine, workers: 4, prefix: "sentinel-down"))
        {
            Assert.True(await WaitForAsync(() => traffic.Successes >= 200), "traffic did not restart");
            var stopped = Stopwatch.GetTimestamp();
            topology.Replica.Stop();
            toBackup = await traffic.WaitForSuccessOnAsync("backup", stopped, Limit);
        }

        var failover = Assert.Single(engine.GetEvents());
        Assert.Equal(("primary", "backup"), (failover.FromServiceId, failover.ToServiceId));

        // Journaled writes while the backup serves, then the service comes back and the engine fails back.
        await engine.SetAsync("sentinel:rewritten", Bytes("new"));
        await engine.DeleteAsync("sentinel:deleted");
        Assert.True(engine.GetJournal().PendingKeys >= 2, $"journal holds {engine.GetJournal().PendingKeys} keys");
        topology.Replica.Resume();
        // Degraded is enough: the operations' window still holds the failures of the outage.
        Assert.True(await WaitForAsync(() => engine.GetStatus().Services.Single(s => s.ServiceId == "primary") is { Health: not ServiceHealth.Unhealthy, ConsecutiveSuccesses: >= 3 }), $"the Sentinel service did not come back: {engine.GetStatus().Services.Single(s => s.ServiceId == "primary")}; sentinels name port {await topology.CurrentPrimaryPortAsync()} (replica {topology.Replica.Port}), its role {(await topology.Replica.ExecuteAsync(["ROLE"]) as object?[])?[0]}");
        var recovery = await engine.TriggerManualRecoveryAsync("the Sentinel service is back");

        Assert.True(recovery.Success, recovery.RefusalReason);
        Assert.True(recovery.ReconciledKeys >= 2, $"reconciled {recovery.ReconciledKeys} keys");
        Assert.Equal("primary", engine.ActiveServiceId);
        var reread = await engine.GetWithResultAsync("sentinel:rewritten");
        Assert.Equal("primary", reread.ServedBy);
        Assert.Null(reread.Value);
        Assert.Null(await engine.GetAsync("sentinel:deleted"));
        Assert.Null(await topology.Replica.ExecuteAsync(["GET", "sentinel:rewritten"]));

        // The group's record lives on the promoted node too, at the epoch of the failback.
        var group = await engine.GetGroupAsync();
        Assert.Equal(FailoverStatus.Recovered, group.Record!.Status);
        var keys = new GroupKeys("default");
        Assert.Equal(group.Record.Version.ToString(System.Globalization.CultureInfo.InvariantCulture), await topology.Replica.ExecuteAsync(["HGET", keys.Record, "version"]));

        output.WriteLine($"Sentinel primary SIGKILLed -> first success through the engine on the promoted replica: {promotion:0} ms (down-after-milliseconds {RedisSentinelTopology.DownAfter.TotalMilliseconds:0}, no failover to the backup; failure_threshold 8 x 1 s probes)");
        output.WriteLine($"whole Sentinel service hung -> first success on the backup service: {toBackup:0} ms (failure_threshold 2 x 1 s probes), same run");
        Assert.InRange(promotion, 0, Limit.TotalMilliseconds);
        Assert.InRange(toBackup, 0, Limit.TotalMilliseconds);
    }

    /// <summary>
    /// Milliseconds from <paramref name="since"/> to the first write the engine acknowledges, served
    /// by the Sentinel service: a write needs a primary (a replica answers READONLY, and reads may be
    /// answered by the replica before it is promoted), so this is the promotion as the engine sees it.
    /// </summary>
    private static async Task<double> FirstWriteAsync(FailoverEngine engine, long since)
    {
        double? first = null;
        var written = await WaitForAsync(async () =>
        {
            try
            {
                var result = await engine.SetWithResultAsync("sentinel:first-write", Bytes("w"));
                first = Stopwatch.GetElapsedTime(since).TotalMilliseconds;
                Assert.Equal("primary", result.ServedBy);
                return true;
            }
            catch (CacheOperationException)
            {
                return false;
            }
        });
        Assert.True(written, "no write succeeded after the promotion");
        return first!.Value;
    }

    private static Task<bool> WaitForAsync(Func<bool> condition) => RealTimePoll.UntilAsync(condition, Limit);

    private static Task<bool> WaitForAsync(Func<Task<bool>> condition) => RealTimePoll.UntilAsync(condition, Limit);

    private static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);
}
