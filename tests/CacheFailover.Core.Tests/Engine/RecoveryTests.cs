using CacheFailover.Engine;
using static CacheFailover.Core.Tests.Engine.EngineHarness;

namespace CacheFailover.Core.Tests.Engine;

public class RecoveryTests
{
    private static async Task<EngineHarness> FailedOverAsync(CacheFailover.Options.FailoverOptions? options = null)
    {
        var h = new EngineHarness(options);
        h.Primary.Faults.RefuseConnections();
        Assert.Equal(FailoverStatus.FailedOver, h.Engine.Status);
        await Task.CompletedTask;
        return h;
    }

    [Fact]
    public async Task AutoRecovery_AfterDelayAndThreshold_SwitchesBackToPrimary()
    {
        await using var h = await FailedOverAsync();
        h.Primary.Faults.Clear();

        // Healthy for recovery_threshold rounds, but the delay (60 s) has not passed.
        await h.ProbeRoundsAsync(h.Options.RecoveryThreshold);
        Assert.Equal(FailoverStatus.FailedOver, h.Engine.Status);

        h.Time.Advance(TimeSpan.FromSeconds(h.Options.AutoRecoveryDelaySeconds));
        await h.Engine.RunHealthChecksAsync();

        Assert.Equal(FailoverStatus.Recovered, h.Engine.Status);
        Assert.Equal("primary", h.Engine.ActiveServiceId);
        Assert.Equal(2, h.Engine.Epoch);
        var recovery = h.Events[^1];
        Assert.Equal(FailoverEventKind.Recovery, recovery.Kind);
        Assert.True(recovery.IsAutomatic);
        Assert.Equal(FailoverTrigger.ConnectionFailure, recovery.Trigger);
    }

    [Fact]
    public async Task AutoRecovery_DelayPassedButTooFewHealthyProbes_Waits()
    {
        await using var h = await FailedOverAsync();
        h.Time.Advance(TimeSpan.FromSeconds(h.Options.AutoRecoveryDelaySeconds));
        h.Primary.Faults.Clear();

        await h.ProbeRoundsAsync(h.Options.RecoveryThreshold - 1);
        Assert.Equal(FailoverStatus.FailedOver, h.Engine.Status);

        await h.ProbeRoundsAsync(1);
        Assert.Equal(FailoverStatus.Recovered, h.Engine.Status);
    }

    [Fact]
    public async Task AutoRecovery_ProbeRoundsBackToBack_CountAsOneRound()
    {
        await using var h = await FailedOverAsync();
        h.Time.Advance(TimeSpan.FromSeconds(h.Options.AutoRecoveryDelaySeconds));
        h.Primary.Faults.Clear();

        // A late timer round followed at once by the next one: many probes, one moment. Recovery
        // needs recovery_threshold probes spread over time, not a burst a few milliseconds long.
        for (var i = 0; i < h.Options.RecoveryThreshold * 2; i++)
        {
            await h.Engine.RunHealthChecksAsync();
        }

        Assert.Equal(FailoverStatus.FailedOver, h.Engine.Status);

        await h.ProbeRoundsAsync(h.Options.RecoveryThreshold - 1);
        Assert.Equal(FailoverStatus.Recovered, h.Engine.Status);
    }

    [Fact]
    public async Task AutoRecovery_Disabled_StaysFailedOver()
    {
        await using var h = await FailedOverAsync(FastOptions() with { AutoRecoveryEnabled = false });
        h.Primary.Faults.Clear();
        h.Time.Advance(TimeSpan.FromSeconds(h.Options.AutoRecoveryDelaySeconds));

        await h.ProbeRoundsAsync(10);

        Assert.Equal(FailoverStatus.FailedOver, h.Engine.Status);
    }

    [Fact]
    public async Task AutoRecovery_AfterManualFailover_WaitsForManualRecovery()
    {
        await using var h = new EngineHarness();
        await h.Engine.TriggerManualFailoverAsync("patching the primary");
        h.Time.Advance(TimeSpan.FromSeconds(h.Options.AutoRecoveryDelaySeconds));

        await h.ProbeRoundsAsync(10);

        Assert.Equal(FailoverStatus.FailedOver, h.Engine.Status);
        Assert.True(h.Engine.GetStatus().AutoRecoverySuspended);
        var result = await h.Engine.TriggerManualRecoveryAsync("patch done");
        Assert.True(result.Success);
        Assert.False(h.Engine.GetStatus().AutoRecoverySuspended);
    }

    [Fact]
    public async Task ManualRecovery_PrimaryStillDown_RefusedWithReasonAndNothingChanges()
    {
        await using var h = await FailedOverAsync();

        var result = await h.Engine.TriggerManualRecoveryAsync("try");

        Assert.False(result.Success);
        Assert.Contains("the primary 'primary' is not healthy", result.RefusalReason, StringComparison.Ordinal);
        Assert.False(Assert.Single(result.Verification).Success);
        Assert.Null(result.Event);
        Assert.Equal(FailoverStatus.FailedOver, h.Engine.Status);
        Assert.Equal(1, h.Engine.Epoch);
    }

    [Fact]
    public async Task ManualRecovery_PrimaryHealthy_VerifiesThenSwitches()
    {
        await using var h = await FailedOverAsync();
        h.Primary.Faults.Clear();

        var result = await h.Engine.TriggerManualRecoveryAsync("primary patched");

        Assert.True(result.Success);
        Assert.Equal(3, result.Verification.Count);
        Assert.All(result.Verification, p => Assert.True(p.Success));
        Assert.Equal(FailoverTrigger.Manual, result.Event!.Trigger);
        Assert.Equal(FailoverStatus.Recovered, h.Engine.Status);
    }

    [Fact]
    public async Task ManualRecovery_PrimaryAlreadyServing_Refused()
    {
        await using var h = new EngineHarness();

        var result = await h.Engine.TriggerManualRecoveryAsync();

        Assert.False(result.Success);
        Assert.Contains("already serves", result.RefusalReason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FlappingPrimary_FailsAgainSoonAfterRecovery_HoldDownDoubles()
    {
        await using var h = await FailedOverAsync();
        var delay = TimeSpan.FromSeconds(h.Options.AutoRecoveryDelaySeconds);
        h.Primary.Faults.Clear();
        h.Time.Advance(delay);
        await h.ProbeRoundsAsync(h.Options.RecoveryThreshold);
        Assert.Equal(FailoverStatus.Recovered, h.Engine.Status);

        // It fails again right away: the second hold-down is twice the first.
        h.Primary.Faults.RefuseConnections();
        Assert.Equal(FailoverStatus.FailedOver, h.Engine.Status);
        h.Primary.Faults.Clear();
        h.Time.Advance(delay);
        await h.ProbeRoundsAsync(h.Options.RecoveryThreshold);
        Assert.Equal(FailoverStatus.FailedOver, h.Engine.Status);
        Assert.NotNull(h.Engine.GetStatus().PrimaryHeldDownUntil);

        h.Time.Advance(delay);
        await h.ProbeRoundsAsync(1);
        Assert.Equal(FailoverStatus.Recovered, h.Engine.Status);
        Assert.Equal(4, h.Engine.Epoch);
    }

    [Fact]
    public async Task FlappingPrimary_ServedStablyBeforeFailingAgain_HoldDownResets()
    {
        await using var h = await FailedOverAsync();
        var delay = TimeSpan.FromSeconds(h.Options.AutoRecoveryDelaySeconds);
        h.Primary.Faults.Clear();
        h.Time.Advance(delay);
        await h.ProbeRoundsAsync(h.Options.RecoveryThreshold);
        Assert.Equal(FailoverStatus.Recovered, h.Engine.Status);

        h.Time.Advance(delay * 3);
        h.Primary.Faults.RefuseConnections();
        h.Primary.Faults.Clear();
        h.Time.Advance(delay);
        await h.ProbeRoundsAsync(h.Options.RecoveryThreshold);

        Assert.Equal(FailoverStatus.Recovered, h.Engine.Status);
    }

    [Fact]
    public async Task Epoch_EveryFailoverAndRecovery_GrowsByOne()
    {
        await using var h = await FailedOverAsync(FastOptions() with { AutoRecoveryDelaySeconds = 0 });
        h.Primary.Faults.Clear();
        await h.ProbeRoundsAsync(h.Options.RecoveryThreshold);
        h.Time.Advance(TimeSpan.FromMinutes(5));
        await h.Engine.TriggerManualFailoverAsync("drill");
        await h.Engine.TriggerManualRecoveryAsync("drill done");

        Assert.Equal([1L, 2L, 3L, 4L], h.Events.Select(e => e.Epoch));
        Assert.Equal(4, h.Engine.Epoch);
    }

    [Fact]
    public async Task StaleDecision_EpochMovedOn_IsIgnored()
    {
        await using var h = new EngineHarness(backups: 2);
        var staleEpoch = h.Engine.Epoch;
        await h.Engine.TriggerManualFailoverAsync("first", "backup1");

        // A failover decided under epoch 0 (e.g. by a slow operation) arrives after the switch to epoch 1.
        var result = await h.Engine.FailOverAsync(FailoverTrigger.TimeoutExceeded, "late", staleEpoch, h.Engine.FindService("primary")!, null, automatic: true);

        Assert.Null(result);
        Assert.Equal(1, h.Engine.Epoch);
        Assert.Equal("backup1", h.Engine.ActiveServiceId);
    }
}
