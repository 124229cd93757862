using CacheFailover.Backends.Commands;

namespace CacheFailover.Backends;

/// <summary>
/// One cache server as the engine sees it. Implementations own their error handling: every
/// failure leaves them as a <see cref="CacheBackendException"/> that says what kind of failure it
/// was and whether the operation may have been applied.
/// </summary>
/// <remarks>
/// Values returned by <see cref="GetAsync"/> belong to the caller but must not be mutated when
/// the backend hands out its own storage (the in-memory backend does, to stay allocation-free).
/// </remarks>
public interface ICacheBackend : IAsyncDisposable
{
    /// <summary>Where this backend points, with any password or token redacted. Safe to show.</summary>
    string Endpoint { get; }

    /// <summary>Raised when the backend learns that its connection dropped or came back, before any probe notices.</summary>
    /// <remarks>A change raised before a handler subscribed is not lost: read <see cref="LastConnectionChange"/> right after subscribing.</remarks>
    event EventHandler<BackendConnectionEventArgs>? ConnectionStateChanged;

    /// <summary>
    /// The last change <see cref="ConnectionStateChanged"/> raised (or would have raised), or null
    /// when the backend has reported none. A subscriber reads it once right after subscribing, so
    /// that a change that happened earlier (a connect that completed, a connection that dropped
    /// before the engine existed) is seen; seeing a change twice must be harmless.
    /// </summary>
    BackendConnectionEventArgs? LastConnectionChange { get; }

    /// <summary>
    /// True when the service replaces a failed server by itself (a Sentinel-managed primary: the
    /// sentinels promote a replica and the client follows). The engine then gives that failover
    /// time: a failed operation or a dropped connection does not move traffic to a backup; only
    /// <c>failure_threshold</c> failed probes in a row do, about
    /// <c>failure_threshold × health_check_interval_seconds</c> of the service being down.
    /// </summary>
    bool HasOwnFailover => false;

    /// <summary>Reads a value; <c>null</c> when the key does not exist.</summary>
    ValueTask<byte[]?> GetAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>Writes a value, replacing any previous one; <paramref name="timeToLive"/> null means no expiry.</summary>
    ValueTask SetAsync(string key, ReadOnlyMemory<byte> value, TimeSpan? timeToLive = null, CancellationToken cancellationToken = default);

    /// <summary>Deletes a key; true when it existed.</summary>
    ValueTask<bool> DeleteAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>True when the key exists (and has not expired).</summary>
    ValueTask<bool> ExistsAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>A health probe: a round trip to the server. Returns its latency as the backend measured it.</summary>
    ValueTask<TimeSpan> PingAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Removes many keys at once (failback reconciliation). Implementations batch and pipeline;
    /// returns how many existed. Either every key is gone or the call throws.
    /// </summary>
    ValueTask<long> InvalidateAsync(IReadOnlyList<string> keys, CancellationToken cancellationToken = default);

    /// <summary>Removes every key of this backend's database. Only ever called on an operator's explicit request.</summary>
    ValueTask FlushAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Runs a command in the Redis protocol's shape (the RESP front door's traffic). The server's
    /// error replies (<c>WRONGTYPE</c>, a syntax error) and commands this backend does not run come
    /// back as <see cref="CommandReplyKind.Error"/> replies, not exceptions: they say nothing about the
    /// service's health. Only failures of the service itself throw <see cref="CacheBackendException"/>.
    /// </summary>
    /// <remarks>A backend that runs no commands answers each with an error that names it; wrappers forward.</remarks>
    ValueTask<CommandReply> ExecuteCommandAsync(CacheCommand command, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(command);
        return new ValueTask<CommandReply>(CommandReply.Error($"ERR '{command.Name}' is not supported by the backend at {Endpoint}: it runs no Redis-protocol commands"));
    }

    /// <summary>
    /// Runs <paramref name="commands"/> as one transaction (MULTI … EXEC on one connection): all or
    /// none are applied, and nothing else runs between them. Answers the array of their replies (a
    /// command's own error among them), or an error when the transaction was refused as a whole.
    /// </summary>
    /// <remarks>A backend that cannot run transactions answers with an error that names it.</remarks>
    ValueTask<CommandReply> ExecuteTransactionAsync(IReadOnlyList<CacheCommand> commands, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(commands);
        return new ValueTask<CommandReply>(CommandReply.Error($"ERR transactions (MULTI/EXEC) are not supported by the backend at {Endpoint}: use a Redis backend"));
    }
}

/// <summary>What a backend learned about its connection.</summary>
public sealed class BackendConnectionEventArgs(bool connected, CacheFailureKind? failureKind, string? message) : EventArgs
{
    /// <summary>True when the connection was restored; false when it failed.</summary>
    public bool Connected { get; } = connected;

    /// <summary>How it failed, when it failed.</summary>
    public CacheFailureKind? FailureKind { get; } = failureKind;

    /// <summary>A short description with no secrets in it.</summary>
    public string? Message { get; } = message;
}
