using CacheFailover.Engine;
using static CacheFailover.Core.Tests.Engine.EngineHarness;

namespace CacheFailover.Core.Tests.Engine;

public class OutageBehaviourTests
{
    [Fact]
    public async Task AllDown_ManyFailingOperations_RecordOneFailedFailoverPerRetryInterval()
    {
        await using var h = new EngineHarness();
        h.Backup1.Faults.RefuseConnections();
        await h.ProbeRoundsAsync(1);
        h.Primary.Faults.RefuseConnections(raiseConnectionEvent: false);

        for (var i = 0; i < 100; i++)
        {
            await Assert.ThrowsAsync<CacheUnavailableException>(async () => await h.Engine.GetAsync("k"));
        }

        Assert.Single(h.Events);
        h.Time.Advance(TimeSpan.FromSeconds(1));
        await Assert.ThrowsAsync<CacheUnavailableException>(async () => await h.Engine.GetAsync("k"));
        Assert.Equal(2, h.Events.Count);
        Assert.All(h.Events, e => Assert.False(e.Success));
    }

    [Fact]
    public async Task AllDown_BackupComesBack_NextHealthRoundFailsOverWithoutWaitingForTheThrottle()
    {
        await using var h = new EngineHarness();
        h.Backup1.Faults.RefuseConnections();
        await h.ProbeRoundsAsync(1);
        h.Primary.Faults.RefuseConnections(raiseConnectionEvent: false);
        await Assert.ThrowsAsync<CacheUnavailableException>(async () => await h.Engine.GetAsync("k"));

        h.Backup1.Faults.Clear();
        await h.Engine.RunHealthChecksAsync();

        Assert.Equal("backup1", h.Engine.ActiveServiceId);
        Assert.Equal("backup1", (await h.Engine.GetWithResultAsync("k")).ServedBy);
    }

    [Fact]
    public async Task InFlightOnHungPrimary_ManualFailover_RetriedOnBackupAtOnce()
    {
        await using var h = new EngineHarness(FastOptions() with { TimeoutThresholdMs = 60_000 });
        await h.Engine.SetAsync("k", Bytes("v"));
        h.Primary.Faults.Hang();
        var inFlight = Enumerable.Range(0, 10).Select(_ => h.Engine.GetWithResultAsync("k").AsTask()).ToArray();
        Assert.All(inFlight, t => Assert.False(t.IsCompleted));

        await h.Engine.TriggerManualFailoverAsync("primary hangs", "backup1");
        var results = await Task.WhenAll(inFlight).WaitAsync(TimeSpan.FromSeconds(10));

        // No virtual time passed: they did not wait for their 60 s deadline.
        Assert.All(results, r => Assert.Equal(("backup1", 2), (r.ServedBy, r.Attempts)));
        Assert.Equal(0, h.Engine.GetStatus().Services.Single(s => s.ServiceId == "primary").ConsecutiveFailures);
    }

    [Fact]
    public async Task AutoRecovery_PrimaryProbesStillSlowerThanBaseline_Waits()
    {
        await using var h = new EngineHarness(FastOptions() with { AutoRecoveryDelaySeconds = 0 });
        await h.LearnBaselinesAsync(primaryMs: 2, backupMs: 2);

        h.Primary.Latency.Latency = TimeSpan.FromMilliseconds(10);
        for (var i = 0; i < 60 && h.Events.Count == 0; i++)
        {
            await h.Engine.GetAsync("k");
        }

        Assert.Equal(FailoverTrigger.PerformanceDegradation, Assert.Single(h.Events).Trigger);
        await h.ProbeRoundsAsync(20);
        Assert.Equal(FailoverStatus.FailedOver, h.Engine.Status);

        h.Primary.Latency.Latency = TimeSpan.FromMilliseconds(2);
        await h.ProbeRoundsAsync(20);
        Assert.Equal(FailoverStatus.Recovered, h.Engine.Status);
    }
}
