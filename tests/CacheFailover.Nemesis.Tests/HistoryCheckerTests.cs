using CacheFailover.Nemesis.Checking;
using CacheFailover.Nemesis.History;

namespace CacheFailover.Nemesis.Tests;

public sealed class HistoryCheckerTests
{
    [Fact]
    public void Check_ReadOfAValueReplacedByAnAcknowledgedWriteBeforeTheReadBegan_IsAStaleRead()
    {
        var h = new HistoryBuilder();
        h.Write("k", "v1", 0, 10);
        var replacing = h.Write("k", "v2", 20, 30);
        var read = h.Read("k", "v1", 40, 50);

        var result = HistoryChecker.Check(h.Entries);

        var violation = Assert.Single(result.Violations);
        Assert.Equal(ViolationKind.StaleRead, violation.Kind);
        Assert.Same(read, violation.Read);
        Assert.Same(replacing, violation.Because);
        Assert.Equal(1, result.StaleReads);
        Assert.False(result.Passed);
    }

    [Fact]
    public void Check_ReadOfTheLatestAcknowledgedValue_Passes()
    {
        var h = new HistoryBuilder();
        h.Write("k", "v1", 0, 10);
        h.Write("k", "v2", 20, 30);
        h.Read("k", "v2", 40, 50);

        var result = HistoryChecker.Check(h.Entries);

        Assert.True(result.Passed);
        Assert.Equal(1, result.ReadsChecked);
    }

    [Theory]
    [InlineData(35, 45)] // the newer write began before the read but completed after the read began: concurrent with it
    [InlineData(45, 60)] // the newer write began after the read began
    [InlineData(5, 30)]  // the newer write began before the old one completed: concurrent with it
    public void Check_ReadOfAnOlderValue_WhenTheNewerWriteWasConcurrent_IsAllowed(long newerInvoked, long newerCompleted)
    {
        var h = new HistoryBuilder();
        h.Write("k", "v1", 0, 10);
        h.Write("k", "v2", newerInvoked, newerCompleted);
        h.Read("k", "v1", 40, 50);

        Assert.True(HistoryChecker.Check(h.Entries).Passed);
    }

    [Fact]
    public void Check_ReadOfAValueFromAWriteWithUnknownOutcome_IsAllowedEvenAfterLaterAcknowledgedWrites()
    {
        var h = new HistoryBuilder();
        h.Write("k", "v1", 0, 10, Outcome.Unknown); // e.g. queued on a frozen server, applied when it resumed
        h.Write("k", "v2", 20, 30);
        h.Read("k", "v1", 40, 50);

        Assert.True(HistoryChecker.Check(h.Entries).Passed);
    }

    [Fact]
    public void Check_ReadOfAValueWhoseReplacingWriteHadAnUnknownOutcome_IsAllowed()
    {
        var h = new HistoryBuilder();
        h.Write("k", "v1", 0, 10);
        h.Write("k", "v2", 20, 30, Outcome.Unknown);
        h.Read("k", "v1", 40, 50);

        Assert.True(HistoryChecker.Check(h.Entries).Passed);
    }

    [Fact]
    public void Check_ReadFindingAValueWhoseDeleteWasAcknowledgedBeforeTheReadBegan_IsAResurrection()
    {
        var h = new HistoryBuilder();
        h.Write("k", "v1", 0, 10);
        var delete = h.Delete("k", 20, 30);
        h.Read("k", "v1", 40, 50);

        var violation = Assert.Single(HistoryChecker.Check(h.Entries).Violations);

        Assert.Equal(ViolationKind.Resurrection, violation.Kind);
        Assert.Same(delete, violation.Because);
    }

    [Fact]
    public void Check_MissAfterAnAcknowledgedWrite_IsAllowedAndCounted()
    {
        var h = new HistoryBuilder();
        h.Write("k", "v1", 0, 10);
        h.Read("k", null, 40, 50);
        h.Read("other", null, 40, 50);

        var result = HistoryChecker.Check(h.Entries);

        Assert.True(result.Passed);
        Assert.Equal(1, result.MissesAfterAcknowledgedWrite);
    }

    [Fact]
    public void Check_ValueReplacedByADeleteAndThenAWrite_IsAStaleReadOfTheLatestReplacement()
    {
        var h = new HistoryBuilder();
        h.Write("k", "v1", 0, 10);
        h.Delete("k", 20, 30);
        var latest = h.Write("k", "v3", 32, 35);
        h.Read("k", "v1", 40, 50);

        var violation = Assert.Single(HistoryChecker.Check(h.Entries).Violations);

        Assert.Equal(ViolationKind.StaleRead, violation.Kind);
        Assert.Same(latest, violation.Because);
    }

    [Fact]
    public void Check_WritesOfAnotherKey_NeverReplaceAValue()
    {
        var h = new HistoryBuilder();
        h.Write("a", "v1", 0, 10);
        h.Write("b", "v2", 20, 30);
        h.Delete("b", 31, 32);
        h.Read("a", "v1", 40, 50);

        Assert.True(HistoryChecker.Check(h.Entries).Passed);
    }

    [Fact]
    public void Check_ValueNoOperationWrote_IsAPhantom()
    {
        var h = new HistoryBuilder();
        h.Write("k", "v1", 0, 10);
        h.Read("k", "never-written", 40, 50);

        Assert.Equal(ViolationKind.PhantomValue, Assert.Single(HistoryChecker.Check(h.Entries).Violations).Kind);
    }

    [Fact]
    public void Check_ValueOfAWriteThatBeganAfterTheReadCompleted_IsAPhantom()
    {
        var h = new HistoryBuilder();
        h.Read("k", "v1", 0, 10);
        h.Write("k", "v1", 20, 30);

        var violation = Assert.Single(HistoryChecker.Check(h.Entries).Violations);

        Assert.Equal(ViolationKind.PhantomValue, violation.Kind);
        Assert.Equal(1, HistoryChecker.Check(h.Entries).DishonestResults);
    }

    [Fact]
    public void Check_ValueOfAWriteReportedAsNotApplied_IsDishonest()
    {
        var h = new HistoryBuilder();
        var failed = h.Write("k", "v1", 0, 10, Outcome.Failed);
        h.Read("k", "v1", 40, 50);

        var result = HistoryChecker.Check(h.Entries);
        var violation = Assert.Single(result.Violations);

        Assert.Equal(ViolationKind.FailedWriteApplied, violation.Kind);
        Assert.Same(failed, violation.Because);
        Assert.Equal(1, result.DishonestResults);
    }

    [Fact]
    public void Check_ListElementSeenTwice_IsAPushAppliedTwice()
    {
        var h = new HistoryBuilder();
        h.Push("l", "e1", 0, 10, Outcome.Unknown);
        h.Push("l", "e2", 20, 30);
        h.ReadList("l", 40, 50, "e1", "e2", "e1");

        var result = HistoryChecker.Check(h.Entries);

        Assert.Equal(ViolationKind.AppliedTwice, Assert.Single(result.Violations).Kind);
        Assert.Equal(1, result.DishonestResults);
    }

    [Fact]
    public void Check_ListElementsOfAcknowledgedAndUnknownPushes_InAnyCombination_Pass()
    {
        var h = new HistoryBuilder();
        h.Push("l", "e1", 0, 10);
        h.Push("l", "e2", 20, 30, Outcome.Unknown);
        h.Push("l", "e3", 35, 38);
        h.ReadList("l", 40, 50, "e1", "e3"); // e2 not (yet) applied: allowed
        h.ReadList("l", 60, 70, "e3");       // e1 lost to a failover: a cache may lose data
        h.ReadList("l", 80, 90);             // a miss

        var result = HistoryChecker.Check(h.Entries);

        Assert.True(result.Passed);
        Assert.Equal(3, result.ListReadsChecked);
    }

    [Fact]
    public void Check_ListElementPushedBeforeAnAcknowledgedDelete_SeenAfterIt_IsAResurrection()
    {
        var h = new HistoryBuilder();
        h.Push("l", "e1", 0, 10);
        h.Delete("l", 20, 30);
        h.Push("l", "e2", 32, 35);
        h.ReadList("l", 40, 50, "e1", "e2");

        var violation = Assert.Single(HistoryChecker.Check(h.Entries).Violations);

        Assert.Equal(ViolationKind.Resurrection, violation.Kind);
        Assert.Equal("e1", violation.Seen);
    }

    [Fact]
    public void Check_ListElementOfAPushConcurrentWithTheDelete_IsAllowed()
    {
        var h = new HistoryBuilder();
        h.Push("l", "e1", 15, 25);
        h.Delete("l", 20, 30);
        h.ReadList("l", 40, 50, "e1");

        Assert.True(HistoryChecker.Check(h.Entries).Passed);
    }

    [Fact]
    public void Check_ListElementOfAPushReportedAsNotApplied_IsDishonest()
    {
        var h = new HistoryBuilder();
        h.Push("l", "e1", 0, 10, Outcome.Failed);
        h.ReadList("l", 40, 50, "e1");

        Assert.Equal(ViolationKind.FailedWriteApplied, Assert.Single(HistoryChecker.Check(h.Entries).Violations).Kind);
    }

    [Fact]
    public void Check_FailedAndUnknownReads_AreNotChecked()
    {
        var h = new HistoryBuilder();
        var entries = new List<HistoryEntry>(h.Entries)
        {
            new(1, 1, OperationKind.Read, "k", null, null, 0, 10, Outcome.Unknown, "timeout"),
        };

        var result = HistoryChecker.Check(entries);

        Assert.Equal(0, result.ReadsChecked);
        Assert.True(result.Passed);
    }
}
