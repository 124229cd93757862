using CacheFailover.Group;

namespace CacheFailover.Drills.Chaos;

/// <summary>A group store behind a <see cref="FaultInjectingBackend"/>: every call passes the backend's fault first.</summary>
internal sealed class FaultInjectingGroupStore(IGroupStore inner, Func<CancellationToken, ValueTask> gate) : IGroupStore
{
    public event Action<long>? RecordAnnounced
    {
        add => inner.RecordAnnounced += value;
        remove => inner.RecordAnnounced -= value;
    }

    public async ValueTask<GroupRecord?> ReadRecordAsync(CancellationToken cancellationToken)
    {
        await gate(cancellationToken);
        return await inner.ReadRecordAsync(cancellationToken);
    }

    public async ValueTask<bool> TryWriteRecordAsync(GroupRecord record, RecordWrite mode, CancellationToken cancellationToken)
    {
        await gate(cancellationToken);
        return await inner.TryWriteRecordAsync(record, mode, cancellationToken);
    }

    public async ValueTask SetFencedAsync(GroupFence fence, string key, ReadOnlyMemory<byte> value, TimeSpan? timeToLive, CancellationToken cancellationToken)
    {
        await gate(cancellationToken);
        await inner.SetFencedAsync(fence, key, value, timeToLive, cancellationToken);
    }

    public async ValueTask<bool> DeleteFencedAsync(GroupFence fence, string key, CancellationToken cancellationToken)
    {
        await gate(cancellationToken);
        return await inner.DeleteFencedAsync(fence, key, cancellationToken);
    }

    public async ValueTask JournalFencedAsync(GroupFence fence, IReadOnlyList<string> keys, CancellationToken cancellationToken)
    {
        await gate(cancellationToken);
        await inner.JournalFencedAsync(fence, keys, cancellationToken);
    }

    public async ValueTask<JournalContents> ReadJournalAsync(long epoch, CancellationToken cancellationToken)
    {
        await gate(cancellationToken);
        return await inner.ReadJournalAsync(epoch, cancellationToken);
    }

    public async ValueTask DropJournalAsync(long epoch, CancellationToken cancellationToken)
    {
        await gate(cancellationToken);
        await inner.DropJournalAsync(epoch, cancellationToken);
    }

    public async ValueTask WriteMemberAsync(GroupMember member, CancellationToken cancellationToken)
    {
        await gate(cancellationToken);
        await inner.WriteMemberAsync(member, cancellationToken);
    }

    public async ValueTask RemoveMemberAsync(string memberId, CancellationToken cancellationToken)
    {
        await gate(cancellationToken);
        await inner.RemoveMemberAsync(memberId, cancellationToken);
    }

    public async ValueTask<IReadOnlyList<GroupMember>> ReadMembersAsync(CancellationToken cancellationToken)
    {
        await gate(cancellationToken);
        return await inner.ReadMembersAsync(cancellationToken);
    }

    public ValueTask DisposeAsync() => inner.DisposeAsync();
}
