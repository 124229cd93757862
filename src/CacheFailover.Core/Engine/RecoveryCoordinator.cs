using CacheFailover.Backends;
using CacheFailover.Group;
using CacheFailover.Journal;
using CacheFailover.Options;
using CacheFailover.Services;
using CacheFailover.Telemetry;
using Microsoft.Extensions.Logging;

namespace CacheFailover.Engine;

/// <summary>
/// Recovering: verifying the primary, reconciling the failback journal on it (I1, I2, I5) while the
/// backup still serves, the final switch under the journal's seal, and the clean-up of the backups.
/// </summary>
internal sealed class RecoveryCoordinator(
    FailoverController controller,
    ServiceRegistry registry,
    FailbackJournal journal,
    ServiceProber prober,
    BackupCleanup cleanup,
    GroupCoordinator group,
    FailoverEvents events,
    FailoverMetrics metrics,
    EngineOptions options,
    TimeProvider time,
    ILogger logger)
{
    private TimeSpan? _lastInvalidation;
    private long _invalidatedTotal;

    public long InvalidatedTotal => Interlocked.Read(ref _invalidatedTotal);

    public TimeSpan? LastInvalidation => _lastInvalidation;

    /// <summary>Marks the primary dirty (e.g. an operator knows writes bypassed the engine). It will not serve again until reconciled.</summary>
    public void MarkPrimaryDirty(string reason)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        journal.MarkDirty(reason);
        Log.PrimaryDirty(logger, registry.Primary.Id, reason);
    }

    /// <summary>Recovers automatically when every condition holds; called after each health round.</summary>
    public async Task TryAutoRecoverAsync(CancellationToken cancellationToken)
    {
        var current = options.Current;
        var state = controller.Current;
        var primary = registry.Primary;
        if (state.Status != FailoverStatus.FailedOver || !current.AutoRecoveryEnabled || controller.AutoRecoverySuspended || journal.PrimaryDirty)
        {
            return;
        }

        if (primary.Health.ConsecutiveProbeSuccesses < current.RecoveryThreshold
            || primary.Health.Evaluate(current) == ServiceHealth.Unhealthy
            || primary.Health.ProbesSlow(current))
        {
            return;
        }

        if (controller.HoldDown(current) is { } holdDown && time.GetUtcNow() < holdDown.Until)
        {
            return;
        }

        await RecoverAsync(manual: false, $"primary passed {primary.Health.ConsecutiveProbeSuccesses} consecutive probes and its hold-down ended", flushDirtyPrimary: false, progress: null, cancellationToken);
    }

    /// <summary>
    /// Takes over a recovery another member of the group began and has not finished within
    /// <see cref="EngineTimings.RemoteRecoveryTakeoverAfter"/> probe intervals (it may have died):
    /// every step of a recovery can be repeated. Called after each health round.
    /// </summary>
    public async Task TryTakeOverAsync(CancellationToken cancellationToken)
    {
        if (controller.RemoteSwitchSince is not { } since)
        {
            return;
        }

        var current = options.Current;
        var patience = TimeSpan.FromSeconds(Math.Max(EngineTimings.RemoteRecoveryTakeoverFloor.TotalSeconds, current.HealthCheckIntervalSeconds * EngineTimings.RemoteRecoveryTakeoverAfter));
        var leader = group.Record?.DecidedBy;
        if (time.GetElapsedTime(since) < patience || !controller.TryTakeOverRemoteSwitch(FailoverStatus.Recovering))
        {
            return;
        }

        await RecoverAsync(manual: false, $"took over the recovery member {leader?.MemberId ?? "?"} began and did not finish within {patience.TotalSeconds} s", flushDirtyPrimary: false, takingOver: true, progress: null, cancellationToken);
    }

    /// <summary>
    /// Switches back to the primary. The primary is probed first and the request is refused (with
    /// the reason, nothing changed) when it does not answer or cannot store a value, or when it is
    /// dirty and <paramref name="flushDirtyPrimary"/> is false.
    /// </summary>
    public async Task<RecoveryResult> RecoverAsync(bool manual, string reason, bool flushDirtyPrimary, IProgress<RecoveryProgress>? progress, CancellationToken cancellationToken)
        => await RecoverAsync(manual, reason, flushDirtyPrimary, takingOver: false, progress, cancellationToken);

    /// <param name="manual">An operator's request.</param>
    /// <param name="reason">Why, for the event.</param>
    /// <param name="flushDirtyPrimary">Flush a dirty primary instead of refusing.</param>
    /// <param name="takingOver">The switch is already this member's: taken over from a member that went silent mid-recovery (writers keep waiting).</param>
    /// <param name="progress">Told each step as it ends (a long reconciliation reports every invalidation batch).</param>
    /// <param name="cancellationToken">Cancels the recovery (nothing is lost: the backup keeps serving).</param>
    private async Task<RecoveryResult> RecoverAsync(bool manual, string reason, bool flushDirtyPrimary, bool takingOver, IProgress<RecoveryProgress>? progress, CancellationToken cancellationToken)
    {
        var steps = new RecoveryProgressSteps(progress);
        var current = options.Current;
        var state = controller.Current;
        var primary = registry.Primary;
        if (state.Active == primary)
        {
            return Refuse($"the primary '{primary.Id}' already serves (status {state.Status.ToWireName()}).", []);
        }

        if (!takingOver && state.Status is FailoverStatus.FailingOver or FailoverStatus.Recovering)
        {
            return Refuse($"a {(state.Status == FailoverStatus.Recovering ? "recovery" : "failover")} is in progress; try again when it has finished.", []);
        }

        var verification = await VerifyPrimaryAsync(primary, current, steps, cancellationToken);
        string? refusal = null;
        if (verification.FirstOrDefault(p => !p.Success) is { } failed)
        {
            refusal = $"the primary '{primary.Id}' is not healthy: probe {failed.Attempt} of {verification.Count} failed ({failed.Error}).";
        }
        else if (journal.PrimaryDirty && !flushDirtyPrimary)
        {
            refusal = $"the primary '{primary.Id}' is dirty ({journal.DirtyReason}); it may hold values older than the backup's. Recover with flush_dirty_primary = true to flush it first.";
        }

        if (refusal is not null)
        {
            if (takingOver)
            {
                // The recovery taken over cannot go on: the group goes back to failed over, so that members write again.
                controller.AbortSwitch();
                PublishFailedOverAgain(group.Record);
                group.AdoptPending();
            }

            return Refuse(refusal, verification);
        }

        if (!takingOver && !controller.TryBeginSwitch(state.Epoch, FailoverStatus.Recovering, out _))
        {
            return Refuse("the serving service changed while the recovery was being prepared; read the status and try again.", verification);
        }

        var decided = time.GetTimestamp();
        var startedAt = time.GetUtcNow();
        var trigger = manual ? FailoverTrigger.Manual : LastFailoverTrigger();
        var backup = state.Active;
        var failedOver = group.Record;
        IReadOnlyList<JournalLocation> reconciled = failedOver?.Journal ?? [];
        var claimed = false;
        var flushed = false;
        var invalidated = new HashSet<string>(StringComparer.Ordinal);
        var taken = new List<string>();
        try
        {
            // Reconcile while the backup keeps serving: the keys journaled so far, by this member and
            // (on the backup) by every member of the group...
            var (journaled, overflow) = await group.ReadJournalsAsync(group.JournalSoFar, cancellationToken);
            if (overflow is not null)
            {
                journal.MarkDirty(overflow);
            }

            steps.Report($"read the group's failback journals: {journaled.Count} key(s) written on the backup by the group so far");

            if (journal.PrimaryDirty)
            {
                if (!flushDirtyPrimary)
                {
                    throw new PrimaryDirtyException($"the primary '{primary.Id}' is dirty ({journal.DirtyReason}); it may hold values older than the backup's. Recover with flush_dirty_primary = true to flush it first.");
                }

                await primary.Backend.FlushAsync(cancellationToken);
                journal.MarkReconciled();
                flushed = true;
                steps.Report($"flushed the dirty primary '{primary.Id}'");
            }

            // Whole batches only: the rest waits for the sealed step, which then has little to do
            // while writers wait.
            var local = journal.TakeBatch(int.MaxValue);
            taken.AddRange(local);
            var early = journaled.Concat(local).Distinct(StringComparer.Ordinal).ToList();
            var deferred = early.Count % current.InvalidationBatchSize;
            await InvalidateNewAsync(primary, early.GetRange(0, early.Count - deferred), invalidated, current, steps, cancellationToken);
            var held = early.GetRange(early.Count - deferred, deferred);

            // ...then this member's journal is sealed: its own writers wait for the switch from here on,
            // rather than reach the backup unrecorded, or be refused there (below) and try again in a
            // loop until their attempts run out. The keys journaled until now go just before the switch...
            var rest = controller.SealJournalForFinalSwitch();
            taken.AddRange(rest);

            // ...then the group's record says "recovering", on the backup: from then on the backup
            // refuses every member's fenced writes (they wait), so its journal sets are complete (F2)...
            var recovering = group.Propose(FailoverStatus.Recovering, state.Epoch, backup, primary, reason, trigger, group.JournalSoFar, journal.DirtyReason);
            var (claim, claimError) = await group.ClaimAsync(recovering, backup, cancellationToken: cancellationToken);
            reconciled = [.. reconciled.Union(recovering.Journal)];

            if (claim != ClaimOutcome.Won)
            {
                throw new RecoveryClaimException($"the group's record could not be changed: {claimError}", claim);
            }

            claimed = true;
            steps.Report("the group's record says recovering: writes through every member wait for the switch");

            // ...and the group's journal sets are read again, now complete.
            var (complete, lateOverflow) = await group.ReadJournalsAsync(recovering.Journal, cancellationToken);
            if (lateOverflow is not null && !flushed)
            {
                journal.MarkDirty(lateOverflow);
                throw new PrimaryDirtyException($"the primary '{primary.Id}' became dirty during the recovery ({lateOverflow}); recover with flush_dirty_primary = true to flush it first.");
            }

            await InvalidateNewAsync(primary, [.. held, .. complete, .. rest], invalidated, current, steps, cancellationToken);
        }
        catch (Exception ex) when (ex is CacheBackendException or OperationCanceledException or PrimaryDirtyException or RecoveryClaimException)
        {
            // Nothing may be lost: every key taken goes back (invalidating again is harmless), and the backup keeps serving.
            journal.Restore(taken);
            controller.AbortSwitch();
            if (ex is RecoveryClaimException { Outcome: ClaimOutcome.Lost })
            {
                group.AdoptPending();
            }

            if (claimed || takingOver)
            {
                PublishFailedOverAgain(failedOver);
            }

            // A decision heard during this switch (and not settled above) is followed now if it is newer.
            group.AdoptPending();

            if (ex is PrimaryDirtyException or RecoveryClaimException)
            {
                return Refuse(ex.Message, verification);
            }

            var error = $"reconciling the failback journal on '{primary.Id}' failed: {Describe(ex)}; the backup keeps serving.";
            var failedEvent = new FailoverEvent(events.NextId(), FailoverEventKind.Recovery, controller.Current.Epoch, trigger, state.Active.Id, null, reason, startedAt, null, time.GetElapsedTime(decided), false, error, invalidated.Count, !manual);
            metrics.Recovery(false);
            Log.RecoveryFailed(logger, primary.Id, error);
            events.Record(failedEvent);
            return new RecoveryResult(false, verification, invalidated.Count, flushed, failedEvent, null);
        }

        var next = controller.CompleteRecovery(primary, manual, current);
        primary.Health.ForgetRecentSamples();
        metrics.Recovery(true);
        metrics.InvalidatedKeys(invalidated.Count);
        _lastInvalidation = time.GetElapsedTime(decided);
        Interlocked.Add(ref _invalidatedTotal, invalidated.Count);
        var recoveredEvent = new FailoverEvent(events.NextId(), FailoverEventKind.Recovery, next.Epoch, trigger, state.Active.Id, primary.Id, reason, startedAt, null, time.GetElapsedTime(decided), true, null, invalidated.Count, !manual);
        Log.Recovered(logger, primary.Id, next.Epoch, invalidated.Count);
        events.Record(recoveredEvent);
        steps.Report($"the primary '{primary.Id}' serves again at epoch {next.Epoch}; {invalidated.Count} journaled key(s) invalidated on it first");

        // Then the group: the primary serves this member already, and the others follow the record.
        // The failover's journal sets stay listed (as leftovers) until the backups are seen clean:
        // a member of any process failing over to one of them before then invalidates them there first.
        var recovered = group.Propose(FailoverStatus.Recovered, next.Epoch, primary, null, reason, trigger, [], null)
            with { Leftovers = [.. group.Leftovers.Union(reconciled)] };
        if ((await group.ClaimAsync(recovered, primary, cancellationToken: CancellationToken.None)).Outcome != ClaimOutcome.Won)
        {
            // The others learn it from whichever service takes the record.
            group.Publish(recovered);
        }

        group.AdoptPending();

        cleanup.Schedule(registry.All.Where(s => !s.IsPrimary), invalidated, whenClean: backup => group.DropJournalsAsync([.. reconciled.Where(l => l.ServiceId == backup.Id)]));
        return new RecoveryResult(true, verification, invalidated.Count, flushed, recoveredEvent, null);

        static RecoveryResult Refuse(string why, IReadOnlyList<ProbeResult> probes) => new(false, probes, 0, false, null, why);
    }

    /// <summary>After a recovery that changed the group's record gave up: the group is failed over again (a new version: records never go back), so that members write again.</summary>
    private void PublishFailedOverAgain(GroupRecord? record)
    {
        if (record is not null && group.Record is { } newest)
        {
            group.Publish(record with { Version = newest.Version + 1, Status = FailoverStatus.FailedOver, TargetServiceId = null, DecidedBy = group.Me, DecidedAt = time.GetUtcNow(), DirtyReason = journal.DirtyReason });
        }
    }

    /// <summary>Invalidates on the primary, in batches, the keys of <paramref name="keys"/> not invalidated yet (adding them to <paramref name="invalidated"/>).</summary>
    private async Task InvalidateNewAsync(CacheService primary, List<string> keys, HashSet<string> invalidated, FailoverOptions current, RecoveryProgressSteps steps, CancellationToken cancellationToken)
    {
        var fresh = keys.Where(invalidated.Add).ToList();
        for (var i = 0; i < fresh.Count; i += current.InvalidationBatchSize)
        {
            var batch = fresh.GetRange(i, Math.Min(current.InvalidationBatchSize, fresh.Count - i));
            try
            {
                await InvalidateOnPrimaryAsync(primary, batch, current, cancellationToken);
            }
            catch
            {
                // Not invalidated after all: a retried recovery must send them again.
                invalidated.ExceptWith(fresh.Skip(i));
                throw;
            }

            steps.Report($"invalidated {invalidated.Count - fresh.Count + i + batch.Count} journaled key(s) on '{primary.Id}' so far (batch of {batch.Count})");
        }
    }

    private async Task InvalidateOnPrimaryAsync(CacheService primary, List<string> batch, FailoverOptions current, CancellationToken cancellationToken)
    {
        var pending = primary.Backend.InvalidateAsync(batch, cancellationToken);
        if (!pending.IsCompletedSuccessfully)
        {
            // A batch may take longer than one operation; give it the probe timeout.
            await prober.WithDeadlineAsync(pending, primary, current.HealthCheckTimeout, $"an invalidation batch within health_check_timeout_seconds = {current.HealthCheckTimeoutSeconds}", cancellationToken);
        }
    }

    /// <summary>
    /// <see cref="EngineTimings.RecoveryVerificationProbes"/> probes one after the other, the last
    /// of them a full serving check (a write and a delete), stopping at the first failure.
    /// </summary>
    private async Task<IReadOnlyList<ProbeResult>> VerifyPrimaryAsync(CacheService primary, FailoverOptions current, RecoveryProgressSteps steps, CancellationToken cancellationToken)
    {
        var results = new List<ProbeResult>();
        var timeoutName = $"health_check_timeout_seconds = {current.HealthCheckTimeoutSeconds}";
        for (var attempt = 1; attempt <= EngineTimings.RecoveryVerificationProbes; attempt++)
        {
            var started = time.GetTimestamp();
            var error = attempt == EngineTimings.RecoveryVerificationProbes
                ? await prober.VerifyCanServeAsync(primary, current.HealthCheckTimeout, timeoutName, cancellationToken)
                : await prober.ProbeAsync(primary, current.HealthCheckTimeout, timeoutName, cancellationToken);
            results.Add(new ProbeResult(attempt, error is null, time.GetElapsedTime(started).TotalMilliseconds, error));
            steps.Report($"verification probe {attempt} of {EngineTimings.RecoveryVerificationProbes} of the primary '{primary.Id}' {(error is null ? "passed" : "failed: " + error)}");
            if (error is not null)
            {
                break;
            }
        }

        return results;
    }

    private FailoverTrigger LastFailoverTrigger() =>
        events.History.Query(1, kind: FailoverEventKind.Failover) is [var last] ? last.Trigger : FailoverTrigger.Manual;

    private static string Describe(Exception ex) => ex is CacheBackendException or TimeoutException ? ex.Message : ex.GetType().Name;
}

/// <summary>A recovery found the primary dirty only once it had begun (the group's journal overflowed).</summary>
internal sealed class PrimaryDirtyException(string message) : Exception(message);

/// <summary>A recovery could not claim the group's record (another member decided first, or the backup did not answer).</summary>
internal sealed class RecoveryClaimException(string message, ClaimOutcome outcome) : Exception(message)
{
    public ClaimOutcome Outcome { get; } = outcome;
}
