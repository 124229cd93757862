using CacheFailover.Engine;
using CacheFailover.Mcp.Audit;
using CacheFailover.Mcp.Tools;
using CacheFailover.Mcp.Tools.Results;
using CacheFailover.Resp.Connections;

namespace CacheFailover.Mcp;

/// <summary>
/// The status and event reports as the tools return them, in one place, so that the
/// <c>cachefailover://status</c> and <c>cachefailover://events</c> resources say exactly what
/// <c>get_cache_failover_status</c> and <c>get_failover_events</c> say.
/// </summary>
public sealed class FailoverReports(FailoverEngine engine, CacheFailoverMcpOptions settings, AuditTrail audit, DrillCoordinator drills, IServiceProvider services)
{
    /// <summary>The full status: serving service, epoch, services, journal, recent events, group, front door.</summary>
    public async Task<FailoverStatusResult> StatusAsync(CancellationToken cancellationToken) =>
        ResultMapper.ToStatus(engine.GetStatus(), await engine.GetGroupAsync(cancellationToken), settings.ReadOnly, drills.ActiveFault) with
        {
            RespFrontDoor = services.GetService(typeof(RespConnections)) is RespConnections resp
                ? new RespFrontDoorResult(
                    resp.ListeningOn?.ToString() ?? settings.RespEndpoint ?? string.Empty,
                    settings.RespPasswordRequired,
                    resp.OpenCount,
                    resp.AcceptedTotal,
                    resp.CommandsTotal,
                    Math.Round(resp.CommandsPerSecond(), 1))
                : null,
        };

    /// <summary>Recorded failovers and recoveries, newest first, optionally with the audit trail.</summary>
    public FailoverEventsResult Events(int limit, FailoverTrigger? trigger = null, DateTimeOffset? since = null, bool includeAudit = false)
    {
        var events = engine.GetEvents(limit, trigger, since).Select(ResultMapper.ToEvent).ToList();
        return new FailoverEventsResult(events.Count, events, includeAudit ? audit.Query(limit, since) : null);
    }
}
