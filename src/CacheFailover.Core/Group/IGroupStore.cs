using CacheFailover.Backends;

namespace CacheFailover.Group;

/// <summary>
/// One service's share of a failover group: the group's record, the journal sets of the writes it
/// took as a backup, the members' heartbeats, and announcements of record changes. Each member
/// opens its own store per service; the data is the service's, shared by every member.
/// </summary>
/// <remarks>
/// Every call may fail like any backend call (<see cref="CacheBackendException"/>); the engine
/// bounds each with a deadline through the token.
/// </remarks>
public interface IGroupStore : IAsyncDisposable
{
    /// <summary>Raised with the record's version when any member changed the record on this service (may be missed: the engine re-reads every probe round).</summary>
    event Action<long>? RecordAnnounced;

    /// <summary>The record on this service, or null when there is none (or it is unreadable).</summary>
    ValueTask<GroupRecord?> ReadRecordAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Stores <paramref name="record"/> when this service holds no record or an older version (for
    /// <see cref="RecordWrite.Spread"/> also: the same version, which <paramref name="record"/>
    /// outranks), and announces it; false otherwise.
    /// </summary>
    ValueTask<bool> TryWriteRecordAsync(GroupRecord record, RecordWrite mode, CancellationToken cancellationToken);

    /// <summary>
    /// Journals <paramref name="key"/> and writes it, atomically, when the record here matches
    /// <paramref name="fence"/>; otherwise nothing is written and <see cref="GroupFencedException"/> is thrown.
    /// </summary>
    /// <remarks>
    /// Where one atomic step cannot hold the key and the group's state (a Redis Cluster, a key in
    /// another slot than the group's), the fence check and the journal entry come first and the
    /// write follows only once they succeeded: journaled before written still holds, atomicity does not.
    /// </remarks>
    ValueTask SetFencedAsync(GroupFence fence, string key, ReadOnlyMemory<byte> value, TimeSpan? timeToLive, CancellationToken cancellationToken);

    /// <summary>As <see cref="SetFencedAsync"/> for a delete; true when the key existed.</summary>
    ValueTask<bool> DeleteFencedAsync(GroupFence fence, string key, CancellationToken cancellationToken);

    /// <summary>
    /// Journals <paramref name="keys"/> when the record here matches <paramref name="fence"/>, for a
    /// write the caller sends next (a command this store cannot apply itself); otherwise throws
    /// <see cref="GroupFencedException"/> and the caller must not send it.
    /// </summary>
    ValueTask JournalFencedAsync(GroupFence fence, IReadOnlyList<string> keys, CancellationToken cancellationToken);

    /// <summary>The journal set of the writes this service took at <paramref name="epoch"/>.</summary>
    ValueTask<JournalContents> ReadJournalAsync(long epoch, CancellationToken cancellationToken);

    /// <summary>Drops that set (after the primary has been reconciled).</summary>
    ValueTask DropJournalAsync(long epoch, CancellationToken cancellationToken);

    /// <summary>Writes this member's heartbeat.</summary>
    ValueTask WriteMemberAsync(GroupMember member, CancellationToken cancellationToken);

    /// <summary>Removes a member's heartbeat (it left the group: its process is ending).</summary>
    ValueTask RemoveMemberAsync(string memberId, CancellationToken cancellationToken);

    /// <summary>Every member's last heartbeat on this service.</summary>
    ValueTask<IReadOnlyList<GroupMember>> ReadMembersAsync(CancellationToken cancellationToken);
}

/// <summary>A backend that can hold a failover group's state.</summary>
public interface IGroupStoreProvider
{
    /// <summary>A store for group <paramref name="group"/> on this backend, for one member; null when this backend keeps no group state (a wrapper over one that does not).</summary>
    IGroupStore? OpenGroupStore(string group);
}

/// <summary>A fenced write was refused: the service's record says the group has moved on. Nothing was written.</summary>
public sealed class GroupFencedException : CacheBackendException
{
    public GroupFencedException()
        : this("The write was refused: the group's record has moved on.")
    {
    }

    public GroupFencedException(string message)
        : base(CacheFailureKind.Server, OperationOutcome.NotApplied, message)
    {
    }

    public GroupFencedException(string message, Exception innerException)
        : base(CacheFailureKind.Server, OperationOutcome.NotApplied, message, innerException)
    {
    }
}

/// <summary>How a record write compares with a service's own copy.</summary>
public enum RecordWrite
{
    /// <summary>A member's decision: only over an older version, so two decisions cannot both win on one service.</summary>
    Claim,

    /// <summary>
    /// Spreading the group's record: also over a rival of the same version that it outranks
    /// (<see cref="GroupRecord.Outranks"/>), so that services left holding different decisions of
    /// one version settle on one.
    /// </summary>
    Spread,
}
