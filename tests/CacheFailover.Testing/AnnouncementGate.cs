using CacheFailover.Backends;
using CacheFailover.Backends.Commands;
using CacheFailover.Group;

namespace CacheFailover.Testing;

/// <summary>
/// The fault hook for lost group announcements: while closed, one member hears none of the
/// group's pub/sub announcements (on any service); it must then learn of decisions from its probe
/// rounds and from fenced writes being refused, as when Redis drops pub/sub messages. Used by the
/// nemesis and by the tests over real redis-servers.
/// </summary>
public sealed class AnnouncementGate
{
    private volatile bool _dropping;
    private long _dropped;

    /// <summary>Announcements swallowed so far.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    public bool Dropping
    {
        get => _dropping;
        set => _dropping = value;
    }

    /// <summary>Passes <paramref name="version"/> on unless the gate drops it.</summary>
    internal void Deliver(long version, Action<long>? handlers)
    {
        if (_dropping)
        {
            Interlocked.Increment(ref _dropped);
            return;
        }

        handlers?.Invoke(version);
    }
}

/// <summary>
/// A backend that forwards everything to the real one, and whose group stores pass announcements
/// through an <see cref="AnnouncementGate"/>. Nothing else changes: the engine sees the same service.
/// </summary>
public sealed class AnnouncementGateBackend(ICacheBackend inner, AnnouncementGate gate) : ICacheBackend, IGroupStoreProvider
{
    public string Endpoint => inner.Endpoint;

    public event EventHandler<BackendConnectionEventArgs>? ConnectionStateChanged
    {
        add => inner.ConnectionStateChanged += value;
        remove => inner.ConnectionStateChanged -= value;
    }

    public BackendConnectionEventArgs? LastConnectionChange => inner.LastConnectionChange;

    public ValueTask<byte[]?> GetAsync(string key, CancellationToken cancellationToken = default) => inner.GetAsync(key, cancellationToken);

    public ValueTask SetAsync(string key, ReadOnlyMemory<byte> value, TimeSpan? timeToLive = null, CancellationToken cancellationToken = default) => inner.SetAsync(key, value, timeToLive, cancellationToken);

    public ValueTask<bool> DeleteAsync(string key, CancellationToken cancellationToken = default) => inner.DeleteAsync(key, cancellationToken);

    public ValueTask<bool> ExistsAsync(string key, CancellationToken cancellationToken = default) => inner.ExistsAsync(key, cancellationToken);

    public ValueTask<TimeSpan> PingAsync(CancellationToken cancellationToken = default) => inner.PingAsync(cancellationToken);

    public ValueTask<long> InvalidateAsync(IReadOnlyList<string> keys, CancellationToken cancellationToken = default) => inner.InvalidateAsync(keys, cancellationToken);

    public ValueTask FlushAsync(CancellationToken cancellationToken = default) => inner.FlushAsync(cancellationToken);

    public ValueTask<CommandReply> ExecuteCommandAsync(CacheCommand command, CancellationToken cancellationToken = default) => inner.ExecuteCommandAsync(command, cancellationToken);

    public ValueTask<CommandReply> ExecuteTransactionAsync(IReadOnlyList<CacheCommand> commands, CancellationToken cancellationToken = default) => inner.ExecuteTransactionAsync(commands, cancellationToken);

    public IGroupStore? OpenGroupStore(string group)
        => inner is IGroupStoreProvider provider && provider.OpenGroupStore(group) is { } store ? new GatedGroupStore(store, gate) : null;

    public ValueTask DisposeAsync() => inner.DisposeAsync();

    /// <summary>The real store, with its announcements passed through the gate.</summary>
    private sealed class GatedGroupStore : IGroupStore
    {
        private readonly IGroupStore _inner;
        private readonly AnnouncementGate _gate;

        public GatedGroupStore(IGroupStore inner, AnnouncementGate gate)
        {
            _inner = inner;
            _gate = gate;
            _inner.RecordAnnounced += version => _gate.Deliver(version, RecordAnnounced);
        }

        public event Action<long>? RecordAnnounced;

        public ValueTask<GroupRecord?> ReadRecordAsync(CancellationToken cancellationToken) => _inner.ReadRecordAsync(cancellationToken);

        public ValueTask<bool> TryWriteRecordAsync(GroupRecord record, RecordWrite mode, CancellationToken cancellationToken) => _inner.TryWriteRecordAsync(record, mode, cancellationToken);

        public ValueTask SetFencedAsync(GroupFence fence, string key, ReadOnlyMemory<byte> value, TimeSpan? timeToLive, CancellationToken cancellationToken) => _inner.SetFencedAsync(fence, key, value, timeToLive, cancellationToken);

        public ValueTask<bool> DeleteFencedAsync(GroupFence fence, string key, CancellationToken cancellationToken) => _inner.DeleteFencedAsync(fence, key, cancellationToken);

        public ValueTask JournalFencedAsync(GroupFence fence, IReadOnlyList<string> keys, CancellationToken cancellationToken) => _inner.JournalFencedAsync(fence, keys, cancellationToken);

        public ValueTask<JournalContents> ReadJournalAsync(long epoch, CancellationToken cancellationToken) => _inner.ReadJournalAsync(epoch, cancellationToken);

        public ValueTask DropJournalAsync(long epoch, CancellationToken cancellationToken) => _inner.DropJournalAsync(epoch, cancellationToken);

        public ValueTask WriteMemberAsync(GroupMember member, CancellationToken cancellationToken) => _inner.WriteMemberAsync(member, cancellationToken);

        public ValueTask RemoveMemberAsync(string memberId, CancellationToken cancellationToken) => _inner.RemoveMemberAsync(memberId, cancellationToken);

        public ValueTask<IReadOnlyList<GroupMember>> ReadMembersAsync(CancellationToken cancellationToken) => _inner.ReadMembersAsync(cancellationToken);

        public ValueTask DisposeAsync() => _inner.DisposeAsync();
    }
}
