using CacheFailover.Engine;
using CacheFailover.Nemesis.Checking;

namespace CacheFailover.Nemesis.Tests;

public sealed class GroupObservationsTests
{
    [Fact]
    public void SplitEpochs_TwoMembersOnDifferentBackupsAtOneEpoch_AreFound()
    {
        (long, string, FailoverEvent)[] events =
        [
            (10, "m1", Switch(1, "primary", "backup-1")),
            (11, "m2", Switch(1, "primary", "backup-2")),
            (20, "m1", Switch(2, "backup-1", "primary")),
            (21, "m2", Switch(2, "backup-2", "primary")),
        ];

        var split = Assert.Single(GroupObservations.SplitEpochs(events));

        Assert.Equal(1, split.Epoch);
        Assert.Equal("backup-2", split.ServiceByMember["m2"]);
        Assert.Equal(10, split.FirstAtUs);
    }

    [Fact]
    public void Reentries_BackupServingAgainBeforeAFailback_IsFound_AfterAFailback_IsNot()
    {
        (long, string, FailoverEvent)[] events =
        [
            (10, "m1", Switch(1, "primary", "backup-2")),
            (20, "m1", Switch(2, "backup-2", "backup-1")),
            (30, "m1", Switch(3, "backup-1", "backup-2")),
            (40, "m1", Switch(4, "backup-2", "primary")),
            (50, "m1", Switch(5, "primary", "backup-1")),
        ];

        var reentry = Assert.Single(GroupObservations.Reentries(events, "primary"));

        Assert.Equal(3, reentry.Epoch);
        Assert.Equal("backup-2", reentry.Backup);
        Assert.Empty(GroupObservations.SplitEpochs(events));
    }

    private static FailoverEvent Switch(long epoch, string from, string to)
        => new(epoch, to == "primary" ? FailoverEventKind.Recovery : FailoverEventKind.Failover, epoch, FailoverTrigger.Manual, from, to, "test", DateTimeOffset.UnixEpoch, null, TimeSpan.Zero, true, null, 0, false);
}
