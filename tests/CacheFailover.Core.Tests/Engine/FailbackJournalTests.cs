using CacheFailover.Engine;
using static CacheFailover.Core.Tests.Engine.EngineHarness;

namespace CacheFailover.Core.Tests.Engine;

/// <summary>I1 (no stale read after failback), I2 (no resurrection), I5 (bounded journal, dirty primary).</summary>
public class FailbackJournalTests
{
    [Fact]
    public async Task Failback_KeysSetDuringFailover_ReadAsNewValueOrMissNeverOld()
    {
        await using var h = new EngineHarness(FastOptions() with { AutoRecoveryDelaySeconds = 0 });
        for (var i = 0; i < 100; i++)
        {
            await h.Engine.SetAsync($"k{i}", Bytes($"old{i}"));
        }

        // The primary hangs: it keeps its old values while the backup takes new ones.
        h.Primary.Faults.Hang();
        await h.CompletePastDeadlineAsync(() => h.Engine.SetWithResultAsync("k0", Bytes("new0")));
        for (var i = 1; i < 100; i++)
        {
            await h.Engine.SetAsync($"k{i}", Bytes($"new{i}"));
        }

        Assert.Equal("old5", Text(await h.Primary.Memory.GetAsync("k5")));
        h.Primary.Faults.Clear();
        await h.ProbeRoundsAsync(h.Options.RecoveryThreshold);
        Assert.Equal(FailoverStatus.Recovered, h.Engine.Status);

        var recovery = h.Events[^1];
        Assert.Equal(100, recovery.ReconciledKeys);
        for (var i = 0; i < 100; i++)
        {
            var value = Text(await h.Engine.GetAsync($"k{i}"));
            Assert.True(value is null || value == $"new{i}", $"k{i} read '{value}' after failback: stale");
        }
    }

    [Fact]
    public async Task Failback_KeysDeletedDuringFailover_StayDeleted()
    {
        await using var h = new EngineHarness(FastOptions() with { AutoRecoveryDelaySeconds = 0 });
        await h.Engine.SetAsync("gone", Bytes("old"));
        h.Primary.Faults.RefuseConnections();

        Assert.False(await h.Engine.DeleteAsync("gone"));
        h.Primary.Faults.Clear();
        await h.ProbeRoundsAsync(h.Options.RecoveryThreshold);

        Assert.Equal(FailoverStatus.Recovered, h.Engine.Status);
        Assert.Null(await h.Engine.GetAsync("gone"));
        Assert.False(await h.Engine.ExistsAsync("gone"));
        Assert.False(await h.Primary.Memory.ExistsAsync("gone"));
    }

    [Fact]
    public async Task Failback_UntouchedKeys_KeepPrimaryValues()
    {
        await using var h = new EngineHarness(FastOptions() with { AutoRecoveryDelaySeconds = 0 });
        await h.Engine.SetAsync("kept", Bytes("primary-value"));
        h.Primary.Faults.RefuseConnections();
        await h.Engine.SetAsync("other", Bytes("x"));
        h.Primary.Faults.Clear();

        await h.ProbeRoundsAsync(h.Options.RecoveryThreshold);

        Assert.Equal("primary-value", Text(await h.Engine.GetAsync("kept")));
    }

    [Fact]
    public async Task Failback_JournaledKeys_AreClearedFromBackupsToo()
    {
        await using var h = new EngineHarness(FastOptions() with { AutoRecoveryDelaySeconds = 0 });
        h.Primary.Faults.RefuseConnections();
        await h.Engine.SetAsync("k", Bytes("during-failover-1"));
        h.Primary.Faults.Clear();
        await h.ProbeRoundsAsync(h.Options.RecoveryThreshold);
        await h.Engine.SetAsync("k", Bytes("after-failback"));

        // A later failover must not serve the value of the earlier one.
        Assert.Null(await h.Backup1.Memory.GetAsync("k"));
    }

    [Fact]
    public async Task Failback_InvalidationFails_BackupKeepsServingAndNoKeyIsLost()
    {
        await using var h = new EngineHarness(FastOptions() with { AutoRecoveryDelaySeconds = 0 });
        await h.Engine.SetAsync("k", Bytes("old"));
        h.Primary.Faults.RefuseConnections();
        await h.Engine.SetAsync("k", Bytes("new"));
        h.Primary.Faults.Clear();
        await h.ProbeRoundsAsync(h.Options.RecoveryThreshold - 1);

        // Verification passes (three probes, then a test write and delete), but the invalidation batch fails on the way.
        h.Primary.Faults.FailEveryNth(6, CacheFailover.Backends.CacheFailureKind.Connection);
        var result = await h.Engine.TriggerManualRecoveryAsync("try");

        Assert.False(result.Success);
        Assert.Contains("reconciling the failback journal", result.Event!.Error, StringComparison.Ordinal);
        Assert.Equal(FailoverStatus.FailedOver, h.Engine.Status);
        Assert.Equal(1, h.Engine.GetJournal().PendingKeys);

        h.Primary.Faults.Clear();
        var retry = await h.Engine.TriggerManualRecoveryAsync("again");
        Assert.True(retry.Success);
        Assert.Equal(1, retry.ReconciledKeys);
        Assert.Equal("new", Text(await h.Engine.GetAsync("k")) ?? "new");
        Assert.NotEqual("old", Text(await h.Engine.GetAsync("k")));
    }

    [Fact]
    public async Task JournalOverflow_BlocksAutomaticFailback_UntilFlushed()
    {
        await using var h = new EngineHarness(FastOptions() with { AutoRecoveryDelaySeconds = 0, JournalCapacity = 10 });
        for (var i = 0; i < 20; i++)
        {
            await h.Engine.SetAsync($"k{i}", Bytes("old"));
        }

        h.Primary.Faults.RefuseConnections();
        for (var i = 0; i < 20; i++)
        {
            await h.Engine.SetAsync($"k{i}", Bytes("new"));
        }

        var journal = h.Engine.GetJournal();
        Assert.True(journal.Overflowed);
        Assert.True(journal.PrimaryDirty);
        Assert.Equal(0, journal.PendingKeys);

        h.Primary.Faults.Clear();
        await h.ProbeRoundsAsync(h.Options.RecoveryThreshold * 3);
        Assert.Equal(FailoverStatus.FailedOver, h.Engine.Status);

        var refused = await h.Engine.TriggerManualRecoveryAsync("try");
        Assert.False(refused.Success);
        Assert.Contains("is dirty", refused.RefusalReason, StringComparison.Ordinal);
        Assert.Contains("flush_dirty_primary", refused.RefusalReason, StringComparison.Ordinal);

        var flushed = await h.Engine.TriggerManualRecoveryAsync("flush it", flushDirtyPrimary: true);
        Assert.True(flushed.Success);
        Assert.True(flushed.Flushed);
        Assert.False(h.Engine.GetJournal().PrimaryDirty);
        for (var i = 0; i < 20; i++)
        {
            Assert.Null(await h.Engine.GetAsync($"k{i}"));
        }
    }

    [Fact]
    public async Task MarkPrimaryDirty_LostJournal_BlocksAutomaticFailback()
    {
        await using var h = new EngineHarness(FastOptions() with { AutoRecoveryDelaySeconds = 0 });
        h.Primary.Faults.RefuseConnections();
        h.Engine.MarkPrimaryDirty("the journal was lost");
        h.Primary.Faults.Clear();

        await h.ProbeRoundsAsync(h.Options.RecoveryThreshold * 2);

        Assert.Equal(FailoverStatus.FailedOver, h.Engine.Status);
        Assert.Equal("the journal was lost", h.Engine.GetJournal().DirtyReason);
    }

    [Fact]
    public async Task Failback_WritesRacingTheFinalSwitch_AreNeverLeftStale()
    {
        const int Writers = 4;
        const int KeysPerWriter = 2000;
        await using var h = new EngineHarness(FastOptions() with { AutoRecoveryDelaySeconds = 0, InvalidationBatchSize = 16 });
        for (var i = 0; i < Writers * KeysPerWriter; i++)
        {
            await h.Primary.Memory.SetAsync($"k{i}", Bytes("old"));
        }

        h.Primary.Faults.RefuseConnections();
        await h.Engine.SetAsync("warm", Bytes("x"));
        h.Primary.Faults.Clear();
        await h.ProbeRoundsAsync(h.Options.RecoveryThreshold - 1);

        // Each writer writes its own keys once, in order, while the recovery runs on another thread:
        // some writes land on the backup before the switch, some race it, some reach the primary after.
        var written = new int[Writers];
        var writers = Enumerable.Range(0, Writers).Select(w => Task.Run(async () =>
        {
            for (var n = 0; n < KeysPerWriter; n++)
            {
                await h.Engine.SetAsync($"k{(w * KeysPerWriter) + n}", Bytes("new"));
                written[w] = n + 1;
            }
        })).ToArray();
        var recovery = await Task.Run(() => h.Engine.TriggerManualRecoveryAsync("race"));
        await Task.WhenAll(writers);

        Assert.True(recovery.Success);
        for (var w = 0; w < Writers; w++)
        {
            for (var n = 0; n < written[w]; n++)
            {
                var value = Text(await h.Engine.GetAsync($"k{(w * KeysPerWriter) + n}"));
                Assert.True(value is null or "new", $"k{(w * KeysPerWriter) + n} read '{value}' after failback");
            }
        }
    }

    [Fact]
    public async Task Failback_WriteArrivingDuringFinalInvalidation_WaitsAndLandsOnPrimary()
    {
        await using var h = new EngineHarness(FastOptions() with { AutoRecoveryDelaySeconds = 0 });
        await h.Engine.SetAsync("b", Bytes("old"));
        h.Primary.Faults.RefuseConnections();
        await h.Engine.SetAsync("a", Bytes("x"));
        h.Primary.Faults.Clear();

        // With fewer keys than a batch, the only invalidation is the final, sealed one: a write of "b"
        // arriving then must wait for the switch and land on the primary, not on the backup unrecorded.
        Task? racingWrite = null;
        h.Primary.Latency.OnInvalidate = _ => racingWrite ??= h.Engine.SetAsync("b", Bytes("new")).AsTask();

        var recovery = await h.Engine.TriggerManualRecoveryAsync("race");
        await racingWrite!;

        Assert.True(recovery.Success);
        Assert.Equal(1, recovery.ReconciledKeys);
        Assert.Equal("primary", (await h.Engine.GetWithResultAsync("b")).ServedBy);
        Assert.Equal("new", Text(await h.Engine.GetAsync("b")));
    }
}
