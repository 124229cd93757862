using CacheFailover.Backends;
using CacheFailover.Redis.Internal;
using StackExchange.Redis;

namespace CacheFailover.Redis;

/// <summary>
/// Probes travel on a connection of their own. On the shared connection a probe waits behind
/// every operation this process has in flight, so under load it would measure the process's own
/// backlog rather than the server; the engine compares probe with probe, and that comparison is
/// only fair when nothing of ours is queued in front of them.
/// </summary>
public sealed partial class RedisCacheBackend
{
    /// <summary>The key a probe reads: namespaced, never written by a probe, so no user key is touched.</summary>
    internal const string ProbeKey = "cachefailover:probe";

    private readonly Lock _probeLock = new();
    private Task<ConnectionMultiplexer>? _probeConnect;

    /// <inheritdoc />
    /// <remarks>
    /// Over the probe connection: an EXISTS of <see cref="ProbeKey"/> on this backend's database (a
    /// PING alone would answer even where the database does not exist or the user may not read
    /// keys), and with it a PING whose latency the client library measures on its own reader. That
    /// latency leaves out the time the reply then waits for a thread of this process's pool, which
    /// under thousands of operations in flight is this process's queueing, not the server's.
    /// </remarks>
    public async ValueTask<TimeSpan> PingAsync(CancellationToken cancellationToken = default)
    {
        Task<bool>? pending = null;
        try
        {
            cancellationToken.ThrowIfCancellationRequested();
            ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
            var multiplexer = await ProbeConnection().WaitAsync(cancellationToken).ConfigureAwait(false);
            var database = multiplexer.GetDatabase(Database);
            // Sent together, so that the PING waits behind the same server as the EXISTS: sent after
            // it, it would land in the gap that follows a stall and never see one.
            pending = database.KeyExistsAsync(ProbeKey);
            var ping = database.PingAsync();
            await TaskRace<bool>.Run(pending, cancellationToken).ConfigureAwait(false);
            try
            {
                return await TaskRace<TimeSpan>.Run(ping, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                ObserveLater(ping);
                throw;
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            ObserveLater(pending);
            throw;
        }
        catch (Exception exception)
        {
            var failure = Explain(exception as CacheBackendException ?? RedisFailureClassifier.Classify(exception, Endpoint, "EXISTS (probe)"), "EXISTS (probe)");
            Log.OperationFailed(_logger, ServiceId, "EXISTS (probe)", failure.Kind, failure.Outcome);
            if (ReferenceEquals(failure, exception))
            {
                throw;
            }

            throw failure;
        }
    }

    private Task<ConnectionMultiplexer> ProbeConnection()
    {
        lock (_probeLock)
        {
            // Connected in the background like the main connection; a dead server still yields a
            // multiplexer (AbortOnConnectFail is off) whose commands fail at once.
            return _probeConnect ??= Task.Run(ConnectProbeAsync);
        }
    }

    private async Task<ConnectionMultiplexer> ConnectProbeAsync()
    {
        var configuration = BuildConfiguration(ServiceId + "-probe", _connection, _options);

        // The probe connection notes why a connect failed, and is handed out only once its first
        // attempt has said how it went (the library reports that a moment after it returns), so
        // that the very first probe can already say "authentication failed".
        var attempted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        configuration.ConnectionAttemptCompleted += (_, e) =>
        {
            NoteConnectionFailure(e.FailureType, TlsHandshakeProblem(e));
            attempted.TrySetResult();
        };
        var multiplexer = await ConnectionMultiplexer.ConnectAsync(configuration).ConfigureAwait(false);
        try
        {
            await attempted.Task.WaitAsync(TimeSpan.FromMilliseconds(configuration.ConnectTimeout), _timeProvider).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // No report in time: probe anyway; the next failure will say more.
        }

        return multiplexer;
    }

    private async Task CloseProbeConnectionAsync()
    {
        Task<ConnectionMultiplexer>? connect;
        lock (_probeLock)
        {
            connect = _probeConnect;
        }

        if (connect is null)
        {
            return;
        }

        try
        {
            var multiplexer = await connect.ConfigureAwait(false);
            await multiplexer.CloseAsync(allowCommandsToComplete: false).ConfigureAwait(false);
            await multiplexer.DisposeAsync().ConfigureAwait(false);
        }
        catch (RedisException)
        {
            // The probe connection never came up; there is nothing to close.
        }
    }
}
