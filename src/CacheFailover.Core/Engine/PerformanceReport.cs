using CacheFailover.Health;
using CacheFailover.Services;

namespace CacheFailover.Engine;

/// <summary>Builds the performance-metrics tool's answer from the services' metric slices, the event history and the controller's time per status.</summary>
internal static class PerformanceReport
{
    public static PerformanceSnapshot Build(TimeSpan span, IReadOnlyList<CacheService> services, EventHistory history, FailoverController controller, RecoveryCoordinator recovery, TimeProvider time)
    {
        var perService = services.Select(service =>
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

        var events = history.Query(int.MaxValue, since: time.GetUtcNow() - span);
        return new PerformanceSnapshot(
            span.TotalSeconds,
            perService,
            Summarize(events.Where(e => e.Kind == FailoverEventKind.Failover).ToList()),
            Summarize(events.Where(e => e.Kind == FailoverEventKind.Recovery).ToList()),
            recovery.InvalidatedTotal,
            recovery.LastInvalidation?.TotalMilliseconds,
            controller.TimeInStatus().ToDictionary(p => p.Key.ToWireName(), p => p.Value.TotalSeconds));
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
