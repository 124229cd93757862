using CacheFailover.Journal;

namespace CacheFailover.Core.Tests.Journal;

public class FailbackJournalUnitTests
{
    [Fact]
    public void TryRecord_SameKeyTwice_KeepsOne()
    {
        var journal = new FailbackJournal(10);

        journal.TryRecord("a");
        journal.TryRecord("a");

        Assert.Equal(1, journal.PendingKeys);
    }

    [Fact]
    public void TryRecord_PastCapacity_OverflowsMarksDirtyAndFreesKeys()
    {
        var journal = new FailbackJournal(2);

        journal.TryRecord("a");
        journal.TryRecord("b");
        Assert.False(journal.Overflowed);
        journal.TryRecord("c");

        Assert.True(journal.Overflowed);
        Assert.True(journal.PrimaryDirty);
        Assert.Equal(0, journal.PendingKeys);
        Assert.Contains("capacity of 2 keys", journal.DirtyReason, StringComparison.Ordinal);
    }

    [Fact]
    public void SealAndDrain_RefusesRecordsUntilUnsealed()
    {
        var journal = new FailbackJournal(10);
        journal.TryRecord("a");

        Assert.Equal(["a"], journal.SealAndDrain());
        Assert.False(journal.TryRecord("b"));
        journal.Unseal();
        Assert.True(journal.TryRecord("b"));
    }

    [Fact]
    public void TakeBatchAndRestore_LoseNoKey()
    {
        var journal = new FailbackJournal(100);
        for (var i = 0; i < 10; i++)
        {
            journal.TryRecord($"k{i}");
        }

        var batch = journal.TakeBatch(4);
        Assert.Equal(4, batch.Count);
        Assert.Equal(6, journal.PendingKeys);
        journal.Restore(batch);

        Assert.Equal(10, journal.PendingKeys);
    }

    [Fact]
    public void MarkReconciled_ClearsDirtyAndOverflow()
    {
        var journal = new FailbackJournal(1);
        journal.TryRecord("a");
        journal.TryRecord("b");

        journal.MarkReconciled();

        Assert.False(journal.PrimaryDirty);
        Assert.False(journal.Overflowed);
        Assert.True(journal.TryRecord("c"));
        Assert.Equal(1, journal.PendingKeys);
    }
}
