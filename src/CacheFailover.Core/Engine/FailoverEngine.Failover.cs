using CacheFailover.Options;
using CacheFailover.Services;
using CacheFailover.Telemetry;

namespace CacheFailover.Engine;

/// <summary>Failing over: choosing a candidate, verifying it, switching, recording the event.</summary>
public sealed partial class FailoverEngine
{
    private static readonly TimeSpan DegradationCheckInterval = EngineTimings.DegradationCheckInterval;
    private volatile FailoverEvent? _lastFailedFailover;
    private long _failoverRetryAfter;

    /// <summary>
    /// Fails over at an operator's request, to <paramref name="targetServiceId"/> or to the best
    /// candidate. Refused (with <see cref="FailoverRefusedException"/>, nothing changed) when the
    /// target is unknown, already serving, the primary (use recovery), or unhealthy. After a manual
    /// failover automatic recovery waits for a manual recovery: the operator moved traffic on purpose.
    /// </summary>
    public async Task<FailoverEvent> TriggerManualFailoverAsync(string reason, string? targetServiceId = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        var options = _options;
        var state = _controller.Current;
        CacheService? target = null;
        if (targetServiceId is not null)
        {
            target = _registry.Find(targetServiceId)
                ?? throw new FailoverRefusedException($"target_service_id '{targetServiceId}' is not registered; registered services: {string.Join(", ", _registry.All.Select(s => s.Id))}.");
            if (target == state.Active)
            {
                throw new FailoverRefusedException($"'{target.Id}' already serves; nothing to fail over to.");
            }

            if (target.IsPrimary)
            {
                throw new FailoverRefusedException($"'{target.Id}' is the primary; switching back to it is a recovery (trigger_manual_recovery), which reconciles the failback journal first.");
            }

            var health = target.Health.Evaluate(options);
            if (health == ServiceHealth.Unhealthy)
            {
                throw new FailoverRefusedException($"'{target.Id}' is unhealthy ({target.Health.Snapshot(options).LastError ?? "failing probes"}); choose a healthy backup.");
            }
        }
        else if (!_registry.All.Any(s => s != state.Active && !s.IsPrimary))
        {
            throw new FailoverRefusedException("There is no backup to fail over to; register one with register_failover_service.");
        }

        if (state.Status is FailoverStatus.FailingOver or FailoverStatus.Recovering)
        {
            throw new FailoverRefusedException($"A {(state.Status == FailoverStatus.Recovering ? "recovery" : "failover")} is in progress; try again when it has finished.");
        }

        cancellationToken.ThrowIfCancellationRequested();
        var result = await FailOverAsync(FailoverTrigger.Manual, reason, state.Epoch, state.Active, target, automatic: false)
            ?? throw new FailoverRefusedException("The serving service changed while the request was being made; read the status and try again.");
        if (result.Success)
        {
            _autoRecoverySuspended = true;
        }

        return result;
    }

    /// <summary>
    /// Switches away from <paramref name="from"/> if the epoch is still <paramref name="expectedEpoch"/>.
    /// Returns the event, or null when another decision already moved the epoch (I3) or a switch was
    /// already running (then it waits for that switch).
    /// </summary>
    internal async Task<FailoverEvent?> FailOverAsync(FailoverTrigger trigger, string reason, long expectedEpoch, CacheService from, CacheService? target, bool automatic, bool throttled = false)
    {
        // During an outage every failing operation would try (and record) a failover; after one
        // attempt found no candidate, operations reuse its answer until the retry interval passed.
        // Health rounds are not throttled: they are already paced by the check interval.
        if (throttled && _lastFailedFailover is { } last && last.Epoch == expectedEpoch && last.FromServiceId == from.Id
            && _time.GetTimestamp() < Interlocked.Read(ref _failoverRetryAfter))
        {
            return last;
        }

        if (!_controller.TryBeginSwitch(expectedEpoch, FailoverStatus.FailingOver, out var running))
        {
            await running;
            return null;
        }

        var options = _options;
        var decided = _time.GetTimestamp();
        var startedAt = _time.GetUtcNow();
        TimeSpan? detection = automatic && from.Health.FailureStreakStart is { } streak ? _time.GetElapsedTime(streak, decided) : null;
        var candidates = target is not null
            ? [target]
            : ServiceSelector.Rank(_registry.All.Where(s => s != from && !s.IsPrimary), options);

        var errors = new List<string>();
        foreach (var candidate in candidates.Take(options.MaxFailoverAttempts))
        {
            var verified = await VerifyAsync(candidate, options.OperationTimeout);
            if (verified is not null)
            {
                errors.Add($"{candidate.Id}: {verified}");
                continue;
            }

            var next = _controller.CompleteSwitch(candidate, FailoverStatus.FailedOver);
            from.Health.ForgetRecentSamples();
            if (from.IsPrimary)
            {
                NotePrimaryFailedOver(options);
            }

            var success = new FailoverEvent(_history.NextId(), FailoverEventKind.Failover, next.Epoch, trigger, from.Id, candidate.Id, reason, startedAt, detection, _time.GetElapsedTime(decided), true, null, 0, automatic);
            _metrics.Failover(trigger.ToWireName(), true);
            Log.FailedOver(_logger, from.Id, candidate.Id, trigger.ToWireName(), next.Epoch, reason);
            Record(success);
            return success;
        }

        _controller.AbortSwitch();
        if (candidates.Count == 0)
        {
            errors.Add("no healthy candidate (" + DescribeServices() + ")");
        }

        var error = string.Join("; ", errors);
        var failure = new FailoverEvent(_history.NextId(), FailoverEventKind.Failover, _controller.Current.Epoch, trigger, from.Id, null, reason, startedAt, detection, _time.GetElapsedTime(decided), false, error, 0, automatic);
        _metrics.Failover(trigger.ToWireName(), false);
        Log.FailoverFailed(_logger, from.Id, trigger.ToWireName(), error);
        var retryInterval = TimeSpan.FromSeconds(Math.Min(options.HealthCheckIntervalSeconds, 1));
        Interlocked.Exchange(ref _failoverRetryAfter, _time.GetTimestamp() + (long)(retryInterval.TotalSeconds * _time.TimestampFrequency));
        _lastFailedFailover = failure;
        Record(failure);
        return failure;
    }

    /// <summary>One probe of a candidate just before switching to it; null when it answered, else why not.</summary>
    private async Task<string?> VerifyAsync(CacheService candidate, TimeSpan timeout)
    {
        var started = _time.GetTimestamp();
        try
        {
            var pending = candidate.Backend.PingAsync();
            if (!pending.IsCompletedSuccessfully)
            {
                await WithDeadlineAsync(pending, candidate, timeout, (int)timeout.TotalMilliseconds, CancellationToken.None);
            }

            candidate.Health.RecordProbeSuccess(_time.GetElapsedTime(started));
            return null;
        }
        catch (Backends.CacheBackendException ex)
        {
            candidate.Health.RecordProbeFailure(started, ex.Kind, ex.Message);
            return ex.Message;
        }
    }

    /// <summary>
    /// Fails over for sustained slowness (degraded for at least <c>degradation_sustain_ms</c>) when a
    /// clearly faster, healthy candidate exists. Checked at most every 100 ms so the hot path stays cheap.
    /// </summary>
    private ValueTask CheckDegradationAsync(CacheService service, ServingState state, FailoverOptions options, long nowTimestamp)
    {
        var next = Volatile.Read(ref _nextDegradationCheck);
        if (nowTimestamp < next || Interlocked.CompareExchange(ref _nextDegradationCheck, nowTimestamp + (long)(DegradationCheckInterval.TotalSeconds * _time.TimestampFrequency), next) != next)
        {
            return ValueTask.CompletedTask;
        }

        return FailOverIfDegradedAsync(service, state, options, nowTimestamp);
    }

    private async ValueTask FailOverIfDegradedAsync(CacheService service, ServingState state, FailoverOptions options, long nowTimestamp)
    {
        if (service.Health.DegradedFor(nowTimestamp, options) is not { } degradedFor
            || degradedFor.TotalMilliseconds < options.DegradationSustainMs
            || service.Health.WorstRecentLatency is not { } slow)
        {
            return;
        }

        var better = FindFasterCandidate(service, slow, options);
        if (better is null)
        {
            return;
        }

        var reason = $"'{service.Id}' has averaged {slow.TotalMilliseconds:0.###} ms for {degradedFor.TotalMilliseconds:0} ms, more than {options.PerformanceDegradationThreshold:P0} over its baseline; '{better.Id}' answers in {better.Health.LatencyEstimate?.TotalMilliseconds:0.###} ms";
        var trigger = service.IsPrimary ? FailoverTrigger.PerformanceDegradation : (options.CascadeFailoverEnabled ? FailoverTrigger.CascadeFailure : (FailoverTrigger?)null);
        if (trigger is { } t)
        {
            await FailOverAsync(t, reason, state.Epoch, service, better, automatic: true);
        }
    }

    private CacheService? FindFasterCandidate(CacheService service, TimeSpan slow, FailoverOptions options)
    {
        foreach (var candidate in ServiceSelector.Rank(_registry.All.Where(s => s != service && !s.IsPrimary), options))
        {
            if (candidate.Health.Evaluate(options) == ServiceHealth.Healthy
                && candidate.Health.LatencyEstimate is { } estimate
                && estimate.Ticks * (1 + options.PerformanceDegradationThreshold) < slow.Ticks)
            {
                return candidate;
            }
        }

        return null;
    }
}
