using System.Globalization;
using CacheFailover.Backends;
using CacheFailover.Drills.Chaos;
using CacheFailover.Engine;
using Microsoft.Extensions.Logging;

namespace CacheFailover.Drills;

/// <summary>A service a drill can inject faults into.</summary>
internal sealed record FaultTarget(string ServiceId, FaultInjectingBackend Backend);

/// <summary>
/// One drill, phase by phase, against an engine and its fault injectors — the same script for the
/// sandbox on a virtual clock and for the live engine in real time: warm up, inject, watch the
/// engine detect and fail over, clear, watch (or make) it recover, keep reading to catch stale
/// values, then judge what happened against what the options promise.
/// </summary>
/// <remarks>
/// Cancellation sources are cancelled synchronously (never <c>CancelAsync</c>): in simulate mode
/// every callback must run on the simulation thread, or the virtual clock runs ahead of it.
/// </remarks>
internal sealed class DrillSession
{
    public const int TotalSteps = 7;

    private readonly FailoverEngine _engine;
    private readonly TimeProvider _time;
    private readonly DrillPlan _plan;
    private readonly DrillRecorder _recorder;
    private readonly DrillTraffic _traffic;
    private readonly FaultTarget _primary;
    private readonly IReadOnlyList<FaultTarget> _backups;
    private readonly IProgress<DrillProgress>? _progress;
    private readonly ILogger? _liveLogger;
    private readonly Action<TimeSpan>? _holdClock;
    private readonly List<FaultTarget> _injected = [];
    private bool _manualRecovery;
    private bool? _primaryServingAtClear;

    /// <param name="engine">The engine under drill.</param>
    /// <param name="plan">What to do and what to expect.</param>
    /// <param name="recorder">Where observations go; its clock is the engine's.</param>
    /// <param name="traffic">The drill's traffic.</param>
    /// <param name="primary">The primary's fault injector.</param>
    /// <param name="backups">The backups' fault injectors, best first (only those the scenario needs).</param>
    /// <param name="progress">Progress per phase.</param>
    /// <param name="liveLogger">Set for live drills: every injection and clear is logged.</param>
    /// <param name="holdClock">Set for simulations: keeps the virtual clock still for a moment of real time (see <see cref="SimulationLoop.HoldClock"/>).</param>
    public DrillSession(FailoverEngine engine, DrillPlan plan, DrillRecorder recorder, DrillTraffic traffic, FaultTarget primary, IReadOnlyList<FaultTarget> backups, IProgress<DrillProgress>? progress, ILogger? liveLogger, Action<TimeSpan>? holdClock)
    {
        _holdClock = holdClock;
        _engine = engine;
        _time = engine.TimeProvider;
        _plan = plan;
        _recorder = recorder;
        _traffic = traffic;
        _primary = primary;
        _backups = backups;
        _progress = progress;
        _liveLogger = liveLogger;
    }

    private string Mode => _plan.Live ? "live" : "simulate";

    /// <summary>
    /// Runs the drill. <paramref name="abort"/> cuts it short (the report then says why, from
    /// <paramref name="abortReason"/>); <paramref name="cancellationToken"/> cancels it (it throws).
    /// Faults are always cleared before this returns.
    /// </summary>
    public async Task<DrillReport> RunAsync(Func<CancellationToken, Task>? cleanupAsync, Func<string?> abortReason, CancellationToken abort, CancellationToken cancellationToken)
    {
        _engine.EventRecorded += _recorder.OnEvent;
        _engine.HealthCheckRoundCompleted += _recorder.OnRound;
        using var stopTraffic = new CancellationTokenSource();
        Task? traffic = null;
        try
        {
            Report(1, $"{_plan.Scenario.ToWireName()} ({Mode}): {_plan.Expected}");
            _recorder.Note($"drill started ({Mode}); expected: {_plan.Expected}");
            traffic = _traffic.RunAsync(stopTraffic.Token, abort);

            Report(2, "warming up: drill traffic and health-check rounds, so that baselines exist");
            await WarmUpAsync(abort);

            Report(3, "injecting the fault");
            Inject();

            Report(4, _plan.ExpectFailover ? "waiting for the engine to detect the fault and fail over" : "watching the engine ride out the fault");
            await ObserveFaultAsync(abort);

            Report(5, "clearing the fault");
            Clear();

            Report(6, "waiting for the primary to serve again");
            await AwaitRecoveryAsync(abort);

            Report(7, "watching traffic after recovery and reading back every drill key");
            // Right after the failback every key is read at a fine pace: that is when a stale value would show.
            await HoldAsync(_plan.PostWindow, _plan.FinePace * DrillTraffic.KeyCount, TimeSpan.Zero, abort);
            stopTraffic.Cancel();
            await traffic;
            traffic = null;
            await _traffic.VerifyAllAsync(abort);
            _recorder.Note($"read back all {DrillTraffic.KeyCount} drill keys: {DrillRecorder.Count(_recorder.StaleReads)} stale read(s) in the whole drill");
        }
        catch (OperationCanceledException) when (abort.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            _recorder.Problem("the drill was cut short: " + (abortReason() ?? "it was aborted"));
        }
        finally
        {
            Clear();
            stopTraffic.Cancel();
            if (traffic is not null)
            {
                try
                {
                    await traffic;
                }
                catch (OperationCanceledException)
                {
                    // Aborted along with the drill.
                }
            }

            _engine.EventRecorded -= _recorder.OnEvent;
            _engine.HealthCheckRoundCompleted -= _recorder.OnRound;
        }

        if (cleanupAsync is not null)
        {
            await cleanupAsync(cancellationToken);
        }

        return BuildReport();
    }

    private async Task WarmUpAsync(CancellationToken abort)
    {
        var warmLimit = (_plan.Interval * (_plan.WarmRounds + 2)) + TimeSpan.FromTicks(_plan.FinePace.Ticks * _plan.WarmOperations) + TimeSpan.FromSeconds(1);
        var rounds = _plan.WarmRounds;
        if (_plan.Live && _plan.Scenario == DrillScenario.PrimarySlow && _engine.GetStatus().Services.Any(s => !s.IsActive && s.Health != ServiceHealth.Healthy))
        {
            // Degradation fails over only to a backup known to be healthy: let one probe round see them.
            rounds = _recorder.Rounds + 1;
        }

        if (_plan.Live)
        {
            warmLimit = warmLimit > TimeSpan.FromSeconds(30) ? TimeSpan.FromSeconds(30) : warmLimit;
        }

        _traffic.Pace = _plan.FinePace;
        var warm = await WaitUntilAsync(() => _recorder.Succeeded >= _plan.WarmOperations, warmLimit, _plan.FinePace, abort);
        _traffic.Pace = CoarseFor(warmLimit);
        warm &= await WaitUntilAsync(() => _recorder.Rounds >= rounds, warmLimit, _plan.Interval, abort);
        if (!warm)
        {
            _recorder.Note($"warm-up incomplete: {_recorder.Succeeded} successful operation(s), {_recorder.Rounds} probe round(s)");
        }

        if (!_plan.Live && _plan.Interval <= DrillPlan.LongSpan)
        {
            // Strike halfway between two probe rounds: the fault is not conveniently timed for the probes.
            var seen = _recorder.Rounds;
            await WaitUntilAsync(() => _recorder.Rounds > seen, _plan.Interval + _plan.ProbeTimeout + TimeSpan.FromSeconds(1), _plan.Interval, abort);
            await HoldAsync(_plan.Interval / 2, leadIn: TimeSpan.Zero, leadOut: Lead, abort);
        }

        var status = _engine.GetStatus();
        var primary = status.Services.First(s => s.ServiceId == status.PrimaryServiceId);
        var baseline = primary.BaselineResponseMs is { } b ? string.Create(CultureInfo.InvariantCulture, $"{b:0.###} ms") : "not learned yet";
        _recorder.Note($"warm-up done: {DrillRecorder.Count(_recorder.Succeeded)} operation(s), {_recorder.Rounds} probe round(s); primary baseline {baseline}; "
            + string.Join(", ", status.Services.Select(s => $"{s.ServiceId} {s.Health.ToWireName()}")));
    }

    private void Inject()
    {
        switch (_plan.Scenario)
        {
            case DrillScenario.PrimaryDown:
                InjectInto(_primary, t => t.RefuseConnections(), "refusing connections");
                break;
            case DrillScenario.PrimaryTimeout:
                InjectInto(_primary, t => t.Hang(), "hanging (calls never answer until the fault is cleared)");
                break;
            case DrillScenario.PrimarySlow:
                InjectInto(_primary, t => t.AddLatency(_plan.SlowLatency), $"{DrillPlan.Format(_plan.SlowLatency)} added to every call");
                break;
            case DrillScenario.PrimaryFlapping:
                InjectInto(_primary, t => t.Flap(_plan.FlapPhase, _plan.FlapPhase), $"flapping {DrillPlan.Format(_plan.FlapPhase)} up / {DrillPlan.Format(_plan.FlapPhase)} down");
                break;
            case DrillScenario.BackupDown when _backups.Count == 0:
                // Nothing to take down; the plan's CannotWork says so in the report.
                _recorder.Note("no fault injected: the engine has no backup");
                break;
            case DrillScenario.BackupDown:
                InjectInto(_backups[0], t => t.RefuseConnections(), "refusing connections");
                break;
            case DrillScenario.AllDown:
                // Backups first: a primary that fell first would fail over before the backups fell.
                foreach (var backup in _backups)
                {
                    InjectInto(backup, t => t.RefuseConnections(), "refusing connections");
                }

                InjectInto(_primary, t => t.RefuseConnections(), "refusing connections");
                break;
            default:
                throw new InvalidOperationException($"Unknown drill scenario {_plan.Scenario}.");
        }
    }

    private void InjectInto(FaultTarget target, Action<FaultInjectingBackend> inject, string description)
    {
        var text = $"'{target.ServiceId}' {description}";
        if (_injected.Count == 0)
        {
            _recorder.MarkFault(text);
        }
        else
        {
            _recorder.Note("fault injected: " + text);
        }

        _injected.Add(target);
        if (_liveLogger is not null)
        {
            DrillLog.FaultInjected(_liveLogger, target.ServiceId, description);
        }

        inject(target.Backend);
    }

    private void Clear()
    {
        if (_injected.Count == 0)
        {
            return;
        }

        _primaryServingAtClear ??= string.Equals(_engine.ActiveServiceId, _recorder.PrimaryId, StringComparison.Ordinal);
        var cleared = _injected.Select(t => t.ServiceId).ToArray();
        foreach (var target in _injected)
        {
            target.Backend.Clear();
            if (_liveLogger is not null)
            {
                DrillLog.FaultCleared(_liveLogger, target.ServiceId);
            }
        }

        _injected.Clear();

        if (_plan.Scenario == DrillScenario.PrimaryTimeout)
        {
            // Clearing a hang releases the held calls through the thread pool: let them land before the clock moves.
            _holdClock?.Invoke(TimeSpan.FromMilliseconds(25));
        }

        _recorder.MarkCleared(string.Join(", ", cleared.Select(id => $"'{id}'")) + " back to normal");
    }

    private async Task ObserveFaultAsync(CancellationToken abort)
    {
        _traffic.Pace = _plan.FinePace;
        if (_plan.ExpectFailover)
        {
            var failedOver = await WaitUntilAsync(() => _recorder.Failover is not null && _recorder.FirstBackupSuccessAt is not null, _plan.ObservationWindow, _plan.FinePace, abort);
            if (!failedOver)
            {
                _recorder.Note($"no failover (with an operation served by a backup) within {DrillPlan.Format(_plan.ObservationWindow)} of the fault");
            }

            if (_recorder.Failover is not null)
            {
                var hold = _plan.HoldAfterFailover;
                _recorder.Note($"keeping the fault for {DrillPlan.Format(hold)} more while a backup serves");
                await HoldAsync(hold, Lead, Lead, abort);
            }
        }
        else
        {
            await HoldAsync(_plan.ObservationWindow, Lead, Lead, abort);
        }

        if (_plan.Scenario == DrillScenario.BackupDown && _backups.Count > 0)
        {
            var backup = _engine.GetStatus().Services.First(s => s.ServiceId == _backups[0].ServiceId);
            _recorder.Note($"after {DrillPlan.Format(_plan.ObservationWindow)}: '{backup.ServiceId}' is {backup.Health.ToWireName()}, '{_engine.ActiveServiceId}' serves");
        }
        else if (_recorder.FailedFailovers > 0)
        {
            _recorder.Note($"{DrillRecorder.Count(_recorder.FailedFailovers)} failover attempt(s) failed while the fault lasted");
        }
    }

    private async Task AwaitRecoveryAsync(CancellationToken abort)
    {
        var primaryId = _recorder.PrimaryId;
        if (_recorder.Failover is not null && !string.Equals(_engine.ActiveServiceId, primaryId, StringComparison.Ordinal))
        {
            await AwaitFailbackAsync(abort);
        }
        else if (_recorder.FirstErrorAt is not null || _plan.ExpectErrors)
        {
            var back = await WaitUntilAsync(() => _recorder.FirstPrimarySuccessAfterClearAt is not null, (_plan.FinePace * 10) + TimeSpan.FromSeconds(1), _plan.FinePace, abort);
            if (!back)
            {
                _recorder.Note("the primary has not served an operation since the clear");
            }
        }
        else if (_plan.Scenario == DrillScenario.BackupDown && _backups.Count > 0)
        {
            var backupId = _backups[0].ServiceId;
            var healthy = await WaitUntilAsync(
                () => _engine.GetStatus().Services.First(s => s.ServiceId == backupId).Health == ServiceHealth.Healthy,
                (_plan.Interval * 2) + _plan.ProbeTimeout + TimeSpan.FromSeconds(1),
                _plan.FinePace,
                abort);
            _recorder.Note(healthy
                ? $"'{backupId}' healthy again, {DrillRecorder.Ms(_recorder.Now - _recorder.ClearedAt!.Value)} after the clear"
                : $"'{backupId}' not yet healthy again {DrillRecorder.Ms(_recorder.Now - _recorder.ClearedAt!.Value)} after the clear");
        }
    }

    private async Task AwaitFailbackAsync(CancellationToken abort)
    {
        var status = _engine.GetStatus();
        var clearedAt = _recorder.ClearedAt ?? _recorder.Now;
        var heldUntil = status.PrimaryHeldDownUntil;
        var remaining = heldUntil is { } until && until > clearedAt ? until - clearedAt : TimeSpan.Zero;
        var upper = _plan.RecoveryUpperBound(remaining);
        var lower = _plan.RecoveryLowerBound(remaining);
        string? manualReason = null;
        if (!_plan.Options.AutoRecoveryEnabled)
        {
            manualReason = "auto_recovery_enabled is false: the primary would stay out until an operator recovers it";
        }
        else if (status.AutoRecoverySuspended)
        {
            manualReason = "automatic recovery is suspended by an earlier manual failover";
        }
        else if (upper > _plan.RecoveryCap)
        {
            manualReason = $"automatic recovery is expected within {DrillPlan.Format(upper)} (hold-down {DrillPlan.Format(remaining)} left, {_plan.Options.RecoveryThreshold} probes every {DrillPlan.Format(_plan.Interval)}), beyond this drill's {DrillPlan.Format(_plan.RecoveryCap)} cap";
        }

        if (manualReason is null)
        {
            _recorder.Note($"waiting for automatic recovery: hold-down {DrillPlan.Format(remaining)} left, then {_plan.Options.RecoveryThreshold} consecutive successful probes; expected between {DrillPlan.Format(lower)} and {DrillPlan.Format(upper)} after the clear");
            _traffic.Pace = CoarseFor(upper);
            var recovered = await WaitUntilAsync(() => _recorder.Recovery is not null, upper + _plan.Interval, CoarseFor(upper), abort);
            _traffic.Pace = _plan.FinePace;
            if (recovered && _recorder.RecoveredAt is { } at)
            {
                var took = at - clearedAt;
                if (took > upper)
                {
                    _recorder.Problem($"automatic recovery took {DrillPlan.Format(took)} after the clear, more than the expected {DrillPlan.Format(upper)}");
                }
                else if (took < lower - TimeSpan.FromMilliseconds(1))
                {
                    _recorder.Problem($"automatic recovery came {DrillPlan.Format(took)} after the clear, before the expected {DrillPlan.Format(lower)} (hold-down or recovery_threshold not honoured)");
                }

                if (heldUntil is { } h && at < h)
                {
                    _recorder.Problem($"the primary was switched back {DrillPlan.Format(h - at)} before its hold-down ended");
                }

                return;
            }

            _recorder.Problem($"no automatic recovery within {DrillPlan.Format(upper + _plan.Interval)} of the clear");
            manualReason = "no automatic recovery came in time";
        }
        else
        {
            // Show that nothing comes back by itself when it should not, then act as the operator would.
            var cap = _plan.Live ? TimeSpan.FromSeconds(2) : _plan.RecoveryCap;
            var wait = _plan.Interval * 2 < cap ? _plan.Interval * 2 : cap;
            _recorder.Note($"{manualReason}; watching {DrillPlan.Format(wait)}, then recovering manually");
            _traffic.Pace = CoarseFor(wait);
            await Task.Delay(wait, _time, abort);
            _traffic.Pace = _plan.FinePace;
            if (_recorder.Recovery is not null)
            {
                if (!_plan.Options.AutoRecoveryEnabled)
                {
                    _recorder.Problem("the engine switched back to the primary by itself although auto_recovery_enabled is false");
                }

                return;
            }
        }

        await RecoverManuallyAsync(manualReason, abort);
    }

    private async Task RecoverManuallyAsync(string why, CancellationToken abort)
    {
        _manualRecovery = true;
        _recorder.Note("manual recovery requested: " + why);
        var result = await _engine.TriggerManualRecoveryAsync("failover drill: " + why, flushDirtyPrimary: false, abort);
        if (!result.Success)
        {
            _recorder.Problem("manual recovery did not succeed: " + (result.RefusalReason ?? result.Event?.Error ?? "no reason given"));
        }
    }

    /// <summary>The coarse pace, stretched so that a long wait costs at most a few hundred traffic rounds.</summary>
    private TimeSpan CoarseFor(TimeSpan span)
    {
        var stretched = span / 400;
        return stretched > _plan.CoarsePace && !_plan.Live ? stretched : _plan.CoarsePace;
    }

    /// <summary>Ten fine-paced traffic rounds: the traffic runs at the fine pace this long around every moment that matters.</summary>
    private TimeSpan Lead => _plan.FinePace * 10;

    /// <summary>
    /// Lets <paramref name="span"/> pass with traffic at the fine pace for <paramref name="leadIn"/> and
    /// <paramref name="leadOut"/> at its ends and at the coarse pace between (simulations stay cheap
    /// through long waits without missing what happens at their edges).
    /// </summary>
    private async Task HoldAsync(TimeSpan span, TimeSpan leadIn, TimeSpan leadOut, CancellationToken abort)
    {
        if (span <= leadIn + leadOut || _plan.Live)
        {
            _traffic.Pace = _plan.FinePace;
            await Task.Delay(span, _time, abort);
            return;
        }

        _traffic.Pace = _plan.FinePace;
        if (leadIn > TimeSpan.Zero)
        {
            await Task.Delay(leadIn, _time, abort);
        }

        _traffic.Pace = CoarseFor(span);
        await Task.Delay(span - leadIn - leadOut, _time, abort);
        _traffic.Pace = _plan.FinePace;
        if (leadOut > TimeSpan.Zero)
        {
            await Task.Delay(leadOut, _time, abort);
        }
    }

    /// <summary>Waits until <paramref name="condition"/> holds (checked on every recorder change and every <paramref name="poll"/>), or <paramref name="limit"/> passes.</summary>
    private async Task<bool> WaitUntilAsync(Func<bool> condition, TimeSpan limit, TimeSpan poll, CancellationToken abort)
    {
        var deadline = _time.GetUtcNow() + limit;
        while (true)
        {
            var changed = _recorder.Changed;
            if (condition())
            {
                return true;
            }

            var remaining = deadline - _time.GetUtcNow();
            if (remaining <= TimeSpan.Zero)
            {
                return false;
            }

            using var wake = CancellationTokenSource.CreateLinkedTokenSource(abort);
            var delay = Task.Delay(remaining < poll ? remaining : poll, _time, wake.Token);
            await Task.WhenAny(changed, delay);
            wake.Cancel();
            abort.ThrowIfCancellationRequested();
        }
    }

    private void Report(int step, string message) => _progress?.Report(new DrillProgress(step, TotalSteps, message));

    private DrillReport BuildReport()
    {
        var r = _recorder;
        var problems = new List<string>(r.Problems);
        if (_plan.CannotWork is { } cannotWork)
        {
            problems.Add(cannotWork);
        }

        if (r.StaleReads > 0)
        {
            problems.Add($"{DrillRecorder.Count(r.StaleReads)} stale read(s)");
        }

        var failover = r.Failover;
        var detection = failover is not null && r.FaultAt is { } faultAt ? failover.StartedAt - faultAt : (TimeSpan?)null;
        if (_plan.ExpectFailover)
        {
            if (failover is null)
            {
                problems.Add($"no failover within {DrillPlan.Format(_plan.ObservationWindow)} of the fault");
            }
            else
            {
                if (!_plan.AllowedTriggers.Contains(failover.Trigger))
                {
                    problems.Add($"the failover's trigger was {failover.Trigger.ToWireName()}, expected {string.Join(" or ", _plan.AllowedTriggers.Select(t => t.ToWireName()))}");
                }

                if (detection > _plan.DetectionBound)
                {
                    problems.Add($"detection took {DrillPlan.Format(detection.Value)}, more than the expected {DrillPlan.Format(_plan.DetectionBound)}");
                }

                if (r.FirstBackupSuccessAt is null)
                {
                    problems.Add("no operation was served by a backup");
                }
            }
        }
        else if (failover is not null)
        {
            problems.Add($"the engine failed over ({failover.Trigger.ToWireName()}) although no failover was expected");
        }

        if (failover is not null && !string.Equals(_engine.ActiveServiceId, r.PrimaryId, StringComparison.Ordinal))
        {
            problems.Add($"the primary does not serve at the end of the drill ('{_engine.ActiveServiceId}' does)");
        }

        if (_plan.Scenario == DrillScenario.PrimaryFlapping && _plan.NoRecoveryWhileFlapping && r.RecoveriesDuringFault > 0)
        {
            problems.Add($"the engine switched back to the flapping primary {r.RecoveriesDuringFault} time(s) while it flapped");
        }

        if (_plan.Scenario == DrillScenario.AllDown)
        {
            if (r.Errors == 0)
            {
                problems.Add("no operation failed although every service was down");
            }

            if (r.LongestOperationDuringFault >= _plan.OperationTimeout)
            {
                problems.Add($"an operation took {DrillPlan.Format(r.LongestOperationDuringFault)} while every service was down: errors were not fast");
            }

            if (r.FirstPrimarySuccessAfterClearAt is null)
            {
                problems.Add("the primary did not serve again after the clear");
            }
        }

        if (_plan.Scenario == DrillScenario.BackupDown && r.Errors > 0)
        {
            problems.Add($"{DrillRecorder.Count(r.Errors)} operation(s) failed although the primary was fine");
        }

        double? recoveryMs = failover is not null
            ? (_primaryServingAtClear == true ? 0 : DrillRecorder.MsBetween(r.ClearedAt, r.RecoveredAt))
            : r.FirstErrorAt is not null || _plan.ExpectErrors ? DrillRecorder.MsBetween(r.ClearedAt, r.FirstPrimarySuccessAfterClearAt) : null;
        var detectionMs = detection is { } d ? Math.Round(Math.Max(0, d.TotalMilliseconds), 3) : (double?)null;
        var failoverMs = DrillRecorder.MsBetween(r.FaultAt, r.FirstBackupSuccessAt);
        var passed = problems.Count == 0;
        var summary = Summarize(passed, problems, detectionMs, failoverMs, recoveryMs);
        r.Note((passed ? "passed: " : "failed: ") + summary);
        return new DrillReport(
            _plan.Scenario.ToWireName(),
            Mode,
            passed,
            r.Timeline,
            detectionMs,
            failoverMs,
            recoveryMs,
            r.Operations,
            r.Errors,
            r.StaleReads,
            _plan.Expected,
            summary);
    }

    private string Summarize(bool passed, List<string> problems, double? detectionMs, double? failoverMs, double? recoveryMs)
    {
        var r = _recorder;
        var facts = new List<string>();
        if (r.Failover is { } f)
        {
            facts.Add($"failed over to '{f.ToServiceId}' ({f.Trigger.ToWireName()}, epoch {f.Epoch}) {Ms(detectionMs)} after the fault");
            if (failoverMs is not null)
            {
                facts.Add($"a backup served {Ms(failoverMs)} after the fault");
            }

            facts.Add(_primaryServingAtClear == true ? "the primary was serving again before the fault cleared"
                : recoveryMs is not null
                ? $"the primary served again {Ms(recoveryMs)} after the clear ({(_manualRecovery ? "manual recovery" : "automatic recovery")}, {r.Recovery?.ReconciledKeys ?? 0} key(s) reconciled)"
                : "the primary did not serve again");
        }
        else
        {
            facts.Add(r.FailedFailovers > 0 ? $"no failover succeeded ({DrillRecorder.Count(r.FailedFailovers)} attempt(s) failed)" : "no failover");
            if (recoveryMs is not null)
            {
                facts.Add($"the primary served again {Ms(recoveryMs)} after the clear");
            }
        }

        facts.Add($"{DrillRecorder.Count(r.StaleReads)} stale read(s) and {DrillRecorder.Count(r.Errors)} error(s) in {DrillRecorder.Count(r.Operations)} operation(s)");
        var text = string.Join("; ", facts) + ".";
        return passed ? text : "Not as expected: " + string.Join("; ", problems) + ". " + text;

        static string Ms(double? ms) => ms is { } v ? DrillPlan.Format(TimeSpan.FromMilliseconds(v)) : "?";
    }
}
