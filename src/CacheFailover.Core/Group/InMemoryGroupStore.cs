using System.Collections.Concurrent;
using CacheFailover.Backends;

namespace CacheFailover.Group;

/// <summary>
/// A group's state in an <see cref="InMemoryCacheBackend"/>: what the Redis store keeps in keys,
/// held next to the cache's entries. Members that share the backend object share the group
/// (several engines in one process); the zero-setup default is a group of one.
/// </summary>
internal sealed class InMemoryGroupState(InMemoryCacheBackend backend)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<long, HashSet<string>> _journals = [];
    private readonly HashSet<long> _overflowed = [];
    private readonly ConcurrentDictionary<string, GroupMember> _members = new(StringComparer.Ordinal);
    private readonly List<InMemoryGroupStore> _stores = [];
    private GroupRecord? _record;

    public InMemoryGroupStore Open()
    {
        var store = new InMemoryGroupStore(this);
        lock (_lock)
        {
            _stores.Add(store);
        }

        return store;
    }

    public void Close(InMemoryGroupStore store)
    {
        lock (_lock)
        {
            _stores.Remove(store);
        }
    }

    public GroupRecord? Record
    {
        get
        {
            lock (_lock)
            {
                return _record;
            }
        }
    }

    public bool TryWrite(GroupRecord record, RecordWrite mode)
    {
        InMemoryGroupStore[] listeners;
        lock (_lock)
        {
            var accepted = _record is not { } current
                || record.Version > current.Version
                || (mode == RecordWrite.Spread && record.Outranks(current));
            if (!accepted)
            {
                return false;
            }

            _record = record;
            listeners = [.. _stores];
        }

        // Outside the lock, like a pub/sub message that arrives after the write.
        foreach (var listener in listeners)
        {
            listener.Announce(record.Version);
        }

        return true;
    }

    /// <summary>The fence check, the journal entry and the write under one lock: the script the Redis store runs.</summary>
    public ValueTask<T> FencedAsync<T>(GroupFence fence, string key, Func<ValueTask<T>> write)
    {
        lock (_lock)
        {
            JournalUnderLock(fence, [key]);

            // The in-memory backend completes synchronously, so the write happens under the lock too.
            var pending = write();
            if (!pending.IsCompleted)
            {
                throw new InvalidOperationException("The in-memory backend completes writes synchronously.");
            }

            return new ValueTask<T>(pending.Result);
        }
    }

    public void JournalFenced(GroupFence fence, IReadOnlyList<string> keys)
    {
        lock (_lock)
        {
            JournalUnderLock(fence, keys);
        }
    }

    private void JournalUnderLock(GroupFence fence, IReadOnlyList<string> written)
    {
        if (_record is not { } record || record.Epoch != fence.Epoch || record.ServingServiceId != fence.ServiceId || record.Status != Engine.FailoverStatus.FailedOver)
        {
            throw new GroupFencedException(FenceRefusal(_record, fence));
        }

        if (!_journals.TryGetValue(fence.Epoch, out var keys))
        {
            _journals[fence.Epoch] = keys = new HashSet<string>(StringComparer.Ordinal);
        }

        foreach (var key in written)
        {
            if (keys.Count < fence.JournalCapacity || keys.Contains(key))
            {
                keys.Add(key);
            }
            else
            {
                _overflowed.Add(fence.Epoch);
            }
        }
    }

    public JournalContents Journal(long epoch)
    {
        lock (_lock)
        {
            return new JournalContents(_journals.TryGetValue(epoch, out var keys) ? [.. keys] : [], _overflowed.Contains(epoch));
        }
    }

    public void DropJournal(long epoch)
    {
        lock (_lock)
        {
            _journals.Remove(epoch);
            _overflowed.Remove(epoch);
        }
    }

    public void WriteMember(GroupMember member) => _members[member.Identity.MemberId] = member;

    public void RemoveMember(string memberId) => _members.TryRemove(memberId, out _);

    public IReadOnlyList<GroupMember> Members => [.. _members.Values];

    public InMemoryCacheBackend Backend => backend;

    internal static string FenceRefusal(GroupRecord? record, GroupFence fence) => record is null
        ? $"the write was refused: this service holds no failover record, and the writer believed it served at epoch {fence.Epoch}."
        : $"the write was refused: this service's failover record is at epoch {record.Epoch} ({record.Status}, serving '{record.ServingServiceId}'), the writer believed epoch {fence.Epoch} with '{fence.ServiceId}' serving.";
}

/// <summary>One member's view of an <see cref="InMemoryGroupState"/>.</summary>
internal sealed class InMemoryGroupStore(InMemoryGroupState state) : IGroupStore
{
    public event Action<long>? RecordAnnounced;

    public ValueTask<GroupRecord?> ReadRecordAsync(CancellationToken cancellationToken) => new(state.Record);

    public ValueTask<bool> TryWriteRecordAsync(GroupRecord record, RecordWrite mode, CancellationToken cancellationToken) => new(state.TryWrite(record, mode));

    public async ValueTask SetFencedAsync(GroupFence fence, string key, ReadOnlyMemory<byte> value, TimeSpan? timeToLive, CancellationToken cancellationToken)
        => await state.FencedAsync(fence, key, async () =>
        {
            await state.Backend.SetAsync(key, value, timeToLive, cancellationToken);
            return true;
        });

    public ValueTask<bool> DeleteFencedAsync(GroupFence fence, string key, CancellationToken cancellationToken)
        => state.FencedAsync(fence, key, () => state.Backend.DeleteAsync(key, cancellationToken));

    public ValueTask JournalFencedAsync(GroupFence fence, IReadOnlyList<string> keys, CancellationToken cancellationToken)
    {
        state.JournalFenced(fence, keys);
        return ValueTask.CompletedTask;
    }

    public ValueTask<JournalContents> ReadJournalAsync(long epoch, CancellationToken cancellationToken) => new(state.Journal(epoch));

    public ValueTask DropJournalAsync(long epoch, CancellationToken cancellationToken)
    {
        state.DropJournal(epoch);
        return ValueTask.CompletedTask;
    }

    public ValueTask WriteMemberAsync(GroupMember member, CancellationToken cancellationToken)
    {
        state.WriteMember(member);
        return ValueTask.CompletedTask;
    }

    public ValueTask RemoveMemberAsync(string memberId, CancellationToken cancellationToken)
    {
        state.RemoveMember(memberId);
        return ValueTask.CompletedTask;
    }

    public ValueTask<IReadOnlyList<GroupMember>> ReadMembersAsync(CancellationToken cancellationToken) => new(state.Members);

    public ValueTask DisposeAsync()
    {
        state.Close(this);
        return ValueTask.CompletedTask;
    }

    internal void Announce(long version) => RecordAnnounced?.Invoke(version);
}
