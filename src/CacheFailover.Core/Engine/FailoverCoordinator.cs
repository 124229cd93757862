using System.Text;
using CacheFailover.Backends;
using CacheFailover.Group;
using CacheFailover.Options;
using CacheFailover.Services;
using CacheFailover.Telemetry;
using Microsoft.Extensions.Logging;

namespace CacheFailover.Engine;

/// <summary>
/// Failing over: what a failure means, choosing and verifying a candidate, asking the controller
/// for the switch, and recording the event. Manual failovers come through here too.
/// </summary>
internal sealed class FailoverCoordinator(
    FailoverController controller,
    ServiceRegistry registry,
    ServiceProber prober,
    BackupCleanup cleanup,
    GroupCoordinator group,
    FailoverEvents events,
    FailoverMetrics metrics,
    EngineOptions options,
    TimeProvider time,
    ILogger logger)
{
    /// <summary>
    /// Fails over at an operator's request, to <paramref name="targetServiceId"/> or to the best
    /// candidate. Refused (with <see cref="FailoverRefusedException"/>, nothing changed) when the
    /// target is unknown, already serving, the primary (use recovery), or cannot serve.
    /// </summary>
    public async Task<FailoverEvent> TriggerManualAsync(string reason, string? targetServiceId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        var current = options.Current;
        var state = controller.Current;
        CacheService? target = null;
        if (targetServiceId is not null)
        {
            target = registry.Find(targetServiceId)
                ?? throw new FailoverRefusedException($"target_service_id '{targetServiceId}' is not registered; registered services: {string.Join(", ", registry.All.Select(s => s.Id))}.");
            if (target == state.Active)
            {
                throw new FailoverRefusedException($"'{target.Id}' already serves; nothing to fail over to.");
            }

            if (target.IsPrimary)
            {
                throw new FailoverRefusedException($"'{target.Id}' is the primary; switching back to it is a recovery (trigger_manual_recovery), which reconciles the failback journal first.");
            }

            if (target.Health.Evaluate(current) == ServiceHealth.Unhealthy)
            {
                throw new FailoverRefusedException($"'{target.Id}' is unhealthy ({target.Health.LastError ?? "failing probes"}); choose a healthy backup.");
            }
        }
        else if (!registry.All.Any(s => !s.IsPrimary))
        {
            throw new FailoverRefusedException("There is no backup to fail over to; register one with register_failover_service.");
        }
        else if (!registry.All.Any(s => s != state.Active && !s.IsPrimary))
        {
            throw new FailoverRefusedException(
                $"'{state.Active.Id}' is the only backup and it already serves ({state.Active.Health.Evaluate(current).ToWireName()}); there is no other backup to fail over to. Register another with register_failover_service, or return to the primary with trigger_manual_recovery.");
        }

        if (state.Status is FailoverStatus.FailingOver or FailoverStatus.Recovering)
        {
            throw new FailoverRefusedException($"A {(state.Status == FailoverStatus.Recovering ? "recovery" : "failover")} is in progress; try again when it has finished.");
        }

        cancellationToken.ThrowIfCancellationRequested();
        var result = await FailOverAsync(FailoverTrigger.Manual, reason, state.Epoch, state.Active, target, automatic: false)
            ?? throw new FailoverRefusedException("The serving service changed while the request was being made; read the status and try again.");
        return result;
    }

    /// <summary>
    /// Decides what a failed attempt means. Connection failures of the serving service fail over at
    /// once; so does a missed deadline, unless the service answered another operation after this one
    /// was sent (then it is loaded, not hung, and the operation is retried on it); other failures
    /// fail over once <c>failure_threshold</c> is reached. A service with its own failover (Sentinel)
    /// is given the time for it: none of its failures fails over until its probes say it stays down
    /// (<see cref="CacheService.MayFailOverFrom"/>). Returns a reason when no service can take
    /// the operation (the caller stops at once), else null.
    /// </summary>
    public async ValueTask<string?> ReactToFailureAsync(CacheService service, ServingState state, CacheBackendException ex, long attemptStarted)
    {
        var current = options.Current;
        if (!current.EnableFailover || service != state.Active || !service.MayFailOverFrom(current))
        {
            return null;
        }

        if (ex.Kind == CacheFailureKind.Timeout && service.Health.AnsweredSince(attemptStarted))
        {
            return null;
        }

        FailoverTrigger trigger;
        if (!service.IsPrimary)
        {
            if (!current.CascadeFailoverEnabled)
            {
                return ex.Kind == CacheFailureKind.Connection && service.Health.Evaluate(current) == ServiceHealth.Unhealthy
                    ? $"backup '{service.Id}' serves and is failing ({ex.Message}); cascade_failover_enabled is false, so no other backup is tried. The primary returns through recovery once healthy."
                    : null;
            }

            trigger = FailoverTrigger.CascadeFailure;
            if (ex.Kind == CacheFailureKind.Server && service.Health.ConsecutiveFailures < current.FailureThreshold)
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
        else if (service.Health.ConsecutiveFailures >= current.FailureThreshold)
        {
            trigger = FailoverTrigger.HealthCheckFailure;
        }
        else
        {
            return null;
        }

        var result = await FailOverAsync(trigger, ex.Message, state.Epoch, service, target: null, automatic: true, throttled: true);
        if (result is { Success: false } && controller.Current.Active == service && service.Health.Evaluate(current) == ServiceHealth.Unhealthy)
        {
            return $"no service can take over from '{service.Id}': {result.Error}";
        }

        return null;
    }

    /// <summary>Starts an automatic failover without waiting for it (connection events, the degradation check).</summary>
    public void FailOverInBackground(FailoverTrigger trigger, string reason, long epoch, CacheService from, CacheService? target = null)
    {
        _ = RunAsync();

        async Task RunAsync()
        {
            try
            {
                await FailOverAsync(trigger, reason, epoch, from, target, automatic: true, throttled: target is null);
            }
#pragma warning disable CA1031 // A background failover must never crash the process; it is logged.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                Log.BackgroundTaskFailed(logger, ex);
            }
        }
    }

    /// <summary>
    /// Switches away from <paramref name="from"/> if the epoch is still <paramref name="expectedEpoch"/>.
    /// Returns the event, or null when another decision already moved the epoch (I3) or a switch was
    /// already running (then it waits for that switch).
    /// </summary>
    public async Task<FailoverEvent?> FailOverAsync(FailoverTrigger trigger, string reason, long expectedEpoch, CacheService from, CacheService? target, bool automatic, bool throttled = false)
    {
        if (throttled && controller.TryReuseFailedFailover(expectedEpoch, from, out var last))
        {
            return last;
        }

        if (!controller.TryBeginSwitch(expectedEpoch, FailoverStatus.FailingOver, out var running))
        {
            await running;
            return null;
        }

        var current = options.Current;
        var decided = time.GetTimestamp();
        var startedAt = time.GetUtcNow();
        TimeSpan? detection = automatic && from.Health.FailureStreakStart is { } streak ? time.GetElapsedTime(streak, decided) : null;
        var candidates = target is not null
            ? [target]
            : ServiceSelector.Rank(registry.All.Where(s => s != from && !s.IsPrimary), current);

        var errors = new List<string>();
        var handsOver = HandsOver(trigger, from);
        GroupRecord? handover = null;
        foreach (var candidate in candidates.Take(current.MaxFailoverAttempts))
        {
            if (group.HeardDecisionDuringSwitch)
            {
                // Another member decided meanwhile (this member's operations wait for this switch): follow it.
                errors.Add($"{candidate.Id}: not tried, another member of the group decided first");
                break;
            }

            // A backup must take a write before traffic moves to it, and hold nothing from the last failback.
            var refusal = await prober.VerifyCanServeAsync(candidate, current.OperationTimeout, $"timeout_threshold_ms = {current.TimeoutThresholdMs}")
                ?? await cleanup.EnsureCleanAsync(candidate)
                ?? await ForgetWhatItHeldAsync(candidate, from, current)
                ?? (group.HeardDecisionDuringSwitch ? "another member of the group decided while it was verified" : null);
            if (refusal is not null)
            {
                errors.Add($"{candidate.Id}: {refusal}");
                continue;
            }

            if (handsOver && handover is null)
            {
                // The service left still answers, so members that have not heard of this decision would
                // go on using it: first every member holds its operations (failing_over), then the
                // candidate serves (docs/group.md, "Handing over").
                var failingOver = group.Propose(FailoverStatus.FailingOver, expectedEpoch, from, candidate, reason, trigger, from.IsPrimary ? [] : group.JournalSoFar, group.Record?.DirtyReason);
                var (started, startError) = await group.ClaimAsync(failingOver, candidate, leaving: from);
                if (started == ClaimOutcome.Lost)
                {
                    return LoseToAnotherDecision(from, trigger, startError!, automatic);
                }

                if (started == ClaimOutcome.Unavailable)
                {
                    errors.Add($"{candidate.Id}: {startError}");
                    continue;
                }

                handover = failingOver;
                controller.HoldOperationsForHandover();
                var lagging = await group.WaitForHandoverAsync(failingOver.Version, candidate);
                if (lagging.Count > 0)
                {
                    Log.HandoverUnconfirmed(logger, group.Name, string.Join(", ", lagging.Select(m => m.Identity.MemberId)), group.HandoverAckWait.TotalMilliseconds);
                }
            }

            // The group's record changes first, on the service that takes the traffic: when another
            // member decided first, this member follows that decision instead (F1).
            IReadOnlyList<JournalLocation> journal = from.IsPrimary ? [] : group.JournalSoFar;
            if (group.StoreOf(candidate) is not null)
            {
                journal = [.. journal, new JournalLocation(candidate.Id, expectedEpoch + 1)];
            }

            var leftoversCleared = group.Leftovers.Where(l => l.ServiceId == candidate.Id).ToList();
            var proposal = group.Propose(FailoverStatus.FailedOver, expectedEpoch + 1, candidate, null, reason, trigger, journal, from.IsPrimary ? null : group.Record?.DirtyReason)
                with { Leftovers = [.. group.Leftovers.Except(leftoversCleared)] };
            var (claim, claimError) = await group.ClaimAsync(proposal, candidate, leaving: from);

            if (claim == ClaimOutcome.Lost)
            {
                return LoseToAnotherDecision(from, trigger, claimError!, automatic);
            }

            if (claim == ClaimOutcome.Unavailable)
            {
                errors.Add($"{candidate.Id}: {claimError}");
                continue;
            }

            _ = group.DropJournalsAsync(leftoversCleared);
            var next = controller.CompleteFailover(candidate, manual: !automatic);

            // Anything heard during the switch is older than this member's won claim, or its rival: settled by Adopt.
            group.AdoptPending();
            from.Health.ForgetRecentSamples();
            candidate.Health.ForgetRecentSamples();
            var success = new FailoverEvent(events.NextId(), FailoverEventKind.Failover, next.Epoch, trigger, from.Id, candidate.Id, reason, startedAt, detection, time.GetElapsedTime(decided), true, null, 0, automatic);
            metrics.Failover(trigger.ToWireName(), true);
            Log.FailedOver(logger, from.Id, candidate.Id, trigger.ToWireName(), next.Epoch, reason);
            events.Record(success);
            return success;
        }

        var statusBefore = controller.StatusBeforeSwitch;
        controller.AbortSwitch();
        if (handover is not null)
        {
            // The members hold for a handover that will not happen: the group goes back to the service left.
            group.Publish(group.Propose(statusBefore, expectedEpoch, from, null, $"the failover from '{from.Id}' was abandoned ({string.Join("; ", errors)}); '{from.Id}' serves on", group.Record?.Trigger ?? trigger, handover.Journal, handover.DirtyReason));
        }

        // A decision another member made while this switch ran was heard but could not be followed then.
        group.AdoptPending();
        if (candidates.Count == 0)
        {
            errors.Add("no healthy candidate (" + DescribeServices(current) + ")");
        }

        var error = string.Join("; ", errors);
        var failure = new FailoverEvent(events.NextId(), FailoverEventKind.Failover, controller.Current.Epoch, trigger, from.Id, null, reason, startedAt, detection, time.GetElapsedTime(decided), false, error, 0, automatic);
        metrics.Failover(trigger.ToWireName(), false);
        Log.FailoverFailed(logger, from.Id, trigger.ToWireName(), error);
        var retry = TimeSpan.FromSeconds(Math.Min(current.HealthCheckIntervalSeconds, EngineTimings.FailedFailoverRetryInterval.TotalSeconds));
        controller.NoteFailedFailover(failure, retry);
        events.Record(failure);
        return failure;
    }

    /// <summary>
    /// Takes back a handover another member began and has not finished within
    /// <see cref="GroupCoordinator.HandoverTakeBackAfter"/> (it may have died between its two records):
    /// the group goes back to the service it was leaving, so that the members' operations run again.
    /// Called after each health round.
    /// </summary>
    public async Task TryTakeBackStalledHandoverAsync()
    {
        var state = controller.Current;
        if (state.Status != FailoverStatus.FailingOver || controller.RemoteSwitchSince is not { } since || time.GetElapsedTime(since) < group.HandoverTakeBackAfter
            || group.Record is not { Status: FailoverStatus.FailingOver } stalled || !controller.TryTakeOverRemoteSwitch(FailoverStatus.FailingOver))
        {
            return;
        }

        var reason = $"member {stalled.DecidedBy.MemberId} began a failover from '{state.Active.Id}' and did not finish it within {group.HandoverTakeBackAfter.TotalSeconds} s; taken back, '{state.Active.Id}' serves on";
        var back = group.Propose(controller.StatusBeforeSwitch, state.Epoch, state.Active, null, reason, stalled.Trigger, stalled.Journal, stalled.DirtyReason);
        var (claim, _) = await group.ClaimAsync(back, state.Active);
        controller.AbortSwitch();
        if (claim == ClaimOutcome.Unavailable)
        {
            group.Publish(back);
        }

        group.AdoptPending();
        Log.HandoverTakenBack(logger, group.Name, stalled.DecidedBy.MemberId, state.Active.Id);
    }

    /// <summary>
    /// A failover from a service that still answers hands over in two steps (manual failovers, and
    /// slowness: the service left is reachable). One from a service that failed goes in one: no member
    /// can use that service, and a hung one must not hold the decision up.
    /// </summary>
    private bool HandsOver(FailoverTrigger trigger, CacheService from) =>
        trigger is FailoverTrigger.Manual or FailoverTrigger.PerformanceDegradation && group.StoreOf(from) is not null;

    private FailoverEvent? LoseToAnotherDecision(CacheService from, FailoverTrigger trigger, string claimError, bool automatic)
    {
        controller.AbortSwitch();
        group.AdoptPending();
        Log.FailoverFailed(logger, from.Id, trigger.ToWireName(), claimError);
        if (!automatic)
        {
            throw new FailoverRefusedException($"The group took another decision first, and this member follows it: {claimError}");
        }

        return null;
    }

    /// <summary>
    /// A backup that served before still holds what was written on it then, while the same keys may
    /// since have been written or deleted elsewhere: served again as they are, those values would be
    /// stale reads or resurrected deletes (I1, I2). Two cases: it served earlier in this failover (and
    /// another backup after it), or in a failover already failed back whose clean-up of the backups has
    /// not been seen to finish (the record's leftovers: the member that failed back may have died, or
    /// be a different process from this one). So before it takes traffic, every key journaled on it
    /// then is invalidated on it (its journal is on it, so it is readable whenever it can serve); such
    /// keys then miss until written again. Returns why it cannot serve, or null.
    /// </summary>
    private async Task<string?> ForgetWhatItHeldAsync(CacheService candidate, CacheService from, FailoverOptions current)
    {
        IReadOnlyList<JournalLocation> thisFailover = from.IsPrimary ? [] : [.. group.JournalSoFar.Where(l => l.ServiceId == candidate.Id)];
        var failedBack = group.Leftovers.Where(l => l.ServiceId == candidate.Id).ToList();
        return await InvalidateJournaledAsync(candidate, thisFailover, "it served earlier in this failover", current)
            ?? await InvalidateJournaledAsync(candidate, failedBack, "it served in a failover already failed back, whose clean-up has not been seen to finish,", current);
    }

    private async Task<string?> InvalidateJournaledAsync(CacheService candidate, IReadOnlyList<JournalLocation> locations, string when, FailoverOptions current)
    {
        if (locations.Count == 0)
        {
            return null;
        }

        try
        {
            var (keys, overflow) = await group.ReadJournalsAsync(locations, CancellationToken.None);
            if (overflow is not null)
            {
                return $"{when} and {overflow}, so what it still holds is not known";
            }

            var distinct = keys.Distinct(StringComparer.Ordinal).ToList();
            for (var i = 0; i < distinct.Count; i += current.InvalidationBatchSize)
            {
                var batch = distinct.GetRange(i, Math.Min(current.InvalidationBatchSize, distinct.Count - i));
                await prober.WithDeadlineAsync(candidate.Backend.InvalidateAsync(batch), candidate, current.HealthCheckTimeout,
                    $"invalidating what it took then within health_check_timeout_seconds = {current.HealthCheckTimeoutSeconds}", CancellationToken.None);
            }

            return null;
        }
        catch (Exception ex) when (ex is CacheBackendException or TimeoutException)
        {
            return $"{when} and what it took then could not be invalidated: {ex.Message}";
        }
    }

    private string DescribeServices(FailoverOptions current)
    {
        var text = new StringBuilder();
        foreach (var service in registry.All)
        {
            if (text.Length > 0)
            {
                text.Append("; ");
            }

            var health = service.Health.Evaluate(current);
            text.Append(service.Id).Append(": ").Append(health.ToWireName());
            if (health is ServiceHealth.Unhealthy or ServiceHealth.Degraded && service.Health.LastError is { } error)
            {
                text.Append(" (").Append(error).Append(')');
            }
        }

        return text.ToString();
    }
}
