using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using CacheFailover.Backends;
using CacheFailover.Services;
using CacheFailover.Telemetry;

namespace CacheFailover.Engine;

/// <summary>The hot path: operations routed to the serving service, with deadline, health feedback and retries.</summary>
public sealed partial class FailoverEngine
{
    private long _nextDegradationCheck;

    /// <summary>Reads a value from the serving service; null when missing.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<byte[]?> GetAsync(string key, CancellationToken cancellationToken = default)
        => (await ExecuteAsync<GetOperation, byte[]?>(new GetOperation(key), cancellationToken)).Value;

    /// <summary>Reads a value and says who served it.</summary>
    public ValueTask<CacheResult<byte[]?>> GetWithResultAsync(string key, CancellationToken cancellationToken = default)
        => ExecuteAsync<GetOperation, byte[]?>(new GetOperation(key), cancellationToken);

    /// <summary>Writes a value to the serving service (journaled while a backup serves).</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public async ValueTask SetAsync(string key, ReadOnlyMemory<byte> value, TimeSpan? timeToLive = null, CancellationToken cancellationToken = default)
        => await ExecuteAsync<SetOperation, bool>(new SetOperation(key, value, timeToLive), cancellationToken);

    /// <summary>Writes a value and says who stored it.</summary>
    public ValueTask<CacheResult<bool>> SetWithResultAsync(string key, ReadOnlyMemory<byte> value, TimeSpan? timeToLive = null, CancellationToken cancellationToken = default)
        => ExecuteAsync<SetOperation, bool>(new SetOperation(key, value, timeToLive), cancellationToken);

    /// <summary>Deletes a key on the serving service (journaled while a backup serves); true when it existed there.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<bool> DeleteAsync(string key, CancellationToken cancellationToken = default)
        => (await ExecuteAsync<DeleteOperation, bool>(new DeleteOperation(key), cancellationToken)).Value;

    /// <summary>Deletes a key and says who served it.</summary>
    public ValueTask<CacheResult<bool>> DeleteWithResultAsync(string key, CancellationToken cancellationToken = default)
        => ExecuteAsync<DeleteOperation, bool>(new DeleteOperation(key), cancellationToken);

    /// <summary>True when the key exists on the serving service.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<bool> ExistsAsync(string key, CancellationToken cancellationToken = default)
        => (await ExecuteAsync<ExistsOperation, bool>(new ExistsOperation(key), cancellationToken)).Value;

    /// <summary>Checks a key and says who served it.</summary>
    public ValueTask<CacheResult<bool>> ExistsWithResultAsync(string key, CancellationToken cancellationToken = default)
        => ExecuteAsync<ExistsOperation, bool>(new ExistsOperation(key), cancellationToken);

    /// <summary>
    /// Runs one operation: on the serving service, bounded by <c>timeout_threshold_ms</c>; on failure
    /// the engine reacts (maybe failing over) and the operation is retried on the service that
    /// serves then — at once when that is another service, after exponential backoff with jitter
    /// when it is the same one — up to <c>max_failover_attempts</c> attempts. An operation whose
    /// outcome is unknown is retried only when it is safe to repeat (I4).
    /// </summary>
    /// <remarks>Generic over a struct operation so that the healthy path allocates nothing.</remarks>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    internal async ValueTask<CacheResult<T>> ExecuteAsync<TOperation, T>(TOperation operation, CancellationToken cancellationToken)
        where TOperation : struct, IEngineOperation<T>
    {
        ArgumentNullException.ThrowIfNull(operation.Key, "key");
        var attempts = 0;
        CacheService? lastFailed = null;
        var outcome = OperationOutcome.NotApplied;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var options = _options;
            var state = _controller.Current;
            var service = state.Active;
            if (operation.IsWrite && !service.IsPrimary && !_journal.TryRecord(operation.Key))
            {
                // A failback is making its final switch; the write goes to whoever serves after it.
                await _controller.WhenSwitchDone.WaitAsync(cancellationToken);
                continue;
            }

            if (attempts > 0)
            {
                _metrics.Retry(operation.Name);
                if (service == lastFailed)
                {
                    await BackoffAsync(attempts, options.RetryBaseDelayMs, cancellationToken);
                }
            }

            attempts++;
            var started = _time.GetTimestamp();
            try
            {
                var pending = operation.InvokeAsync(service.Backend, cancellationToken);
                T value;
                if (pending.IsCompletedSuccessfully)
                {
                    value = pending.Result;
                }
                else
                {
                    // Bounded by the engine's own deadline and by the epoch (see DeadlineTokens).
                    var task = pending.AsTask();
                    var deadline = _deadlines.For(state, options.OperationTimeout);
                    using var linked = cancellationToken.CanBeCanceled ? CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline) : null;
                    try
                    {
                        value = await task.WaitAsync(linked?.Token ?? deadline);
                    }
                    catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                    {
                        ObserveLater(task);
                        if (state.EpochEnded.IsCancellationRequested)
                        {
                            throw new ServingServiceChangedException();
                        }

                        throw new CacheBackendException(CacheFailureKind.Timeout, OperationOutcome.Unknown, $"{service.Id} did not answer within timeout_threshold_ms = {options.TimeoutThresholdMs}");
                    }
                }

                var ended = _time.GetTimestamp();
                var elapsed = _time.GetElapsedTime(started, ended);
                service.Health.RecordSuccess(elapsed, ended, options, attempts > 1);
                _metrics.Operation(service.Id, operation.Name, success: true, elapsed);
                if (options.EnableFailover)
                {
                    await CheckDegradationAsync(service, state, options, ended);
                }

                return new CacheResult<T>(value, service.Id, attempts, state.Epoch);
            }
            catch (ServingServiceChangedException) when (!cancellationToken.IsCancellationRequested)
            {
                // The engine moved to another service while this attempt waited on the old one: no
                // point waiting for its deadline. Not the old service's failure; retried at once
                // when safe, else reported as possibly applied (I4).
                if (operation.IsWrite && !operation.IsSafeToRepeat)
                {
                    throw new CacheOperationException(
                        $"{operation.Name} was in flight on '{service.Id}' when the engine switched away from it; it may or may not have been applied and is not safe to repeat, so it was not retried.",
                        OperationOutcome.Unknown, CacheFailureKind.Timeout, attempts, null);
                }

                lastFailed = null;
            }
            catch (CacheBackendException ex) when (!cancellationToken.IsCancellationRequested)
            {
                var elapsed = _time.GetElapsedTime(started);
                service.Health.RecordFailure(started, elapsed, ex.Kind, ex.Message);
                _metrics.Operation(service.Id, operation.Name, success: false, elapsed);
                Log.OperationFailed(_logger, service.Id, ex.Kind.ToString(), ex.Outcome.ToString(), ex.Message);
                lastFailed = service;
                if (ex.Outcome == OperationOutcome.Unknown && operation.IsWrite)
                {
                    outcome = OperationOutcome.Unknown;
                }

                if (ex.Outcome == OperationOutcome.Unknown && !operation.IsSafeToRepeat)
                {
                    throw new CacheOperationException(
                        $"{operation.Name} on '{service.Id}' failed and may or may not have been applied ({ex.Message}); it is not safe to repeat, so it was not retried.",
                        OperationOutcome.Unknown, ex.Kind, attempts, ex);
                }

                var unavailable = await ReactToFailureAsync(service, state, ex, options);
                if (unavailable is not null)
                {
                    throw new CacheUnavailableException($"{operation.Name} failed: {unavailable}", outcome, attempts, ex);
                }

                // The budget bounds attempts on one service; a failover this failure caused always earns the
                // new service one attempt (a switch can only move forward, so this cannot loop).
                if (attempts >= options.MaxFailoverAttempts && (_controller.Current.Active == service || attempts >= options.MaxFailoverAttempts + _registry.All.Count))
                {
                    throw new CacheOperationException(
                        $"{operation.Name} failed after {attempts} attempt(s) (max_failover_attempts = {options.MaxFailoverAttempts}); last on '{service.Id}': {ex.Message}",
                        outcome, ex.Kind, attempts, ex);
                }
            }
        }
    }

    /// <summary>Waits for a backend call (a probe, a verification, an invalidation batch) no longer than <paramref name="timeout"/>.</summary>
    private async ValueTask<T> WithDeadlineAsync<T>(ValueTask<T> pending, CacheService service, TimeSpan timeout, int timeoutMs, CancellationToken cancellationToken)
    {
        var task = pending.AsTask();
        try
        {
            return await task.WaitAsync(timeout, _time, cancellationToken);
        }
        catch (TimeoutException)
        {
            ObserveLater(task);
            throw new CacheBackendException(CacheFailureKind.Timeout, OperationOutcome.Unknown, $"{service.Id} did not answer within {timeoutMs} ms");
        }
    }

    /// <summary>The call may still complete or fail later; observe it so its fault is not reported as unobserved.</summary>
    private static void ObserveLater(Task task) =>
        task.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);

    private async ValueTask BackoffAsync(int attempt, double baseDelayMs, CancellationToken cancellationToken)
    {
        if (baseDelayMs <= 0)
        {
            return;
        }

        // Exponential with full jitter in [0.5, 1.5) so that many clients retrying at once spread out.
        var jitter = 0.5 + (RandomNumberGenerator.GetInt32(1000) / 1000.0);
        var delay = TimeSpan.FromMilliseconds(baseDelayMs * Math.Pow(2, attempt - 1) * jitter);
        await Task.Delay(delay, _time, cancellationToken);
    }

    /// <summary>
    /// Decides what a failed attempt means: connection failures and deadline overruns of the serving
    /// service fail over at once; other failures once the failure threshold is reached. Returns a
    /// reason when no service can take the operation (so the caller stops at once), else null.
    /// </summary>
    private async ValueTask<string?> ReactToFailureAsync(CacheService service, ServingState state, CacheBackendException ex, Options.FailoverOptions options)
    {
        if (!options.EnableFailover || service != state.Active)
        {
            return null;
        }

        FailoverTrigger trigger;
        if (!service.IsPrimary)
        {
            if (!options.CascadeFailoverEnabled)
            {
                return service.Health.Evaluate(options) == ServiceHealth.Unhealthy
                    ? $"backup '{service.Id}' serves and is failing ({ex.Message}); cascade_failover_enabled is false, so no other backup is tried. The primary returns through recovery once healthy."
                    : null;
            }

            trigger = FailoverTrigger.CascadeFailure;
            if (ex.Kind == CacheFailureKind.Server && service.Health.ConsecutiveFailures < options.FailureThreshold)
            {
                return null;
            }
        }
        else if (ex.Kind == CacheFailureKind.Connection)
        {
            trigger = FailoverTrigger.ConnectionFailure;
        }
        else if (ex.Kind == CacheFailureKind.Timeout)
        {
            trigger = FailoverTrigger.TimeoutExceeded;
        }
        else if (service.Health.ConsecutiveFailures >= options.FailureThreshold)
        {
            trigger = FailoverTrigger.HealthCheckFailure;
        }
        else
        {
            return null;
        }

        var result = await FailOverAsync(trigger, ex.Message, state.Epoch, service, target: null, automatic: true, throttled: true);
        if (result is { Success: false } && _controller.Current.Active == service && service.Health.Evaluate(options) == ServiceHealth.Unhealthy)
        {
            return $"no service can take over from '{service.Id}': {result.Error}";
        }

        return null;
    }
}

/// <summary>An operation the engine can route: what it is, which key, whether it writes and may be repeated.</summary>
internal interface IEngineOperation<T>
{
    string Name { get; }

    string Key { get; }

    /// <summary>Writes are journaled while a backup serves.</summary>
    bool IsWrite { get; }

    /// <summary>Whether repeating it after an unknown outcome leaves the same state (I4).</summary>
    bool IsSafeToRepeat { get; }

    ValueTask<T> InvokeAsync(ICacheBackend backend, CancellationToken cancellationToken);
}

internal readonly struct GetOperation(string key) : IEngineOperation<byte[]?>
{
    public string Name => "get";

    public string Key => key;

    public bool IsWrite => false;

    public bool IsSafeToRepeat => true;

    public ValueTask<byte[]?> InvokeAsync(ICacheBackend backend, CancellationToken cancellationToken) => backend.GetAsync(key, cancellationToken);
}

internal readonly struct ExistsOperation(string key) : IEngineOperation<bool>
{
    public string Name => "exists";

    public string Key => key;

    public bool IsWrite => false;

    public bool IsSafeToRepeat => true;

    public ValueTask<bool> InvokeAsync(ICacheBackend backend, CancellationToken cancellationToken) => backend.ExistsAsync(key, cancellationToken);
}

/// <summary>SET to an absolute value: repeating it leaves the same value, so it is safe to retry.</summary>
internal readonly struct SetOperation(string key, ReadOnlyMemory<byte> value, TimeSpan? timeToLive) : IEngineOperation<bool>
{
    public string Name => "set";

    public string Key => key;

    public bool IsWrite => true;

    public bool IsSafeToRepeat => true;

    public ValueTask<bool> InvokeAsync(ICacheBackend backend, CancellationToken cancellationToken)
    {
        var pending = backend.SetAsync(key, value, timeToLive, cancellationToken);
        return pending.IsCompletedSuccessfully ? new ValueTask<bool>(true) : AwaitAsync(pending);

        static async ValueTask<bool> AwaitAsync(ValueTask pending)
        {
            await pending;
            return true;
        }
    }
}

/// <summary>DELETE: repeating it leaves the key deleted, so it is safe to retry (its "existed" answer then describes the last attempt).</summary>
internal readonly struct DeleteOperation(string key) : IEngineOperation<bool>
{
    public string Name => "delete";

    public string Key => key;

    public bool IsWrite => true;

    public bool IsSafeToRepeat => true;

    public ValueTask<bool> InvokeAsync(ICacheBackend backend, CancellationToken cancellationToken) => backend.DeleteAsync(key, cancellationToken);
}

/// <summary>An attempt was given up because the serving service changed while it waited.</summary>
internal sealed class ServingServiceChangedException : Exception
{
    public ServingServiceChangedException()
        : base("The serving service changed while the operation waited.")
    {
    }

    public ServingServiceChangedException(string message)
        : base(message)
    {
    }

    public ServingServiceChangedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
