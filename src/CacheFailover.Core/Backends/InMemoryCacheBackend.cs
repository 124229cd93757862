using System.Collections.Concurrent;
using CacheFailover.Group;

namespace CacheFailover.Backends;

/// <summary>
/// A real cache in process memory: thread-safe, TTLs honoured against the injected clock, bounded
/// by an entry count. The zero-setup default, and the backend drills run on.
/// </summary>
/// <remarks>
/// When full, a new key evicts expired entries first and then an arbitrary one (like Redis's
/// <c>allkeys-random</c>), so the bound holds without the cost of tracking recency.
/// </remarks>
public sealed partial class InMemoryCacheBackend : ICacheBackend, IGroupStoreProvider
{
    /// <summary>The default entry bound.</summary>
    public const int DefaultMaxEntries = 1_000_000;

    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, InMemoryGroupState> _groups = new(StringComparer.Ordinal);
    private readonly TimeProvider _timeProvider;
    private readonly int _maxEntries;

    public InMemoryCacheBackend(string name, TimeProvider? timeProvider = null, int maxEntries = DefaultMaxEntries)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxEntries, 1);
        Endpoint = "memory://" + name;
        _timeProvider = timeProvider ?? TimeProvider.System;
        _maxEntries = maxEntries;
    }

    /// <inheritdoc />
    public string Endpoint { get; }

    /// <summary>Live (unexpired) entries, counted by a scan; for tests and status.</summary>
    public int Count
    {
        get
        {
            var now = NowTicks();
            return _entries.Count(pair => !pair.Value.IsExpired(now));
        }
    }

    /// <inheritdoc />
    /// <remarks>An in-process cache has no connection to lose; this event never fires.</remarks>
    public event EventHandler<BackendConnectionEventArgs>? ConnectionStateChanged
    {
        add { }
        remove { }
    }

    /// <inheritdoc />
    public BackendConnectionEventArgs? LastConnectionChange => null;

    /// <inheritdoc />
    /// <remarks>Engines that share this backend object share the group.</remarks>
    public IGroupStore? OpenGroupStore(string group)
    {
        _ = new GroupKeys(group);
        return _groups.GetOrAdd(group, _ => new InMemoryGroupState(this)).Open();
    }

    /// <inheritdoc />
    public ValueTask<byte[]?> GetAsync(string key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (_entries.TryGetValue(key, out var entry))
        {
            if (!entry.IsExpired(NowTicks()))
            {
                return new ValueTask<byte[]?>(entry.Value);
            }

            // Remove only this expired entry, not a newer value written meanwhile.
            _entries.TryRemove(new KeyValuePair<string, Entry>(key, entry));
        }

        return new ValueTask<byte[]?>((byte[]?)null);
    }

    /// <inheritdoc />
    public ValueTask SetAsync(string key, ReadOnlyMemory<byte> value, TimeSpan? timeToLive = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (timeToLive is { } ttl && ttl <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(timeToLive), ttl, "A time to live must be positive.");
        }

        var expiresAt = timeToLive is { } t ? NowTicks() + t.Ticks : long.MaxValue;
        var entry = new Entry(value.ToArray(), expiresAt);
        if (!_entries.ContainsKey(key) && _entries.Count >= _maxEntries)
        {
            MakeRoom();
        }

        _entries[key] = entry;
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask<bool> DeleteAsync(string key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        var existed = _entries.TryRemove(key, out var entry) && !entry.IsExpired(NowTicks());
        return new ValueTask<bool>(existed);
    }

    /// <inheritdoc />
    public ValueTask<bool> ExistsAsync(string key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        var exists = _entries.TryGetValue(key, out var entry) && !entry.IsExpired(NowTicks());
        return new ValueTask<bool>(exists);
    }

    /// <inheritdoc />
    public ValueTask<TimeSpan> PingAsync(CancellationToken cancellationToken = default)
        => new(TimeSpan.Zero);

    /// <inheritdoc />
    public ValueTask<long> InvalidateAsync(IReadOnlyList<string> keys, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(keys);
        var now = NowTicks();
        long removed = 0;
        foreach (var key in keys)
        {
            if (_entries.TryRemove(key, out var entry) && !entry.IsExpired(now))
            {
                removed++;
            }
        }

        return new ValueTask<long>(removed);
    }

    /// <inheritdoc />
    public ValueTask FlushAsync(CancellationToken cancellationToken = default)
    {
        _entries.Clear();
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private long NowTicks() => _timeProvider.GetUtcNow().UtcTicks;

    private void MakeRoom()
    {
        var now = NowTicks();
        foreach (var pair in _entries)
        {
            if (pair.Value.IsExpired(now))
            {
                _entries.TryRemove(pair);
            }
        }

        while (_entries.Count >= _maxEntries)
        {
            using var enumerator = _entries.GetEnumerator();
            if (!enumerator.MoveNext())
            {
                return;
            }

            _entries.TryRemove(enumerator.Current);
        }
    }

    private sealed class Entry(byte[] value, long expiresAtTicks)
    {
        public byte[] Value { get; } = value;

        /// <summary>UTC ticks at which it expires; <see cref="long.MaxValue"/> for never.</summary>
        public long ExpiresAtTicks { get; } = expiresAtTicks;

        public bool IsExpired(long nowTicks) => nowTicks >= ExpiresAtTicks;
    }
}
