using System.Buffers;
using System.Runtime.CompilerServices;
using CacheFailover.Backends;
using CacheFailover.Redis.Internal;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;

namespace CacheFailover.Redis;

/// <summary>
/// A cache backend on one Redis deployment (a server, a Sentinel-managed primary or a cluster)
/// through one StackExchange.Redis <see cref="ConnectionMultiplexer"/>.
/// </summary>
/// <remarks>
/// <para>
/// Construction never waits for the server: the multiplexer connects in the background, so the
/// engine can start with a dead primary. Operations issued while that first connect is pending
/// wait for it (up to <see cref="RedisBackendOptions.OperationTimeout"/>, or less when the caller's
/// token says so); after it, a dead connection fails a command at once instead of queueing it.
/// </para>
/// <para>
/// Every failure leaves as a <see cref="CacheBackendException"/>, classified in one place
/// (<see cref="RedisFailureClassifier"/>). Cancellation through the caller's token is not a
/// failure: it surfaces as <see cref="OperationCanceledException"/>, and the command, if it was
/// already sent, may still be applied.
/// </para>
/// </remarks>
public sealed partial class RedisCacheBackend : ICacheBackend, ICommandFailures
{
    private const int StateUnknown = 0;
    private const int StateUp = 1;
    private const int StateDown = 2;

    private readonly RedisConnectionString _connection;
    private readonly RedisBackendOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly Lock _connectLock = new();
    private Task<ConnectionMultiplexer> _connectTask;
    private FirstAttempt _firstAttempt;
    private long _connectStartedAt;
    private ConnectionMultiplexer? _multiplexer;
    private IDatabase? _database;
    private int _state = StateUnknown;
    private BackendConnectionEventArgs? _lastConnectionChange;
    private int _lastConnectionFailure;
    private string? _lastTlsHandshakeProblem;
    private int _disposed;
    private int _multiplexerClosed;

    /// <summary>Creates the backend and starts connecting in the background; returns at once.</summary>
    /// <param name="serviceId">The engine's name for this service; used in logs and the client name.</param>
    /// <param name="connection">Where to connect.</param>
    /// <param name="options">Timeouts; <see langword="null"/> for the defaults.</param>
    /// <param name="timeProvider">The clock for latencies and the connect wait; <see cref="TimeProvider.System"/> when null.</param>
    /// <param name="logger">Where to log connection changes; nothing is logged when null.</param>
    public RedisCacheBackend(string serviceId, RedisConnectionString connection, RedisBackendOptions? options = null, TimeProvider? timeProvider = null, ILogger? logger = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(serviceId);
        ArgumentNullException.ThrowIfNull(connection);
        _options = options?.Clone() ?? new RedisBackendOptions();
        _options.ThrowIfInvalid();
        ServiceId = serviceId;
        Endpoint = connection.Redacted;
        Database = connection.Database;
        _timeProvider = timeProvider ?? TimeProvider.System;
        _logger = logger ?? NullLogger.Instance;
        _connection = connection;
        (_connectTask, _firstAttempt) = StartConnect();
    }

    /// <summary>The engine's name for this service.</summary>
    public string ServiceId { get; }

    /// <inheritdoc />
    public string Endpoint { get; }

    /// <summary>The database number every operation uses.</summary>
    public int Database { get; }

    /// <summary>True when the multiplexer currently has a working connection.</summary>
    public bool IsConnected => Volatile.Read(ref _multiplexer)?.IsConnected ?? false;

    /// <inheritdoc />
    /// <remarks>
    /// Raised on the library's thread when the interactive connection drops or comes back, and once
    /// when the first connect attempt ends; repeated failures while already down are not re-raised.
    /// </remarks>
    public event EventHandler<BackendConnectionEventArgs>? ConnectionStateChanged;

    /// <inheritdoc />
    public BackendConnectionEventArgs? LastConnectionChange => Volatile.Read(ref _lastConnectionChange);

    /// <inheritdoc />
    /// <remarks>True for a Sentinel-managed service (<c>serviceName=…</c>): the sentinels promote a replica and the multiplexer follows them to it.</remarks>
    public bool HasOwnFailover => _connection.ServiceName is not null;

    /// <summary>Parses <paramref name="connection"/> and creates the backend; see the constructor.</summary>
    public static RedisCacheBackend Create(string serviceId, string connection, RedisBackendOptions? options = null, TimeProvider? timeProvider = null, ILogger? logger = null)
        => new(serviceId, RedisConnectionString.Parse(connection), options, timeProvider, logger);

    /// <summary>
    /// The StackExchange.Redis settings this backend uses. The safety-critical ones are always
    /// forced; timeouts and keep-alive given explicitly in a configuration string win over
    /// <paramref name="options"/>.
    /// </summary>
    internal static ConfigurationOptions BuildConfiguration(string serviceId, RedisConnectionString connection, RedisBackendOptions options)
    {
        var configuration = connection.CreateOptions();

        // Start-up must not depend on the server: connect in the background and keep retrying.
        configuration.AbortOnConnectFail = false;

        // Fail a command at once when there is no connection rather than queueing it behind a dead
        // socket until it times out: the engine wants to fail over now, not in five seconds.
        configuration.BacklogPolicy = BacklogPolicy.FailFast;

        // FLUSHDB is an admin command; the backend issues no other.
        configuration.AllowAdmin = true;

        // The library's messages can quote keys; ours never do, and they are built from enums.
        configuration.IncludeDetailInExceptions = false;
        configuration.IncludePerformanceCountersInExceptions = false;

        // Timeout checks and dead-connection detection run on the heartbeat (1 s by default).
        configuration.HeartbeatInterval = options.HeartbeatInterval;
        configuration.TcpKeepAlive = true;
        configuration.ReconnectRetryPolicy = new ExponentialRetry(100, (int)options.MaxReconnectBackoff.TotalMilliseconds);

        // No client-side circuit breaker: the engine is the breaker, and a second one would hide
        // the server's real state from it.
        configuration.CircuitBreaker = null;

        if (!connection.SetsOption("connectTimeout"))
        {
            configuration.ConnectTimeout = ToMilliseconds(options.ConnectTimeout);
        }

        if (!connection.SetsOption("connectRetry"))
        {
            // One attempt per connect cycle: the background reconnect loop does the retrying.
            configuration.ConnectRetry = 1;
        }

        if (!connection.SetsOption("syncTimeout"))
        {
            configuration.SyncTimeout = ToMilliseconds(options.OperationTimeout);
        }

        if (!connection.SetsOption("asyncTimeout"))
        {
            configuration.AsyncTimeout = ToMilliseconds(options.OperationTimeout);
        }

        if (!connection.SetsOption("keepAlive"))
        {
            configuration.KeepAlive = Math.Max(1, (int)options.KeepAliveInterval.TotalSeconds);
        }

        if (!connection.SetsOption("name"))
        {
            configuration.ClientName = "cachefailover-" + string.Concat(serviceId.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_'));
        }

        return configuration;
    }

    /// <inheritdoc />
    public ValueTask<byte[]?> GetAsync(string key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        return RunAsync("GET", key, static (database, k) => database.StringGetAsync(k), static value => (byte[]?)value, cancellationToken);
    }

    /// <inheritdoc />
    /// <remarks>A time to live is sent in whole milliseconds, rounded up.</remarks>
    public ValueTask SetAsync(string key, ReadOnlyMemory<byte> value, TimeSpan? timeToLive = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        TimeSpan? expiry = null;
        if (timeToLive is { } ttl)
        {
            if (ttl <= TimeSpan.Zero)
            {
                throw new ArgumentOutOfRangeException(nameof(timeToLive), ttl, "A time to live must be positive.");
            }

            expiry = TimeSpan.FromMilliseconds(Math.Ceiling(ttl.TotalMilliseconds));
        }

        // Copied: the library may write the bytes after this call has given up (a cancelled caller
        // can reuse its buffer), and a cache value must never be torn. On the healthy path the copy
        // is a pooled buffer that goes back to the pool when the library has completed the command.
        if (!cancellationToken.IsCancellationRequested && Volatile.Read(ref _disposed) == 0 && Volatile.Read(ref _database) is { } database)
        {
            var rented = value.Length == 0 ? null : ArrayPool<byte>.Shared.Rent(value.Length);
            var copy = rented is null ? ReadOnlyMemory<byte>.Empty : rented.AsMemory(0, value.Length);
            value.Span.CopyTo(rented);
            Task<bool> pending;
            try
            {
                pending = database.StringSetAsync(key, copy, expiry, When.Always, CommandFlags.None);
            }
            catch (Exception exception)
            {
                // Not given back: whether the library kept a reference to the buffer is unknown.
                return ValueTask.FromException(Failure(exception, "SET", key));
            }

            return TaskRace<bool, bool>.RunVoid(pending, this, "SET", rented, cancellationToken);
        }

        var command = new SetCommand(key, value.ToArray(), expiry);
        return ExecuteVoidAsync("SET", command, static (database, c) => database.StringSetAsync(c.Key, c.Value, c.Expiry, When.Always, CommandFlags.None), cancellationToken);
    }

    /// <inheritdoc />
    /// <remarks>Sent as UNLINK when the server supports it (Redis 4+), else DEL.</remarks>
    public ValueTask<bool> DeleteAsync(string key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        return RunAsync("UNLINK", key, static (database, k) => database.KeyDeleteAsync(k), static existed => existed, cancellationToken);
    }

    /// <inheritdoc />
    public ValueTask<bool> ExistsAsync(string key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        return RunAsync("EXISTS", key, static (database, k) => database.KeyExistsAsync(k), static exists => exists, cancellationToken);
    }

    /// <inheritdoc />
    /// <remarks>
    /// UNLINK in batches of <see cref="InvalidateBatch.BatchSize"/> keys (grouped by hash slot on a
    /// cluster), several batches pipelined at once. When a batch fails after another succeeded the
    /// outcome is <see cref="OperationOutcome.Unknown"/>: repeating the call is safe.
    /// </remarks>
    public ValueTask<long> InvalidateAsync(IReadOnlyList<string> keys, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(keys);
        if (keys.Count == 0)
        {
            return new ValueTask<long>(0L);
        }

        foreach (var key in keys)
        {
            ArgumentNullException.ThrowIfNull(key, nameof(keys));
        }

        return ExecuteAsync("UNLINK (batch)", new InvalidateBatch(keys), static (database, batch) => batch.RunAsync(database), cancellationToken);
    }

    /// <inheritdoc />
    /// <remarks>FLUSHDB on this backend's database, on every primary the multiplexer knows.</remarks>
    public ValueTask FlushAsync(CancellationToken cancellationToken = default)
        => ExecuteVoidAsync("FLUSHDB", Endpoint, static async (database, endpoint) =>
        {
            var primaries = database.Multiplexer.GetServers().Where(server => !server.IsReplica).ToArray();
            if (primaries.Length == 0)
            {
                throw new CacheBackendException(CacheFailureKind.Connection, OperationOutcome.NotApplied, $"{endpoint}: FLUSHDB failed: no primary server is known; the command was not sent.");
            }

            await Task.WhenAll(primaries.Select(server => server.FlushDatabaseAsync(database.Database))).ConfigureAwait(false);
            return true;
        }, cancellationToken);

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        // If the first connect is still running, it sees _disposed once it has a multiplexer and
        // closes it itself (both sides use full fences, so one of them always sees the other).
        if (Volatile.Read(ref _multiplexer) is { } multiplexer)
        {
            await CloseMultiplexerAsync(multiplexer).ConfigureAwait(false);
        }

        await CloseProbeConnectionAsync().ConfigureAwait(false);
    }

    private static int ToMilliseconds(TimeSpan value) => (int)Math.Ceiling(value.TotalMilliseconds);

    /// <summary>The connection's database: at once once connected (no allocation), else after the first connect; refused when cancelled or disposed.</summary>
    private ValueTask<IDatabase> DatabaseAsync(string command, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        return Volatile.Read(ref _database) is { } database ? new ValueTask<IDatabase>(database) : WaitForConnectionAsync(command, cancellationToken);
    }

    /// <summary>
    /// The healthy path of a single-key command once connected: sent at once, and the library's task
    /// handed to one pooled <see cref="TaskRace{TRaw, TResult}"/> that honours the caller's token,
    /// converts the reply and classifies a failure, so that no async state machine (and no extra
    /// continuation) stands between the library and the caller. Before the first connect, after
    /// dispose or with a cancelled token it is <see cref="ExecuteAsync{TState, TRaw, TResult}"/>.
    /// </summary>
    private ValueTask<TResult> RunAsync<TRaw, TResult>(string command, string key, Func<IDatabase, string, Task<TRaw>> call, Func<TRaw, TResult> convert, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested || Volatile.Read(ref _disposed) != 0 || Volatile.Read(ref _database) is not { } database)
        {
            return ExecuteAsync(command, key, call, convert, cancellationToken);
        }

        Task<TRaw> pending;
        try
        {
            pending = call(database, key);
        }
        catch (Exception exception)
        {
            return ValueTask.FromException<TResult>(Failure(exception, command, key));
        }

        return TaskRace<TRaw, TResult>.Run(pending, convert, this, command, null, cancellationToken);
    }

    /// <inheritdoc />
    Exception ICommandFailures.Classify(Exception exception, string command) => Failure(exception, command, string.Empty);

    /// <summary>As <see cref="ExecuteAsync{TState, TRaw, TResult}"/> for a command whose reply is not wanted: one state machine, no adapter.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    internal async ValueTask ExecuteVoidAsync<TState, TRaw>(string command, TState state, Func<IDatabase, TState, Task<TRaw>> call, CancellationToken cancellationToken)
    {
        Task<TRaw>? pending = null;
        try
        {
            var database = await DatabaseAsync(command, cancellationToken).ConfigureAwait(false);
            pending = call(database, state);
            await TaskRace<TRaw>.Run(pending, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            ObserveLater(pending);
            throw;
        }
        catch (Exception exception)
        {
            var failure = Failure(exception, command, state);
            if (ReferenceEquals(failure, exception))
            {
                throw;
            }

            throw failure;
        }
    }

    internal ValueTask<TResult> ExecuteAsync<TState, TResult>(string command, TState state, Func<IDatabase, TState, Task<TResult>> call, CancellationToken cancellationToken)
        => ExecuteAsync(command, state, call, static value => value, cancellationToken);

    /// <summary>
    /// Runs one command: waits for the first connect if need be, honours the caller's token (the
    /// engine's deadline arrives through it), converts the reply, and classifies every failure.
    /// One pooled state machine per operation, conversion included.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    internal async ValueTask<TResult> ExecuteAsync<TState, TRaw, TResult>(string command, TState state, Func<IDatabase, TState, Task<TRaw>> call, Func<TRaw, TResult> convert, CancellationToken cancellationToken)
    {
        Task<TRaw>? pending = null;
        try
        {
            var database = await DatabaseAsync(command, cancellationToken).ConfigureAwait(false);
            pending = call(database, state);
            return convert(await TaskRace<TRaw>.Run(pending, cancellationToken).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            ObserveLater(pending);
            throw;
        }
        catch (Exception exception)
        {
            var failure = Failure(exception, command, state);
            if (ReferenceEquals(failure, exception))
            {
                throw;
            }

            throw failure;
        }
    }

    /// <summary>The one place a StackExchange.Redis failure becomes the contract's exception (logged once).</summary>
    private CacheBackendException Failure<TState>(Exception exception, string command, TState state)
    {
        var failure = Explain(exception as CacheBackendException ?? RedisFailureClassifier.Classify(exception, Endpoint, command), command);
        if (failure.Outcome == OperationOutcome.NotApplied && state is InvalidateBatch { AnyApplied: true })
        {
            failure = new CacheBackendException(failure.Kind, OperationOutcome.Unknown, $"{Endpoint}: {command} failed part-way: some batches were applied.", exception);
        }

        Log.OperationFailed(_logger, ServiceId, command, failure.Kind, failure.Outcome);
        return failure;
    }

    private static void ObserveLater(Task? pending)
    {
        // The caller gave up; the library still completes the command. Observe its failure so it
        // does not surface as an unobserved task exception.
        pending?.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    private readonly record struct SetCommand(RedisKey Key, RedisValue Value, TimeSpan? Expiry)
    {
        public SetCommand(string key, byte[] value, TimeSpan? expiry)
            : this((RedisKey)key, (RedisValue)value, expiry)
        {
        }
    }
}
