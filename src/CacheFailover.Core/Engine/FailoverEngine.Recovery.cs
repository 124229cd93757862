using CacheFailover.Backends;
using CacheFailover.Options;
using CacheFailover.Services;
using CacheFailover.Telemetry;

namespace CacheFailover.Engine;

/// <summary>
/// Recovering: verifying the primary, reconciling the failback journal on it (I1, I2, I5), the
/// final switch, and the anti-flapping hold-down.
/// </summary>
public sealed partial class FailoverEngine
{
    private const int VerificationProbes = EngineTimings.RecoveryVerificationProbes;
    private readonly Lock _holdDownLock = new();
    private volatile bool _autoRecoverySuspended;
    private int _primaryFailovers;
    private DateTimeOffset? _primaryHeldDownUntil;
    private DateTimeOffset? _lastRecoveryAt;
    private TimeSpan _lastHoldDown;

    /// <summary>
    /// Switches back to the primary at an operator's request. The primary is probed first and the
    /// request is refused (with the reason, nothing changed) when it does not answer, or when it is
    /// dirty and <paramref name="flushDirtyPrimary"/> is false.
    /// </summary>
    public Task<RecoveryResult> TriggerManualRecoveryAsync(string? reason = null, bool flushDirtyPrimary = false, CancellationToken cancellationToken = default)
        => RecoverAsync(manual: true, string.IsNullOrWhiteSpace(reason) ? "manual recovery" : reason, flushDirtyPrimary, cancellationToken);

    /// <summary>Marks the primary dirty (e.g. an operator knows writes bypassed the engine). It will not serve again until reconciled.</summary>
    public void MarkPrimaryDirty(string reason)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        _journal.MarkDirty(reason);
        Log.PrimaryDirty(_logger, _registry.Primary.Id, reason);
    }

    private DateTimeOffset? PrimaryHeldDownUntil()
    {
        lock (_holdDownLock)
        {
            return _primaryHeldDownUntil;
        }
    }

    /// <summary>
    /// Anti-flapping: each failover away from the primary holds it down for
    /// <c>auto_recovery_delay_seconds</c>, doubled for every failover that follows a recovery too
    /// soon (before the primary served twice the last hold-down), up to <c>max_hold_down_seconds</c>.
    /// </summary>
    private void NotePrimaryFailedOver(FailoverOptions options)
    {
        var now = _time.GetUtcNow();
        lock (_holdDownLock)
        {
            var servedStably = _lastRecoveryAt is not { } recoveredAt || now - recoveredAt >= _lastHoldDown * 2;
            _primaryFailovers = servedStably ? 1 : _primaryFailovers + 1;
            var seconds = Math.Min(options.AutoRecoveryDelaySeconds * Math.Pow(2, _primaryFailovers - 1), Math.Max(options.MaxHoldDownSeconds, options.AutoRecoveryDelaySeconds));
            _lastHoldDown = TimeSpan.FromSeconds(seconds);
            _primaryHeldDownUntil = now + _lastHoldDown;
        }
    }

    /// <summary>Recovers automatically when every condition holds; called after each health round.</summary>
    private async Task TryAutoRecoverAsync(FailoverOptions options, CancellationToken cancellationToken)
    {
        var state = _controller.Current;
        var primary = _registry.Primary;
        if (state.Status != FailoverStatus.FailedOver || !options.AutoRecoveryEnabled || _autoRecoverySuspended || _journal.PrimaryDirty)
        {
            return;
        }

        if (primary.Health.ConsecutiveProbeSuccesses < options.RecoveryThreshold
            || primary.Health.Evaluate(options) == ServiceHealth.Unhealthy
            || primary.Health.IsProbeLatencyDegraded(options))
        {
            return;
        }

        if (PrimaryHeldDownUntil() is { } until && _time.GetUtcNow() < until)
        {
            return;
        }

        await RecoverAsync(manual: false, $"primary passed {primary.Health.ConsecutiveProbeSuccesses} consecutive probes and its hold-down ended", flushDirtyPrimary: false, cancellationToken);
    }

    private async Task<RecoveryResult> RecoverAsync(bool manual, string reason, bool flushDirtyPrimary, CancellationToken cancellationToken)
    {
        var options = _options;
        var state = _controller.Current;
        var primary = _registry.Primary;
        if (state.Active == primary)
        {
            return Refuse($"the primary '{primary.Id}' already serves (status {state.Status.ToWireName()}).", []);
        }

        if (state.Status is FailoverStatus.FailingOver or FailoverStatus.Recovering)
        {
            return Refuse($"a {(state.Status == FailoverStatus.Recovering ? "recovery" : "failover")} is in progress; try again when it has finished.", []);
        }

        var verification = await VerifyPrimaryAsync(primary, options, cancellationToken);
        if (verification.Any(p => !p.Success))
        {
            var failed = verification.First(p => !p.Success);
            return Refuse($"the primary '{primary.Id}' is not healthy: probe {failed.Attempt} of {verification.Count} failed ({failed.Error}).", verification);
        }

        if (_journal.PrimaryDirty && !flushDirtyPrimary)
        {
            return Refuse($"the primary '{primary.Id}' is dirty ({_journal.DirtyReason}); it may hold values older than the backup's. Recover with flush_dirty_primary = true to flush it first.", verification);
        }

        if (!_controller.TryBeginSwitch(state.Epoch, FailoverStatus.Recovering, out _))
        {
            return Refuse("the serving service changed while the recovery was being prepared; read the status and try again.", verification);
        }

        var decided = _time.GetTimestamp();
        var startedAt = _time.GetUtcNow();
        var trigger = manual ? FailoverTrigger.Manual : LastFailoverTrigger();
        long reconciled = 0;
        var flushed = false;
        var invalidatedKeys = new List<string>();
        try
        {
            if (_journal.PrimaryDirty)
            {
                await primary.Backend.FlushAsync(cancellationToken);
                _journal.MarkReconciled();
                flushed = true;
            }

            // Reconcile while the backup keeps serving: full batches go now...
            while (_journal.PendingKeys >= options.InvalidationBatchSize)
            {
                var batch = _journal.TakeBatch(options.InvalidationBatchSize);
                await InvalidateOnPrimaryAsync(primary, batch, options, cancellationToken);
                reconciled += batch.Count;
                invalidatedKeys.AddRange(batch);
            }

            // ...then the journal is sealed, so that no write can reach the backup unrecorded, and the
            // last keys (and any written meanwhile) go just before the switch. Writers wait meanwhile.
            var rest = _journal.SealAndDrain();
            for (var i = 0; i < rest.Count; i += options.InvalidationBatchSize)
            {
                var batch = rest.GetRange(i, Math.Min(options.InvalidationBatchSize, rest.Count - i));
                await InvalidateOnPrimaryAsync(primary, batch, options, cancellationToken);
                reconciled += batch.Count;
                invalidatedKeys.AddRange(batch);
            }
        }
        catch (Exception ex) when (ex is CacheBackendException or OperationCanceledException)
        {
            // Nothing may be lost: keys not yet invalidated go back, and the backup keeps serving.
            _journal.Restore(invalidatedKeys);
            _journal.Unseal();
            _controller.AbortSwitch();
            var error = $"reconciling the failback journal on '{primary.Id}' failed: {Describe(ex)}; the backup keeps serving.";
            var failed = new FailoverEvent(_history.NextId(), FailoverEventKind.Recovery, _controller.Current.Epoch, trigger, state.Active.Id, null, reason, startedAt, null, _time.GetElapsedTime(decided), false, error, reconciled, !manual);
            _metrics.Recovery(false);
            Log.RecoveryFailed(_logger, primary.Id, error);
            Record(failed);
            return new RecoveryResult(false, verification, reconciled, flushed, failed, null);
        }

        var next = _controller.CompleteSwitch(primary, FailoverStatus.Recovered);
        primary.Health.ForgetRecentSamples();
        _journal.Unseal();
        _autoRecoverySuspended = false;
        lock (_holdDownLock)
        {
            _lastRecoveryAt = _time.GetUtcNow();
            _primaryHeldDownUntil = null;
        }

        _metrics.Recovery(true);
        _metrics.InvalidatedKeys(reconciled);
        _lastInvalidation = _time.GetElapsedTime(decided);
        Interlocked.Add(ref _invalidatedTotal, reconciled);
        var recovered = new FailoverEvent(_history.NextId(), FailoverEventKind.Recovery, next.Epoch, trigger, state.Active.Id, primary.Id, reason, startedAt, null, _time.GetElapsedTime(decided), true, null, reconciled, !manual);
        Log.Recovered(_logger, primary.Id, next.Epoch, reconciled);
        Record(recovered);
        ClearBackupsInBackground(invalidatedKeys, options);
        return new RecoveryResult(true, verification, reconciled, flushed, recovered, null);

        static RecoveryResult Refuse(string why, IReadOnlyList<ProbeResult> probes) => new(false, probes, 0, false, null, why);
    }

    private async Task InvalidateOnPrimaryAsync(CacheService primary, List<string> batch, FailoverOptions options, CancellationToken cancellationToken)
    {
        try
        {
            var pending = primary.Backend.InvalidateAsync(batch, cancellationToken);
            if (!pending.IsCompletedSuccessfully)
            {
                // A batch may take longer than one operation; give it the probe timeout.
                await WithDeadlineAsync(pending, primary, options.HealthCheckTimeout, (int)options.HealthCheckTimeout.TotalMilliseconds, cancellationToken);
            }
        }
        catch (CacheBackendException)
        {
            _journal.Restore(batch);
            throw;
        }
    }

    private async Task<IReadOnlyList<ProbeResult>> VerifyPrimaryAsync(CacheService primary, FailoverOptions options, CancellationToken cancellationToken)
    {
        var results = new List<ProbeResult>();
        for (var attempt = 1; attempt <= VerificationProbes; attempt++)
        {
            var started = _time.GetTimestamp();
            try
            {
                var pending = primary.Backend.PingAsync(cancellationToken);
                if (!pending.IsCompletedSuccessfully)
                {
                    await WithDeadlineAsync(pending, primary, options.HealthCheckTimeout, (int)options.HealthCheckTimeout.TotalMilliseconds, cancellationToken);
                }

                var latency = _time.GetElapsedTime(started);
                primary.Health.RecordProbeSuccess(latency);
                results.Add(new ProbeResult(attempt, true, latency.TotalMilliseconds, null));
            }
            catch (CacheBackendException ex)
            {
                primary.Health.RecordProbeFailure(started, ex.Kind, ex.Message);
                results.Add(new ProbeResult(attempt, false, _time.GetElapsedTime(started).TotalMilliseconds, ex.Message));
                break;
            }
        }

        return results;
    }

    private FailoverTrigger LastFailoverTrigger() =>
        _history.Query(1, kind: FailoverEventKind.Failover) is [var last] ? last.Trigger : FailoverTrigger.Manual;

    /// <summary>
    /// After failback, removes the journaled keys from the backups too, so that a later failover
    /// reads a miss rather than a value from this one. Best effort: a failure is logged.
    /// </summary>
    private void ClearBackupsInBackground(List<string> keys, FailoverOptions options)
    {
        if (keys.Count == 0)
        {
            return;
        }

        foreach (var backup in _registry.All.Where(s => !s.IsPrimary))
        {
            _ = ClearBackupAsync(backup, keys, options.InvalidationBatchSize);
        }
    }

    private async Task ClearBackupAsync(CacheService backup, List<string> keys, int batchSize)
    {
        try
        {
            for (var i = 0; i < keys.Count; i += batchSize)
            {
                await backup.Backend.InvalidateAsync(keys.GetRange(i, Math.Min(batchSize, keys.Count - i)));
            }
        }
        catch (CacheBackendException ex)
        {
            Log.BackupCleanupFailed(_logger, backup.Id, keys.Count, ex.Message);
        }
    }
}
