using CacheFailover.Backends;
using CacheFailover.Group;
using CacheFailover.Backends.Commands;

namespace CacheFailover.Drills.Chaos;

/// <summary>
/// A decorator that makes any backend misbehave on request: refuse connections, hang, answer
/// slowly, fail every Nth call, or flap on a schedule. Failover drills and tests use it; with no
/// fault set it only passes calls through.
/// </summary>
/// <remarks>
/// The fault is one immutable object swapped atomically, so a call sees either the old fault or
/// the new one, never a mix, and the healthy path costs one volatile read.
/// </remarks>
public sealed class FaultInjectingBackend : ICacheBackend, IGroupStoreProvider, IBackendRightsCheck
{
    private readonly ICacheBackend _inner;
    private readonly TimeProvider _timeProvider;
    private volatile Fault? _fault;
    private volatile BackendConnectionEventArgs? _lastInjectedChange;
    private long _calls;

    public FaultInjectingBackend(ICacheBackend inner, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(inner);
        _inner = inner;
        _timeProvider = timeProvider ?? TimeProvider.System;
        _inner.ConnectionStateChanged += (_, e) =>
        {
            _lastInjectedChange = null;
            ConnectionStateChanged?.Invoke(this, e);
        };
    }

    /// <summary>The backend being decorated.</summary>
    public ICacheBackend Inner => _inner;

    /// <inheritdoc />
    public string Endpoint => _inner.Endpoint;

    /// <summary>A short description of the active fault, or null.</summary>
    public string? ActiveFault => _fault?.Description;

    /// <inheritdoc />
    public event EventHandler<BackendConnectionEventArgs>? ConnectionStateChanged;

    /// <inheritdoc />
    /// <remarks>The injector's own last change (refusing, cleared) when it made one more recently than the inner backend, else the inner backend's.</remarks>
    public BackendConnectionEventArgs? LastConnectionChange => _lastInjectedChange ?? _inner.LastConnectionChange;

    /// <inheritdoc />
    public bool HasOwnFailover => _inner.HasOwnFailover;

    /// <summary>Every call fails at once with a connection error, as against a killed server.</summary>
    /// <param name="raiseConnectionEvent">Also raise <see cref="ConnectionStateChanged"/>, as a client library does when its socket drops.</param>
    public void RefuseConnections(bool raiseConnectionEvent = true)
    {
        _fault = new Fault("refusing connections") { Refuse = true };
        if (raiseConnectionEvent)
        {
            Raise(new BackendConnectionEventArgs(false, CacheFailureKind.Connection, "connection refused (injected)"));
        }
    }

    /// <summary>
    /// Every call hangs, as against a stopped server, until <see cref="Clear"/> (or <paramref name="duration"/>
    /// elapses); then the held calls go through, as a resumed server processes what was queued.
    /// </summary>
    public void Hang(TimeSpan? duration = null)
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var fault = new Fault("hanging") { HangRelease = release };
        if (duration is { } d)
        {
            fault = fault with { Until = _timeProvider.GetTimestamp() + ToTimestampTicks(d) };
            _ = ReleaseAfterAsync(release, d);
        }

        _fault = fault;
    }

    /// <summary>Every call takes <paramref name="latency"/> longer.</summary>
    public void AddLatency(TimeSpan latency)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(latency, TimeSpan.Zero);
        _fault = new Fault($"latency {latency.TotalMilliseconds:0.###} ms") { Latency = latency };
    }

    /// <summary>Every <paramref name="n"/>th call fails with <paramref name="kind"/>.</summary>
    public void FailEveryNth(int n, CacheFailureKind kind = CacheFailureKind.Server)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 1);
        Interlocked.Exchange(ref _calls, 0);
        _fault = new Fault($"failing every {n}th call") { EveryNth = n, NthKind = kind };
    }

    /// <summary>Alternates <paramref name="up"/> of normal service and <paramref name="down"/> of refused connections, starting up.</summary>
    public void Flap(TimeSpan up, TimeSpan down)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(up, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(down, TimeSpan.Zero);
        _fault = new Fault($"flapping {up.TotalSeconds:0.###} s up / {down.TotalSeconds:0.###} s down")
        {
            FlapUp = up,
            FlapDown = down,
            FlapStart = _timeProvider.GetTimestamp(),
        };
    }

    /// <summary>Removes any fault and releases hung calls.</summary>
    public void Clear()
    {
        var previous = _fault;
        _fault = null;
        previous?.HangRelease?.TrySetResult();
        if (previous is { Refuse: true } or { FlapUp: not null })
        {
            Raise(new BackendConnectionEventArgs(true, null, "fault cleared"));
        }
    }

    private void Raise(BackendConnectionEventArgs change)
    {
        _lastInjectedChange = change;
        ConnectionStateChanged?.Invoke(this, change);
    }

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<string>> MissingRightsAsync(CancellationToken cancellationToken = default)
        => _inner is IBackendRightsCheck check ? await check.MissingRightsAsync(cancellationToken) : [];

    /// <inheritdoc />
    /// <remarks>The group's calls meet the same refusals, flaps, latency and hangs as the cache's (not the every-Nth failures, which count cache calls).</remarks>
    public IGroupStore? OpenGroupStore(string group)
        => _inner is IGroupStoreProvider provider && provider.OpenGroupStore(group) is { } store ? new FaultInjectingGroupStore(store, GateAsync) : null;

    /// <inheritdoc />
    public ValueTask<byte[]?> GetAsync(string key, CancellationToken cancellationToken = default)
    {
        var fault = _fault;
        return fault is null ? _inner.GetAsync(key, cancellationToken) : Faulted(fault, () => _inner.GetAsync(key, cancellationToken), cancellationToken);
    }

    /// <inheritdoc />
    public ValueTask SetAsync(string key, ReadOnlyMemory<byte> value, TimeSpan? timeToLive = null, CancellationToken cancellationToken = default)
    {
        var fault = _fault;
        return fault is null ? _inner.SetAsync(key, value, timeToLive, cancellationToken) : FaultedVoid(fault, () => _inner.SetAsync(key, value, timeToLive, cancellationToken), cancellationToken);
    }

    /// <inheritdoc />
    public ValueTask<bool> DeleteAsync(string key, CancellationToken cancellationToken = default)
    {
        var fault = _fault;
        return fault is null ? _inner.DeleteAsync(key, cancellationToken) : Faulted(fault, () => _inner.DeleteAsync(key, cancellationToken), cancellationToken);
    }

    /// <inheritdoc />
    public ValueTask<bool> ExistsAsync(string key, CancellationToken cancellationToken = default)
    {
        var fault = _fault;
        return fault is null ? _inner.ExistsAsync(key, cancellationToken) : Faulted(fault, () => _inner.ExistsAsync(key, cancellationToken), cancellationToken);
    }

    /// <inheritdoc />
    public ValueTask<TimeSpan> PingAsync(CancellationToken cancellationToken = default)
    {
        var fault = _fault;
        if (fault is null)
        {
            return _inner.PingAsync(cancellationToken);
        }

        var started = _timeProvider.GetTimestamp();
        return PingFaulted(fault, started, cancellationToken);
    }

    /// <inheritdoc />
    public ValueTask<long> InvalidateAsync(IReadOnlyList<string> keys, CancellationToken cancellationToken = default)
    {
        var fault = _fault;
        return fault is null ? _inner.InvalidateAsync(keys, cancellationToken) : Faulted(fault, () => _inner.InvalidateAsync(keys, cancellationToken), cancellationToken);
    }

    /// <inheritdoc />
    public ValueTask FlushAsync(CancellationToken cancellationToken = default)
    {
        var fault = _fault;
        return fault is null ? _inner.FlushAsync(cancellationToken) : FaultedVoid(fault, () => _inner.FlushAsync(cancellationToken), cancellationToken);
    }

    /// <inheritdoc />
    public ValueTask<CommandReply> ExecuteCommandAsync(CacheCommand command, CancellationToken cancellationToken = default)
    {
        var fault = _fault;
        return fault is null ? _inner.ExecuteCommandAsync(command, cancellationToken) : Faulted(fault, () => _inner.ExecuteCommandAsync(command, cancellationToken), cancellationToken);
    }

    /// <inheritdoc />
    public ValueTask<CommandReply> ExecuteTransactionAsync(IReadOnlyList<CacheCommand> commands, CancellationToken cancellationToken = default)
    {
        var fault = _fault;
        return fault is null ? _inner.ExecuteTransactionAsync(commands, cancellationToken) : Faulted(fault, () => _inner.ExecuteTransactionAsync(commands, cancellationToken), cancellationToken);
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        Clear();
        return _inner.DisposeAsync();
    }

    private async ValueTask<TimeSpan> PingFaulted(Fault fault, long started, CancellationToken cancellationToken)
    {
        await BeforeCallAsync(fault, cancellationToken);
        var innerLatency = await _inner.PingAsync(cancellationToken);
        var elapsed = _timeProvider.GetElapsedTime(started);
        return elapsed > innerLatency ? elapsed : innerLatency;
    }

    private async ValueTask<T> Faulted<T>(Fault fault, Func<ValueTask<T>> call, CancellationToken cancellationToken)
    {
        await BeforeCallAsync(fault, cancellationToken);
        return await call();
    }

    private async ValueTask FaultedVoid(Fault fault, Func<ValueTask> call, CancellationToken cancellationToken)
    {
        await BeforeCallAsync(fault, cancellationToken);
        await call();
    }

    private ValueTask GateAsync(CancellationToken cancellationToken) => _fault is { } fault ? BeforeCallAsync(fault with { EveryNth = null }, cancellationToken) : ValueTask.CompletedTask;

    private async ValueTask BeforeCallAsync(Fault fault, CancellationToken cancellationToken)
    {
        if (fault.Refuse || IsFlapDown(fault))
        {
            throw new CacheBackendException(CacheFailureKind.Connection, OperationOutcome.NotApplied, $"{Endpoint}: connection refused (injected fault).");
        }

        if (fault.EveryNth is { } n && Interlocked.Increment(ref _calls) % n == 0)
        {
            throw new CacheBackendException(fault.NthKind, fault.NthKind == CacheFailureKind.Connection ? OperationOutcome.NotApplied : OperationOutcome.Unknown, $"{Endpoint}: injected {fault.NthKind} failure.");
        }

        if (fault.Latency is { } latency && latency > TimeSpan.Zero)
        {
            await Task.Delay(latency, _timeProvider, cancellationToken);
        }

        if (fault.HangRelease is { } release)
        {
            await release.Task.WaitAsync(cancellationToken);
        }
    }

    private bool IsFlapDown(Fault fault)
    {
        if (fault.FlapUp is not { } up || fault.FlapDown is not { } down)
        {
            return false;
        }

        var elapsed = _timeProvider.GetElapsedTime(fault.FlapStart);
        var cycle = up + down;
        var intoCycle = TimeSpan.FromTicks(elapsed.Ticks % cycle.Ticks);
        return intoCycle >= up;
    }

    private async Task ReleaseAfterAsync(TaskCompletionSource release, TimeSpan duration)
    {
        await Task.Delay(duration, _timeProvider);
        release.TrySetResult();
        var current = _fault;
        if (current?.HangRelease == release)
        {
            Interlocked.CompareExchange(ref _fault, null, current);
        }
    }

    private long ToTimestampTicks(TimeSpan duration) => (long)(duration.TotalSeconds * _timeProvider.TimestampFrequency);

    private sealed record Fault(string Description)
    {
        public bool Refuse { get; init; }

        public TaskCompletionSource? HangRelease { get; init; }

        public long? Until { get; init; }

        public TimeSpan? Latency { get; init; }

        public int? EveryNth { get; init; }

        public CacheFailureKind NthKind { get; init; }

        public TimeSpan? FlapUp { get; init; }

        public TimeSpan? FlapDown { get; init; }

        public long FlapStart { get; init; }
    }
}
