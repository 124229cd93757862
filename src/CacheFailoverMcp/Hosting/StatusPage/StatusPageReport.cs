using CacheFailover.Engine;
using CacheFailover.Mcp;
using CacheFailover.Mcp.Audit;
using CacheFailover.Mcp.Tools;

namespace CacheFailoverMcp.Hosting.StatusPage;

/// <summary>
/// Builds <see cref="StatusPageResult"/> through the status tools themselves, so that the page can
/// never show the engine differently from what an MCP client is told.
/// </summary>
public sealed class StatusPageReport(FailoverEngine engine, CacheFailoverMcpOptions toolOptions, AuditTrail audit, DrillCoordinator drills, IServiceProvider services, ServiceSampleHistory history, StatusPageOptions options)
{
    /// <summary>Events the timeline shows, newest first.</summary>
    public const int EventLimit = 50;

    public async Task<StatusPageResult> BuildAsync(CancellationToken cancellationToken)
    {
        var tools = new StatusTools(engine, toolOptions, audit, drills, services);
        var status = await tools.GetCacheFailoverStatus(cancellationToken);
        var events = tools.GetFailoverEvents(limit: EventLimit).Events;

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
