using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using CacheFailover.Backends;
using CacheFailover.Group;
using CacheFailover.Journal;
using CacheFailover.Services;
using CacheFailover.Telemetry;
using Microsoft.Extensions.Logging;

namespace CacheFailover.Engine;

/// <summary>
/// The hot path: one operation on the serving service, bounded by <c>timeout_threshold_ms</c>, its
/// outcome recorded, and on failure a reaction (maybe a failover) and a retry on whoever serves
/// then — at once when that is another service, after exponential backoff with jitter when it is
/// the same one — up to <c>max_failover_attempts</c> attempts. An operation whose outcome is
/// unknown is retried only when it is safe to repeat (I4).
/// </summary>
/// <remarks>
/// A successful operation records its outcome and returns: it never waits for failover work it did
/// not cause (the degradation check it may start runs without it). The deadline reaches the backend
/// through the cancellation token (one shared token per time slot, see <see cref="DeadlineTokens"/>),
/// so no timer, linked source or extra continuation is added per operation.
/// </remarks>
internal sealed class OperationExecutor(
    FailoverController controller,
    ServiceRegistry registry,
    FailbackJournal journal,
    FailoverCoordinator failover,
    DegradationWatcher degradation,
    GroupCoordinator group,
    FailoverMetrics metrics,
    EngineOptions options,
    TimeProvider time,
    ILogger logger) : IDisposable
{
    private readonly DeadlineTokens _deadlines = new(time);

    public void Dispose() => _deadlines.Dispose();

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<TOut> ExecuteAsync<TOperation, T, TShape, TOut>(TOperation operation, CancellationToken cancellationToken)
        where TOperation : struct, IEngineOperation<T>
        where TShape : struct, IResultShape<T, TOut>
    {
        ArgumentNullException.ThrowIfNull(operation.Key, "key");
        var attempts = 0;
        CacheService? lastFailed = null;
        var outcome = OperationOutcome.NotApplied;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (group.HeardDecisionDuringSwitch && controller.WhenSwitchDone is { IsCompleted: false } switching)
            {
                // Another member moved the group while this member's own switch runs: the service this
                // member serves may be the one the group left. Wait for the switch to end (it then follows
                // the decision) rather than read or write there.
                await switching.WaitAsync(cancellationToken);
                continue;
            }

            var current = options.Current;
            var state = controller.Current;
            if (state.Hold is { IsCompleted: false } handover)
            {
                // The group hands traffic over to another service: nothing starts anywhere until it has (I1, I2).
                await handover.WaitAsync(cancellationToken);
                continue;
            }

            var service = state.Active;
            IGroupStore? fencedBy = null;
            if (operation.IsWrite && !service.IsPrimary)
            {
                if (!operation.TryJournal(journal))
                {
                    // A failback is making its final switch; the write goes to whoever serves after it.
                    await controller.WhenSwitchDone.WaitAsync(cancellationToken);
                    continue;
                }

                if (controller.Current.Epoch != state.Epoch)
                {
                    // The final switch completed (and unsealed the journal) between reading the state
                    // and recording the key: that record will never be reconciled, so the write must
                    // not go to the backup. Try again on whoever serves now (I1).
                    continue;
                }

                // In a group the backup itself journals the write and refuses it once the group has
                // moved on, so a write that landed is journaled whichever member reconciles (F2).
                fencedBy = group.StoreOf(service);
            }

            if (attempts > 0)
            {
                metrics.Retry(operation.Name);
                if (service == lastFailed)
                {
                    await BackoffAsync(attempts, current.RetryBaseDelayMs, cancellationToken);
                }
            }

            attempts++;
            var started = time.GetTimestamp();
            var deadline = _deadlines.For(state, current.OperationTimeout, started);
            var linked = cancellationToken.CanBeCanceled ? CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline) : null;
            CacheBackendException failure;
            try
            {
                T value;
                if (fencedBy is not null)
                {
                    value = await operation.InvokeFencedAsync(service.Backend, fencedBy, group.FenceFor(state.Epoch, service), linked?.Token ?? deadline);
                }
                else if (operation.IsVoid)
                {
                    var done = operation.InvokeVoidAsync(service.Backend, linked?.Token ?? deadline);
                    if (!done.IsCompletedSuccessfully)
                    {
                        await done;
                    }

                    value = operation.VoidResult;
                }
                else
                {
                    var pending = operation.InvokeAsync(service.Backend, linked?.Token ?? deadline);
                    value = pending.IsCompletedSuccessfully ? pending.Result : await pending;
                }
                var ended = time.GetTimestamp();
                var elapsed = time.GetElapsedTime(started, ended);
                service.Health.RecordSuccess(elapsed, ended, current, attempts > 1);
                metrics.Operation(service.Id, operation.Name, success: true, elapsed);
                degradation.OnOperationSucceeded(service, ended);

                return TShape.Shape(value, service.Id, attempts, state.Epoch);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                if (state.EpochEnded.IsCancellationRequested)
                {
                    // The engine moved to another service while this attempt waited on the old one:
                    // not the old service's failure. Retried at once when safe, else reported as
                    // possibly applied (I4).
                    if (operation.IsWrite && !operation.IsSafeToRepeat)
                    {
                        throw new CacheOperationException(
                            $"{operation.Name} was in flight on '{service.Id}' when the engine switched away from it; it may or may not have been applied and is not safe to repeat, so it was not retried.",
                            OperationOutcome.Unknown, CacheFailureKind.Timeout, attempts, null);
                    }

                    // It may have landed there: however the retries end, a failure is not "not applied" (I4).
                    if (operation.IsWrite)
                    {
                        outcome = OperationOutcome.Unknown;
                    }

                    lastFailed = null;
                    continue;
                }

                failure = new CacheBackendException(CacheFailureKind.Timeout, OperationOutcome.Unknown, $"{service.Id} did not answer within timeout_threshold_ms = {current.TimeoutThresholdMs}");
            }
            catch (GroupFencedException fenced) when (!cancellationToken.IsCancellationRequested)
            {
                // Nothing was written: the backup's record says the group moved on (or lost its copy).
                // Follow it (or restore it) and try again on whoever serves then — at once when this
                // member has followed the change meanwhile (the announcement overtook the refusal).
                if (attempts < current.MaxFailoverAttempts + registry.All.Count && (await group.ResolveFenceAsync(service, cancellationToken) || controller.Current != state))
                {
                    lastFailed = null;
                    continue;
                }

                // This attempt wrote nothing; an earlier one of the same call may have (I4).
                throw new CacheOperationException(
                    outcome == OperationOutcome.NotApplied
                        ? $"{operation.Name} was refused by '{service.Id}': {fenced.Message} It was not applied."
                        : $"{operation.Name} was refused by '{service.Id}': {fenced.Message} An earlier attempt may have been applied.",
                    outcome, fenced.Kind, attempts, fenced);
            }
            catch (CacheBackendException ex) when (!cancellationToken.IsCancellationRequested)
            {
                failure = ex;
            }
            finally
            {
                linked?.Dispose();
            }

            var failedAfter = time.GetElapsedTime(started);
            service.Health.RecordFailure(started, failedAfter, failure.Kind, failure.Message);
            metrics.Operation(service.Id, operation.Name, success: false, failedAfter);
            Log.OperationFailed(logger, service.Id, failure.Kind.ToString(), failure.Outcome.ToString(), failure.Message);
            lastFailed = service;
            if (failure.Outcome == OperationOutcome.Unknown && operation.IsWrite)
            {
                outcome = OperationOutcome.Unknown;
            }

            if (failure.Outcome == OperationOutcome.Unknown && !operation.IsSafeToRepeat)
            {
                throw new CacheOperationException(
                    $"{operation.Name} on '{service.Id}' failed and may or may not have been applied ({failure.Message}); it is not safe to repeat, so it was not retried.",
                    OperationOutcome.Unknown, failure.Kind, attempts, failure);
            }

            var unavailable = await failover.ReactToFailureAsync(service, state, failure, started);
            if (unavailable is not null)
            {
                throw new CacheUnavailableException($"{operation.Name} failed: {unavailable}", outcome, attempts, failure);
            }

            // The budget bounds attempts on one service; a failover this failure caused always earns the
            // new service one attempt (a switch can only move forward, so this cannot loop).
            if (attempts >= current.MaxFailoverAttempts && (controller.Current.Active == service || attempts >= current.MaxFailoverAttempts + registry.All.Count))
            {
                throw new CacheOperationException(
                    $"{operation.Name} failed after {attempts} attempt(s) (max_failover_attempts = {current.MaxFailoverAttempts}); last on '{service.Id}': {failure.Message}",
                    outcome, failure.Kind, attempts, failure);
            }
        }
    }

    private async ValueTask BackoffAsync(int attempt, double baseDelayMs, CancellationToken cancellationToken)
    {
        if (baseDelayMs <= 0)
        {
            return;
        }

        // Exponential with full jitter in [0.5, 1.5) so that many clients retrying at once spread out.
        var jitter = 0.5 + (RandomNumberGenerator.GetInt32(1000) / 1000.0);
        var delay = TimeSpan.FromMilliseconds(baseDelayMs * Math.Pow(2, attempt - 1) * jitter);
        await Task.Delay(delay, time, cancellationToken);
    }
}
