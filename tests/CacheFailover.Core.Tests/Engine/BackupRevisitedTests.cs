using static CacheFailover.Core.Tests.Engine.EngineHarness;

namespace CacheFailover.Core.Tests.Engine;

/// <summary>
/// A backup that serves a second time in one failover must not serve what it took the first time:
/// the keys may have been written or deleted on another backup in between (found by the nemesis,
/// issue #15: seed 5 with two backups).
/// </summary>
public sealed class BackupRevisitedTests
{
    [Fact]
    public async Task BackToABackupThatServedEarlier_KeyRewrittenElsewhereMeanwhile_ReadIsNotItsOlderValue()
    {
        await using var h = new EngineHarness(FastOptions(), backups: 2);
        await h.Engine.TriggerManualFailoverAsync("first stint", "backup2");
        await h.Engine.SetAsync("k", Bytes("v1"));
        await h.Engine.TriggerManualFailoverAsync("to the other backup", "backup1");
        await h.Engine.SetAsync("k", Bytes("v2"));

        await h.Engine.TriggerManualFailoverAsync("back again", "backup2");
        var read = await h.Engine.GetWithResultAsync("k");

        Assert.Equal("backup2", read.ServedBy);
        Assert.NotEqual("v1", Text(read.Value));
    }

    [Fact]
    public async Task BackToABackupThatServedEarlier_KeyDeletedElsewhereMeanwhile_IsNotResurrected()
    {
        await using var h = new EngineHarness(FastOptions(), backups: 2);
        await h.Engine.TriggerManualFailoverAsync("first stint", "backup2");
        await h.Engine.SetAsync("k", Bytes("v0"));
        await h.Engine.TriggerManualFailoverAsync("to the other backup", "backup1");
        await h.Engine.DeleteAsync("k");

        await h.Engine.TriggerManualFailoverAsync("back again", "backup2");

        Assert.Null(await h.Engine.GetAsync("k"));
    }

    [Fact]
    public async Task BackToABackupThatServedEarlier_ThenFailback_PrimaryServesTheLatestWriteFromNeither()
    {
        await using var h = new EngineHarness(FastOptions(), backups: 2);
        await h.Engine.SetAsync("k", Bytes("before"));
        await h.Engine.TriggerManualFailoverAsync("first stint", "backup2");
        await h.Engine.SetAsync("k", Bytes("v1"));
        await h.Engine.TriggerManualFailoverAsync("to the other backup", "backup1");
        await h.Engine.SetAsync("k", Bytes("v2"));
        await h.Engine.TriggerManualFailoverAsync("back again", "backup2");
        await h.Engine.SetAsync("other", Bytes("x"));

        var recovery = await h.Engine.TriggerManualRecoveryAsync("done");
        var read = await h.Engine.GetWithResultAsync("k");

        Assert.True(recovery.Success, recovery.RefusalReason);
        Assert.Equal("primary", read.ServedBy);
        Assert.Null(read.Value);
    }
}
