using CacheFailover.Backends;
using StackExchange.Redis;

namespace CacheFailover.Redis;

/// <summary>The multiplexer's life: background connect, the first-connect wait, connection events, close.</summary>
public sealed partial class RedisCacheBackend
{
    /// <summary>
    /// Waits for the first connect. Returns as soon as the multiplexer exists; fails at once when every
    /// endpoint has already refused its first attempt (StackExchange.Redis itself may then take the whole
    /// connect timeout to give up); otherwise fails after <see cref="RedisBackendOptions.OperationTimeout"/>.
    /// </summary>
    private async ValueTask<IDatabase> WaitForConnectionAsync(string command, CancellationToken cancellationToken)
    {
        var connect = CurrentConnectTask();
        var firstAttempt = Volatile.Read(ref _firstAttempt);
        var started = _timeProvider.GetTimestamp();
        try
        {
            if (!connect.IsCompleted)
            {
                await Task.WhenAny(connect, firstAttempt.AllFailed)
                    .WaitAsync(_options.OperationTimeout, _timeProvider, cancellationToken)
                    .ConfigureAwait(false);
            }

            if (!connect.IsCompleted && firstAttempt.AllFailed.IsCompleted)
            {
                throw Explain(new CacheBackendException(
                    RedisFailureClassifier.KindOf(firstAttempt.AllFailed.Result),
                    OperationOutcome.NotApplied,
                    $"{Endpoint}: {command} failed: could not connect ({firstAttempt.AllFailed.Result}); the command was not sent."), command);
            }

            var remaining = _options.OperationTimeout - _timeProvider.GetElapsedTime(started);
            await connect.WaitAsync(remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero, _timeProvider, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException exception)
        {
            throw new CacheBackendException(
                CacheFailureKind.Connection,
                OperationOutcome.NotApplied,
                $"{Endpoint}: {command} failed: still connecting after {_options.OperationTimeout.TotalMilliseconds:0} ms; the command was not sent.",
                exception);
        }
        catch (Exception exception) when (exception is not OperationCanceledException and not ObjectDisposedException and not CacheBackendException)
        {
            throw new CacheBackendException(
                CacheFailureKind.Connection,
                OperationOutcome.NotApplied,
                $"{Endpoint}: {command} failed: the connection could not be created ({exception.GetType().Name}); the command was not sent.",
                exception);
        }

        return Volatile.Read(ref _database) ?? throw new ObjectDisposedException(GetType().Name);
    }

    /// <summary>The pending or finished connect; a crashed one is restarted once the reconnect back-off has passed.</summary>
    private Task<ConnectionMultiplexer> CurrentConnectTask()
    {
        var task = Volatile.Read(ref _connectTask);
        if (!task.IsFaulted || _timeProvider.GetElapsedTime(Volatile.Read(ref _connectStartedAt)) < _options.MaxReconnectBackoff)
        {
            return task;
        }

        lock (_connectLock)
        {
            if (ReferenceEquals(_connectTask, task))
            {
                var (connect, firstAttempt) = StartConnect();
                Volatile.Write(ref _firstAttempt, firstAttempt);
                Volatile.Write(ref _connectTask, connect);
            }

            return _connectTask;
        }
    }

    private (Task<ConnectionMultiplexer> Connect, FirstAttempt FirstAttempt) StartConnect()
    {
        Volatile.Write(ref _connectStartedAt, _timeProvider.GetTimestamp());
        var configuration = BuildConfiguration(ServiceId, _connection, _options);

        // Sentinels are asked for the primary first; their attempts say nothing about the primary.
        var firstAttempt = new FirstAttempt(configuration.ServiceName is null ? configuration.EndPoints.Count : int.MaxValue);
        configuration.ConnectionAttemptCompleted += (_, e) =>
        {
            NoteConnectionFailure(e.FailureType, TlsHandshakeProblem(e));
            if (firstAttempt.Observe(e) && Volatile.Read(ref _multiplexer) is null)
            {
                ReportState(connected: false, RedisFailureClassifier.KindOf(e.FailureType), $"{Endpoint}: could not connect ({e.FailureType}); retrying in the background.");
            }
        };

        // Task.Run: even ConnectAsync does some synchronous work (resolving, socket set-up) before
        // its first await, and the constructor must return at once.
        return (Task.Run(() => ConnectAsync(configuration)), firstAttempt);
    }

    private async Task<ConnectionMultiplexer> ConnectAsync(ConfigurationOptions configuration)
    {
        ConnectionMultiplexer multiplexer;
        try
        {
            multiplexer = await ConnectionMultiplexer.ConnectAsync(configuration).ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            Log.ConnectCrashed(_logger, ServiceId, exception.GetType().Name);
            ReportState(connected: false, CacheFailureKind.Connection, $"{Endpoint}: the connection could not be created ({exception.GetType().Name}).");
            throw;
        }

        multiplexer.ConnectionFailed += OnConnectionFailed;
        multiplexer.ConnectionRestored += OnConnectionRestored;
        Volatile.Write(ref _database, multiplexer.GetDatabase(Database));
        Interlocked.Exchange(ref _multiplexer, multiplexer);
        if (Volatile.Read(ref _disposed) != 0)
        {
            await CloseMultiplexerAsync(multiplexer).ConfigureAwait(false);
            throw new ObjectDisposedException(GetType().Name);
        }

        if (multiplexer.IsConnected)
        {
            if (ReportState(connected: true, null, $"{Endpoint}: connected."))
            {
                Log.Connected(_logger, ServiceId);
            }
        }
        else
        {
            Log.FirstConnectFailed(_logger, ServiceId);
            ReportState(connected: false, CacheFailureKind.Connection, $"{Endpoint}: not connected after the first attempt; reconnecting in the background.");
        }

        return multiplexer;
    }

    private async Task CloseMultiplexerAsync(ConnectionMultiplexer multiplexer)
    {
        if (Interlocked.Exchange(ref _multiplexerClosed, 1) != 0)
        {
            return;
        }

        multiplexer.ConnectionFailed -= OnConnectionFailed;
        multiplexer.ConnectionRestored -= OnConnectionRestored;

        // Do not wait for pending commands: against a hung server that would take the full timeout.
        await multiplexer.CloseAsync(allowCommandsToComplete: false).ConfigureAwait(false);
        await multiplexer.DisposeAsync().ConfigureAwait(false);
    }

    private void OnConnectionFailed(object? sender, ConnectionFailedEventArgs e)
    {
        // The subscription connection carries no cache traffic; its failure duplicates the interactive one.
        if (e.ConnectionType != ConnectionType.Interactive)
        {
            return;
        }

        NoteConnectionFailure(e.FailureType, TlsHandshakeProblem(e.Exception));
        if (ReportState(connected: false, RedisFailureClassifier.KindOf(e.FailureType), $"{Endpoint}: connection lost ({e.FailureType})."))
        {
            Log.ConnectionLost(_logger, ServiceId, e.FailureType);
        }
    }

    private void OnConnectionRestored(object? sender, ConnectionFailedEventArgs e)
    {
        if (e.ConnectionType != ConnectionType.Interactive)
        {
            return;
        }

        NoteConnectionFailure(ConnectionFailureType.None, null);
        if (ReportState(connected: true, null, $"{Endpoint}: connection restored."))
        {
            Log.Connected(_logger, ServiceId);
        }
    }

    /// <summary>Remembers why the last connection attempt failed (None once one succeeded): a command refused for want of a connection can then say why there is none.</summary>
    private void NoteConnectionFailure(ConnectionFailureType failureType, string? tlsHandshakeProblem)
    {
        Volatile.Write(ref _lastTlsHandshakeProblem, tlsHandshakeProblem);
        Volatile.Write(ref _lastConnectionFailure, (int)failureType);
    }

    /// <summary>
    /// Why the TLS handshake failed (the runtime's words, e.g. an untrusted root or a name mismatch),
    /// or null when the failure was not a handshake's. The client library reports a refused
    /// certificate as an authentication failure, like a refused password; they need different fixes.
    /// </summary>
    private static string? TlsHandshakeProblem(ConnectionAttemptCompletedEventArgs attempt)
    {
        if (attempt.ServerCertificateAccepted is false)
        {
            var chain = attempt.ServerCertificateChainStatus is { } status and not System.Security.Cryptography.X509Certificates.X509ChainStatusFlags.NoError ? $", chain: {status}" : string.Empty;
            return $"{attempt.ServerCertificatePolicyErrors}{chain}";
        }

        return TlsHandshakeProblem(attempt.Exception);
    }

    private static string? TlsHandshakeProblem(Exception? exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is System.Security.Authentication.AuthenticationException handshake)
            {
                return handshake.Message.TrimEnd('.');
            }
        }

        return null;
    }

    /// <summary>
    /// A command failed because there is no connection: when the server refused the credentials,
    /// say so (without them) instead of the library's "no connection is available".
    /// </summary>
    private CacheBackendException Explain(CacheBackendException failure, string command)
    {
        if ((ConnectionFailureType)Volatile.Read(ref _lastConnectionFailure) != ConnectionFailureType.AuthenticationFailure
            || failure.Outcome != OperationOutcome.NotApplied)
        {
            return failure;
        }

        if (Volatile.Read(ref _lastTlsHandshakeProblem) is { } handshake)
        {
            return new CacheBackendException(
                CacheFailureKind.Connection,
                OperationOutcome.NotApplied,
                $"{Endpoint}: {command} failed: TLS handshake failed: the server's certificate was not accepted ({handshake}); trust its CA (the machine's store, or {RedisConnectionString.TlsCaFileOption}=PATH in a configuration string) and check that sslHost matches the certificate's name; the command was not sent.",
                failure);
        }

        return new CacheBackendException(
            CacheFailureKind.Server,
            OperationOutcome.NotApplied,
            $"{Endpoint}: {command} failed: authentication failed: the server refused this client's user name or password (check the credentials in the connection string; they are not shown); the command was not sent.",
            failure);
    }

    /// <summary>Raises <see cref="ConnectionStateChanged"/> when the state really changed; true when it did.</summary>
    private bool ReportState(bool connected, CacheFailureKind? failureKind, string message)
    {
        var next = connected ? StateUp : StateDown;
        if (Interlocked.Exchange(ref _state, next) == next || Volatile.Read(ref _disposed) != 0)
        {
            return false;
        }

        var change = new BackendConnectionEventArgs(connected, failureKind, message);
        Volatile.Write(ref _lastConnectionChange, change);
        try
        {
            ConnectionStateChanged?.Invoke(this, change);
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            // A subscriber's bug must not break the client library's reconnect loop, which raised this.
            Log.StateHandlerFailed(_logger, ServiceId, exception);
        }

        return true;
    }

    /// <summary>
    /// The outcome of the first connection attempt to each endpoint of one connect. When every endpoint
    /// has refused, operations waiting for the connect can fail at once instead of waiting for the
    /// library to time the connect out.
    /// </summary>
    private sealed class FirstAttempt(int endpointCount)
    {
        private readonly TaskCompletionSource<ConnectionFailureType> _allFailed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly HashSet<string> _failedEndpoints = new(StringComparer.Ordinal);
        private readonly Lock _lock = new();
        private bool _anySucceeded;

        /// <summary>Completes with the last failure type once every endpoint's first attempt has failed.</summary>
        public Task<ConnectionFailureType> AllFailed => _allFailed.Task;

        /// <summary>Records one attempt; true when it was the one that completed <see cref="AllFailed"/>.</summary>
        public bool Observe(ConnectionAttemptCompletedEventArgs attempt)
        {
            if (attempt.ConnectionType != ConnectionType.Interactive)
            {
                return false;
            }

            lock (_lock)
            {
                if (_anySucceeded || _allFailed.Task.IsCompleted)
                {
                    return false;
                }

                if (attempt.IsSuccess)
                {
                    _anySucceeded = true;
                    return false;
                }

                _failedEndpoints.Add(attempt.EndPoint?.ToString() ?? string.Empty);
                return _failedEndpoints.Count >= endpointCount && _allFailed.TrySetResult(attempt.FailureType);
            }
        }
    }
}
