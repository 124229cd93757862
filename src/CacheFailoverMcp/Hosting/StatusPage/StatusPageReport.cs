using CacheFailover.Engine;
using CacheFailover.Mcp;

namespace CacheFailoverMcp.Hosting.StatusPage;

/// <summary>
/// Builds <see cref="StatusPageResult"/> from the reports the status tools and resources return
/// (<see cref="FailoverReports"/>), so that the page can never show the engine differently from
/// what an MCP client is told.
/// </summary>
public sealed class StatusPageReport(FailoverEngine engine, FailoverReports reports, ServiceSampleHistory history, StatusPageOptions options)
{
    /// <summary>Events the timeline shows, newest first.</summary>
    public const int EventLimit = 50;

    public async Task<StatusPageResult> BuildAsync(CancellationToken cancellationToken)
    {
        var status = await reports.StatusAsync(cancellationToken);
        var events = reports.Events(EventLimit).Events;

        // In the status's service order, so the chart's legend matches the table.
        var series = history.Snapshot();
        var points = status.Services
            .Select(s => new ServiceSeriesResult(s.ServiceId, series.TryGetValue(s.ServiceId, out var p) ? p : []))
            .ToList();
        return new StatusPageResult(
            engine.TimeProvider.GetUtcNow(),
            status,
            events,
            new SampleHistoryResult(options.SampleInterval.TotalSeconds, options.Window.TotalSeconds, points));
    }
}
