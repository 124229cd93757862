using System.Globalization;
using CacheFailover.Health;
using CacheFailover.Options;
using CacheFailover.Services;
using CacheFailover.Telemetry;
using Microsoft.Extensions.Logging;

namespace CacheFailover.Engine;

/// <summary>
/// Fails over for sustained slowness, off the hot path, judging like against like.
/// </summary>
/// <remarks>
/// <para>
/// Operations only raise suspicion: their latency includes this process's own queueing (a client
/// with thousands of calls in flight waits for itself), and the backup they would be compared with
/// carries no traffic. So when the serving service has looked slow for <c>degradation_sustain_ms</c>,
/// the probes must agree: the median of its recent probes — on the probe path, which the Redis
/// backend keeps on a connection of its own, not queued behind operations — against the probes'
/// own baseline. When the probe loop's probes do not already say so,
/// <see cref="EngineTimings.DegradationConfirmationProbes"/> fresh ones are sent. The candidate is
/// judged by its probes too. Only when the probes agree, and a candidate is clearly faster, does it fail over.
/// </para>
/// <para>
/// A successful operation costs one timestamp comparison here; at most every
/// <see cref="EngineTimings.DegradationCheckInterval"/> one of them reads the tracker, and the
/// confirmation runs without that operation waiting for it.
/// </para>
/// </remarks>
internal sealed class DegradationWatcher(
    FailoverController controller,
    ServiceRegistry registry,
    ServiceProber prober,
    FailoverCoordinator failover,
    EngineOptions options,
    TimeProvider time,
    ILogger logger) : IDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private int _watching;
    private double _jitterStep;
    private readonly long _checkIntervalTicks = (long)(EngineTimings.DegradationCheckInterval.TotalSeconds * time.TimestampFrequency);
    private readonly long _confirmationIntervalTicks = (long)(EngineTimings.DegradationConfirmationInterval.TotalSeconds * time.TimestampFrequency);
    private long _nextCheck;
    private long _nextConfirmation;
    private int _checking;

    /// <summary>Called by every successful operation on the serving service; returns at once.</summary>
    public void OnOperationSucceeded(CacheService service, long nowTimestamp)
    {
        var next = Volatile.Read(ref _nextCheck);
        if (nowTimestamp < next || Interlocked.CompareExchange(ref _nextCheck, nowTimestamp + _checkIntervalTicks, next) != next)
        {
            return;
        }

        var current = options.Current;
        if (!current.EnableFailover || service.Health.SlowFor(nowTimestamp, current) is not { } slowFor)
        {
            return;
        }

        _ = RunInBackgroundAsync(slowFor.TotalMilliseconds >= current.DegradationSustainMs ? ConfirmAndFailOverAsync(service) : WatchAsync(service));
    }

    /// <summary>Called after every probe round with the serving service.</summary>
    public Task CheckAsync(CacheService service)
    {
        var current = options.Current;
        if (!current.EnableFailover)
        {
            return Task.CompletedTask;
        }

        if (service.Health.SlowFor(time.GetTimestamp(), current) is not { } slowFor)
        {
            // One slow probe decides nothing, but it is worth a closer look.
            if (service.Health.LatestProbeSlow(current))
            {
                _ = RunInBackgroundAsync(WatchAsync(service));
            }

            return Task.CompletedTask;
        }

        if (slowFor.TotalMilliseconds >= current.DegradationSustainMs)
        {
            return ConfirmAndFailOverAsync(service);
        }

        _ = RunInBackgroundAsync(WatchAsync(service));
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        _stopping.Cancel();
        _stopping.Dispose();
    }

    /// <summary>
    /// While the serving service looks slow but not yet for <c>degradation_sustain_ms</c>, it is
    /// probed every <see cref="EngineTimings.DegradationWatchInterval"/> (with jitter, so that the
    /// probes do not fall into the gaps of a server that stalls at a steady rhythm), until the run
    /// of slowness either ends or lasts long enough to decide on. The decision then rests on a
    /// dozen fresh probes rather than on the few the probe loop takes every
    /// <c>health_check_interval_seconds</c>.
    /// </summary>
    private async Task WatchAsync(CacheService service)
    {
        if (Interlocked.Exchange(ref _watching, 1) == 1)
        {
            return;
        }

        try
        {
            var token = _stopping.Token;
            var giveUpAt = time.GetTimestamp() + (long)((options.Current.DegradationSustainMs / 1000.0 + EngineTimings.DegradationWatchLimit.TotalSeconds) * time.TimestampFrequency);

            // Started on one slow probe, the watch takes enough probes of its own to judge a median.
            var probesToJudge = ProbeStatistics.RecentCount;
            while (!token.IsCancellationRequested)
            {
                var current = options.Current;
                var now = time.GetTimestamp();
                var slowFor = service.Health.SlowFor(now, current);
                if (!current.EnableFailover || controller.Current.Active != service || now > giveUpAt
                    || (slowFor is null && probesToJudge <= 0))
                {
                    return;
                }

                if (slowFor?.TotalMilliseconds >= current.DegradationSustainMs)
                {
                    await ConfirmAndFailOverAsync(service);
                    return;
                }

                // Spread by the golden ratio's fractions: never in step with a server's rhythm, yet
                // the same sequence every time (a virtual clock replays it exactly).
                _jitterStep = (_jitterStep + 0.6180339887) % 1;
                var jitter = 0.5 + _jitterStep;
                await Task.Delay(EngineTimings.DegradationWatchInterval * jitter, time, token);
                await prober.ProbeAsync(service, token);
                probesToJudge--;
            }
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            // The engine is stopping.
        }
        catch (ObjectDisposedException)
        {
            // The engine was disposed while waiting.
        }
        finally
        {
            Volatile.Write(ref _watching, 0);
        }
    }

    private async Task RunInBackgroundAsync(Task check)
    {
        try
        {
            await check;
        }
#pragma warning disable CA1031 // A background check must never crash the process; it is logged.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            Log.BackgroundTaskFailed(logger, ex);
        }
    }

    private async Task ConfirmAndFailOverAsync(CacheService service)
    {
        if (Interlocked.Exchange(ref _checking, 1) == 1)
        {
            return;
        }

        try
        {
            var state = controller.Current;
            var now = time.GetTimestamp();
            if (state.Active != service || state.Status is FailoverStatus.FailingOver or FailoverStatus.Recovering || now < Volatile.Read(ref _nextConfirmation))
            {
                return;
            }

            var current = options.Current;
            var trigger = service.IsPrimary ? FailoverTrigger.PerformanceDegradation : (current.CascadeFailoverEnabled ? FailoverTrigger.CascadeFailure : (FailoverTrigger?)null);
            if (trigger is null)
            {
                return;
            }

            // The probe loop's own probes, taken at moments of their own choosing, may already say
            // so. If not (only operations look slow), fresh probes must: back-to-back probes can all
            // land in the gaps of a server that stalls in bursts, which is why they only confirm.
            if (!service.Health.ProbesSlow(current))
            {
                for (var i = 0; i < EngineTimings.DegradationConfirmationProbes; i++)
                {
                    if (await prober.ProbeAsync(service) is not null)
                    {
                        return; // A failing probe is the health rules' business, not slowness.
                    }
                }
            }

            if (!service.Health.ProbesSlow(current) || service.Health.ProbeLatency is not { } slow)
            {
                // Slow operations, fast probes: the time went inside this process.
                Volatile.Write(ref _nextConfirmation, time.GetTimestamp() + _confirmationIntervalTicks);
                return;
            }

            var better = await FindFasterCandidateAsync(service, slow, current);
            if (better is null)
            {
                Volatile.Write(ref _nextConfirmation, time.GetTimestamp() + _confirmationIntervalTicks);
                return;
            }

            var reason = string.Create(CultureInfo.InvariantCulture,
                $"'{service.Id}' answers probes in {slow.TotalMilliseconds:0.###} ms, more than {current.PerformanceDegradationThreshold:P0} over its probe baseline of {service.Health.Snapshot(current).ProbeBaselineMs:0.###} ms, slow for at least {current.DegradationSustainMs} ms; '{better.Id}' answers probes in {better.Health.LatencyEstimate?.TotalMilliseconds:0.###} ms");
            await failover.FailOverAsync(trigger.Value, reason, state.Epoch, service, better, automatic: true);
        }
        finally
        {
            Volatile.Write(ref _checking, 0);
        }
    }

    /// <summary>The best-ranked healthy backup whose fresh probe is clearly faster than <paramref name="slow"/>.</summary>
    private async Task<CacheService?> FindFasterCandidateAsync(CacheService service, TimeSpan slow, FailoverOptions current)
    {
        foreach (var candidate in ServiceSelector.Rank(registry.All.Where(s => s != service && !s.IsPrimary), current))
        {
            if (await prober.ProbeAsync(candidate) is null
                && candidate.Health.Evaluate(current) == ServiceHealth.Healthy
                && candidate.Health.LatencyEstimate is { } estimate
                && estimate.Ticks * (1 + current.PerformanceDegradationThreshold) < slow.Ticks)
            {
                return candidate;
            }
        }

        return null;
    }
}
