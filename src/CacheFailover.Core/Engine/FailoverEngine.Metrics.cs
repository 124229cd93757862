using CacheFailover.Health;

namespace CacheFailover.Engine;

/// <summary>The performance snapshot for the metrics tool.</summary>
public sealed partial class FailoverEngine
{
    private TimeSpan? _lastInvalidation;
    private long _invalidatedTotal;

    /// <summary>The longest window <see cref="GetPerformanceMetrics"/> can cover.</summary>
    public static TimeSpan MaxMetricsWindow => ServiceHealthTracker.SliceLength * (ServiceHealthTracker.SliceCount - 1);

    /// <summary>
    /// Operation counts and latency percentiles per service, failover and recovery figures, journal
    /// invalidations and time per status, over the last <paramref name="window"/> (default 5 minutes,
    /// whole 10-second slices, at most <see cref="MaxMetricsWindow"/>).
    /// </summary>
    public PerformanceSnapshot GetPerformanceMetrics(TimeSpan? window = null)
    {
        var span = window ?? TimeSpan.FromMinutes(5);
        if (span <= TimeSpan.Zero || span > MaxMetricsWindow)
        {
            throw new ArgumentOutOfRangeException(nameof(window), span, $"The window must be between 1 second and {MaxMetricsWindow.TotalSeconds} seconds.");
        }

        var services = _registry.All.Select(service =>
        {
            var totals = new WindowTotals();
            service.Health.CollectWindow(span, totals);
            return new ServicePerformance(
                service.Id,
                totals.Succeeded + totals.Failed,
                totals.Succeeded,
                totals.Failed,
                totals.Retried,
                totals.Latency.Percentile(0.50).TotalMilliseconds,
                totals.Latency.Percentile(0.95).TotalMilliseconds,
                totals.Latency.Percentile(0.99).TotalMilliseconds,
                TimeSpan.FromTicks(totals.Latency.MaxTicks).TotalMilliseconds,
                totals.Latency.Mean.TotalMilliseconds,
                totals.ProbesSucceeded,
                totals.ProbesFailed);
        }).ToArray();

        var since = _time.GetUtcNow() - span;
        var events = _history.Query(int.MaxValue, since: since);
        return new PerformanceSnapshot(
            span.TotalSeconds,
            services,
            Summarize(events.Where(e => e.Kind == FailoverEventKind.Failover).ToList()),
            Summarize(events.Where(e => e.Kind == FailoverEventKind.Recovery).ToList()),
            Interlocked.Read(ref _invalidatedTotal),
            _lastInvalidation?.TotalMilliseconds,
            _controller.TimeInStatus().ToDictionary(p => p.Key.ToWireName(), p => p.Value.TotalSeconds));
    }

    private static SwitchPerformance Summarize(List<FailoverEvent> events)
    {
        var detections = events.Where(e => e.Detection is not null).Select(e => e.Detection!.Value.TotalMilliseconds).ToList();
        var switches = events.Where(e => e.Success).Select(e => e.Duration.TotalMilliseconds).ToList();
        return new SwitchPerformance(
            events.Count,
            events.Count(e => e.Success),
            events.Count(e => !e.Success),
            events.GroupBy(e => e.Trigger.ToWireName()).ToDictionary(g => g.Key, g => g.Count()),
            detections.Count > 0 ? detections[0] : null,
            detections.Count > 0 ? detections.Average() : null,
            detections.Count > 0 ? detections.Max() : null,
            switches.Count > 0 ? switches[0] : null,
            switches.Count > 0 ? switches.Average() : null,
            switches.Count > 0 ? switches.Max() : null);
    }
}
