using CacheFailover.Backends;
using CacheFailover.Engine;
using static CacheFailover.Core.Tests.Engine.EngineHarness;

namespace CacheFailover.Core.Tests.Engine;

/// <summary>Each trigger leads to exactly one failover event with that trigger and the epoch grown by one.</summary>
public class FailoverTriggerTests
{
    [Fact]
    public async Task HealthCheckFailure_ThresholdReached_FailsOverOnce()
    {
        await using var h = new EngineHarness();
        h.Primary.Faults.FailEveryNth(1, CacheFailureKind.Server);

        await h.ProbeRoundsAsync(h.Options.FailureThreshold);

        var failover = Assert.Single(h.Events);
        Assert.Equal(FailoverTrigger.HealthCheckFailure, failover.Trigger);
        Assert.True(failover.Success);
        Assert.Equal(1, failover.Epoch);
        Assert.Equal("primary", failover.FromServiceId);
        Assert.Equal("backup1", failover.ToServiceId);
        Assert.Equal(FailoverStatus.FailedOver, h.Engine.Status);
        Assert.Equal("backup1", h.Engine.ActiveServiceId);
    }

    [Fact]
    public async Task HealthCheckFailure_OneBelowThreshold_DoesNotFailOver()
    {
        await using var h = new EngineHarness();
        h.Primary.Faults.FailEveryNth(1, CacheFailureKind.Server);

        await h.ProbeRoundsAsync(h.Options.FailureThreshold - 1);

        Assert.Empty(h.Events);
        Assert.Equal(FailoverStatus.Active, h.Engine.Status);
        Assert.Equal(0, h.Engine.Epoch);
    }

    [Fact]
    public async Task OperationServerErrors_ThresholdReached_FailsOverAndServesFromBackup()
    {
        await using var h = new EngineHarness();
        h.Primary.Faults.FailEveryNth(1, CacheFailureKind.Server);

        // Attempt 1 and 2 fail on the primary (below threshold: retried there), attempt 3 reaches the threshold and fails over.
        var result = await h.Engine.SetWithResultAsync("k", Bytes("v"));

        Assert.Equal("backup1", result.ServedBy);
        var failover = Assert.Single(h.Events);
        Assert.Equal(FailoverTrigger.HealthCheckFailure, failover.Trigger);
        Assert.Equal(1, result.Epoch);
    }

    [Fact]
    public async Task ConnectionFailure_ConnectionEvent_FailsOverAtOnce()
    {
        await using var h = new EngineHarness();

        h.Primary.Faults.RefuseConnections(raiseConnectionEvent: true);

        var failover = Assert.Single(h.Events);
        Assert.Equal(FailoverTrigger.ConnectionFailure, failover.Trigger);
        Assert.Equal(1, failover.Epoch);
        Assert.Equal("backup1", h.Engine.ActiveServiceId);
    }

    [Fact]
    public async Task ConnectionFailure_DuringOperation_RetriedOnBackupWithoutError()
    {
        await using var h = new EngineHarness();
        h.Primary.Faults.RefuseConnections(raiseConnectionEvent: false);

        var result = await h.Engine.SetWithResultAsync("k", Bytes("v"));

        Assert.Equal("backup1", result.ServedBy);
        Assert.Equal(2, result.Attempts);
        var failover = Assert.Single(h.Events);
        Assert.Equal(FailoverTrigger.ConnectionFailure, failover.Trigger);
        Assert.Equal(TimeSpan.Zero, failover.Detection);
        Assert.Equal("v", Text(await h.Backup1.Memory.GetAsync("k")));
    }

    [Fact]
    public async Task TimeoutExceeded_HungPrimary_EngineDeadlineFailsOver()
    {
        await using var h = new EngineHarness();
        h.Primary.Faults.Hang();

        var result = await h.CompletePastDeadlineAsync(() => h.Engine.GetWithResultAsync("k"));

        Assert.Equal("backup1", result.ServedBy);
        var failover = Assert.Single(h.Events);
        Assert.Equal(FailoverTrigger.TimeoutExceeded, failover.Trigger);
        Assert.Equal(1, failover.Epoch);
        Assert.InRange(failover.Detection!.Value, TimeSpan.FromMilliseconds(h.Options.TimeoutThresholdMs), h.DeadlineBound);
    }

    [Fact]
    public async Task Manual_TriggerManualFailover_RecordsManualEvent()
    {
        await using var h = new EngineHarness();

        var failover = await h.Engine.TriggerManualFailoverAsync("patching the primary");

        Assert.Same(failover, Assert.Single(h.Events));
        Assert.Equal(FailoverTrigger.Manual, failover.Trigger);
        Assert.False(failover.IsAutomatic);
        Assert.Null(failover.Detection);
        Assert.Equal("patching the primary", failover.Reason);
        Assert.Equal(1, failover.Epoch);
    }

    [Fact]
    public async Task Manual_UnknownTarget_RefusedAndNothingChanges()
    {
        await using var h = new EngineHarness();

        var ex = await Assert.ThrowsAsync<FailoverRefusedException>(() => h.Engine.TriggerManualFailoverAsync("x", "nope"));

        Assert.Contains("target_service_id 'nope' is not registered", ex.Message, StringComparison.Ordinal);
        Assert.Empty(h.Events);
        Assert.Equal(0, h.Engine.Epoch);
    }

    [Fact]
    public async Task Manual_UnhealthyTarget_Refused()
    {
        await using var h = new EngineHarness();
        h.Backup1.Faults.RefuseConnections();
        await h.ProbeRoundsAsync(1);

        var ex = await Assert.ThrowsAsync<FailoverRefusedException>(() => h.Engine.TriggerManualFailoverAsync("x", "backup1"));

        Assert.Contains("'backup1' is unhealthy", ex.Message, StringComparison.Ordinal);
        Assert.Equal("primary", h.Engine.ActiveServiceId);
    }

    [Fact]
    public async Task PerformanceDegradation_PrimaryTwiceAsSlowWithFasterBackup_FailsOver()
    {
        await using var h = new EngineHarness();
        await h.LearnBaselinesAsync(primaryMs: 2, backupMs: 2);

        h.Primary.Latency.Latency = TimeSpan.FromMilliseconds(4);
        await h.ProbeRoundsAsync(1);
        for (var i = 0; i < 40 && h.Events.Count == 0; i++)
        {
            await h.Engine.GetAsync("k");
        }

        var failover = Assert.Single(h.Events);
        Assert.Equal(FailoverTrigger.PerformanceDegradation, failover.Trigger);
        Assert.Equal("backup1", h.Engine.ActiveServiceId);
    }

    [Fact]
    public async Task PerformanceDegradation_ShorterThanSustainPeriod_DoesNotFailOver()
    {
        await using var h = new EngineHarness(FastOptions() with { DegradationSustainMs = 500 });
        await h.LearnBaselinesAsync(primaryMs: 2, backupMs: 2);

        // A 300 ms burst of slowness (a GC pause, a load spike), then normal again: no failover.
        h.Primary.Latency.Latency = TimeSpan.FromMilliseconds(10);
        for (var i = 0; i < 30; i++)
        {
            await h.Engine.GetAsync("k");
        }

        // Normal for 400 ms: long enough for fresh probes to show it and for the run of slowness to
        // end (a run tolerates normal stretches shorter than EngineTimings.DegradationRunGrace).
        h.Primary.Latency.Latency = TimeSpan.FromMilliseconds(2);
        for (var i = 0; i < 200; i++)
        {
            await h.Engine.GetAsync("k");
        }

        Assert.Empty(h.Events);

        // Slow for longer than 500 ms: failover.
        var slowSince = h.Time.GetUtcNow();
        h.Primary.Latency.Latency = TimeSpan.FromMilliseconds(10);
        for (var i = 0; i < 100 && h.Events.Count == 0; i++)
        {
            await h.Engine.GetAsync("k");
        }

        var failover = Assert.Single(h.Events);
        Assert.Equal(FailoverTrigger.PerformanceDegradation, failover.Trigger);
        Assert.InRange(failover.StartedAt - slowSince, TimeSpan.FromMilliseconds(500), TimeSpan.FromMilliseconds(800));
    }

    [Theory]
    [InlineData(2.0, false)]
    [InlineData(6.0, true)]
    public async Task PerformanceDegradation_AfterRecovery_JudgedOnFreshSamplesAgainstOldBaseline(double latencyAfterRecoveryMs, bool failsOverAgain)
    {
        await using var h = new EngineHarness(FastOptions() with { AutoRecoveryDelaySeconds = 0 });
        await h.LearnBaselinesAsync(primaryMs: 2, backupMs: 2);

        h.Primary.Latency.Latency = TimeSpan.FromMilliseconds(6);
        for (var i = 0; i < 60 && h.Events.Count == 0; i++)
        {
            await h.Engine.GetAsync("k");
        }

        Assert.Equal(FailoverTrigger.PerformanceDegradation, Assert.Single(h.Events).Trigger);
        h.Primary.Latency.Latency = TimeSpan.FromMilliseconds(latencyAfterRecoveryMs);

        // An operator switches back (automatic recovery would wait for a still-slow primary).
        Assert.True((await h.Engine.TriggerManualRecoveryAsync("patched")).Success);

        for (var i = 0; i < 60; i++)
        {
            await h.Engine.GetAsync("k");
        }

        Assert.Equal(failsOverAgain, h.Engine.Status == FailoverStatus.FailedOver);
        Assert.Equal(failsOverAgain ? 3 : 2, h.Events.Count);
    }

    [Fact]
    public async Task PerformanceDegradation_SlowdownWithinThreshold_DoesNotFailOver()
    {
        await using var h = new EngineHarness();
        await h.LearnBaselinesAsync(primaryMs: 4, backupMs: 1);

        // 40 % slower, threshold 50 %: noise, not degradation, although the backup is faster.
        h.Primary.Latency.Latency = TimeSpan.FromMilliseconds(5.6);
        for (var i = 0; i < 200; i++)
        {
            await h.Engine.GetAsync("k");
        }

        await h.ProbeRoundsAsync(1);
        Assert.Empty(h.Events);
        Assert.Equal("primary", h.Engine.ActiveServiceId);
    }

    [Fact]
    public async Task PerformanceDegradation_TooFewSamples_DoesNotFailOver()
    {
        await using var h = new EngineHarness();
        h.Primary.Latency.Latency = TimeSpan.FromMilliseconds(2);
        await h.ProbeRoundsAsync(2);
        for (var i = 0; i < 15; i++)
        {
            await h.Engine.GetAsync("k");
        }

        // Ten times slower, but fewer samples than degradation_minimum_samples (20) ever existed: no baseline yet.
        h.Primary.Latency.Latency = TimeSpan.FromMilliseconds(20);
        for (var i = 0; i < 4; i++)
        {
            await h.Engine.GetAsync("k");
        }

        Assert.Empty(h.Events);
    }

    [Fact]
    public async Task PerformanceDegradation_NoFasterCandidate_StaysOnPrimary()
    {
        await using var h = new EngineHarness();
        await h.LearnBaselinesAsync(primaryMs: 2, backupMs: 10);

        h.Primary.Latency.Latency = TimeSpan.FromMilliseconds(8);
        for (var i = 0; i < 100; i++)
        {
            await h.Engine.GetAsync("k");
        }

        Assert.Empty(h.Events);
        Assert.Equal(ServiceHealth.Degraded, h.Engine.GetStatus().Services.Single(s => s.ServiceId == "primary").Health);
    }

    [Fact]
    public async Task CascadeFailure_BackupFailsWithCascadeOn_FailsOverToNextBackup()
    {
        await using var h = new EngineHarness(FastOptions() with { CascadeFailoverEnabled = true }, backups: 2);
        h.Primary.Faults.RefuseConnections();

        h.Backup1.Faults.RefuseConnections();
        var result = await h.Engine.GetWithResultAsync("k");

        Assert.Equal("backup2", result.ServedBy);
        Assert.Collection(
            h.Events,
            e => Assert.Equal((FailoverTrigger.ConnectionFailure, 1L, "backup1"), (e.Trigger, e.Epoch, e.ToServiceId)),
            e => Assert.Equal((FailoverTrigger.CascadeFailure, 2L, "backup2"), (e.Trigger, e.Epoch, e.ToServiceId)));
    }

    [Fact]
    public async Task CascadeOff_ServingBackupFails_ClearErrorAndNoSwitch()
    {
        await using var h = new EngineHarness(FastOptions(), backups: 2);
        h.Primary.Faults.RefuseConnections();
        h.Backup1.Faults.RefuseConnections();

        var ex = await Assert.ThrowsAsync<CacheUnavailableException>(async () => await h.Engine.GetAsync("k"));

        Assert.Contains("cascade_failover_enabled is false", ex.Message, StringComparison.Ordinal);
        Assert.Equal("backup1", h.Engine.ActiveServiceId);
        Assert.Single(h.Events);
    }

    [Fact]
    public async Task CascadeOff_ServingBackupMissesADeadline_SafeCallIsRetriedOnItNotSurfaced()
    {
        // A missed deadline on the serving backup is load or a pause, not a dead connection: with
        // cascade off there is nowhere else to go, so a call that is safe to repeat is retried on the
        // same backup instead of failing (2000 calls in flight once surfaced 12 such errors).
        await using var h = new EngineHarness(FastOptions(), backups: 1);
        h.Primary.Faults.RefuseConnections();
        await h.Engine.SetAsync("k", Bytes("v"));
        Assert.Equal("backup1", h.Engine.ActiveServiceId);

        h.Backup1.Faults.Hang();
        var pending = h.Engine.GetWithResultAsync("k").AsTask();
        h.Time.Advance(h.DeadlineBound);
        h.Backup1.Faults.Clear();
        var result = await pending;

        Assert.Equal("v", Text(result.Value));
        Assert.Equal("backup1", result.ServedBy);
        Assert.True(result.Attempts >= 2, $"the timed-out attempt must have been retried (attempts: {result.Attempts})");
        Assert.Equal("backup1", h.Engine.ActiveServiceId);
        Assert.Single(h.Events);
    }

    [Fact]
    public async Task AllServicesDown_Operation_FailsFastWithClearError()
    {
        await using var h = new EngineHarness(FastOptions(), backups: 2);
        h.Backup1.Faults.RefuseConnections();
        h.Backup2.Faults.RefuseConnections();
        await h.ProbeRoundsAsync(1);
        h.Primary.Faults.RefuseConnections(raiseConnectionEvent: false);

        var pending = h.Engine.SetAsync("k", Bytes("v")).AsTask();

        Assert.True(pending.IsCompleted, "with every service down the operation must fail at once, not hang");
        var ex = await Assert.ThrowsAsync<CacheUnavailableException>(() => pending);
        Assert.Contains("no service can take over from 'primary'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("backup1: unhealthy", ex.Message, StringComparison.Ordinal);
        var failed = Assert.Single(h.Events);
        Assert.False(failed.Success);
        Assert.Equal(0, h.Engine.Epoch);
        Assert.Equal(FailoverStatus.Active, h.Engine.Status);
    }

    [Fact]
    public async Task EnableFailoverOff_PrimaryDown_ErrorsWithoutSwitching()
    {
        await using var h = new EngineHarness(FastOptions() with { EnableFailover = false });
        h.Primary.Faults.RefuseConnections();

        await Assert.ThrowsAsync<CacheOperationException>(async () => await h.Engine.GetAsync("k"));

        Assert.Empty(h.Events);
        Assert.Equal("primary", h.Engine.ActiveServiceId);
    }
}
