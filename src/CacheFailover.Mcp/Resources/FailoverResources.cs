using System.Text.Json;
using CacheFailover.Mcp.Tools.Results;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace CacheFailover.Mcp.Resources;

/// <summary>
/// The two resources a client can read (and subscribe to) instead of calling a tool: the status and the
/// recent events, as the same JSON the tools return. Registered through list/read handlers rather than
/// attribute discovery, so they stay trim- and AOT-safe and the capability says exactly what is served.
/// </summary>
public static class FailoverResources
{
    public const string StatusUri = "cachefailover://status";
    public const string EventsUri = "cachefailover://events";

    /// <summary>How many events (and audit entries) the events resource holds, newest first.</summary>
    public const int EventsInResource = 100;

    private const string JsonMime = "application/json";

    public static IReadOnlyList<string> Uris { get; } = [StatusUri, EventsUri];

    public static bool IsKnown(string? uri) => uri is StatusUri or EventsUri;

    /// <summary>The refusal for a URI that is not one of ours, naming the ones that are.</summary>
    public static McpProtocolException Unknown(string? uri) => new(
        $"There is no resource '{uri}'; this server has {StatusUri} and {EventsUri}.",
        McpErrorCode.ResourceNotFound);

    public static ValueTask<ListResourcesResult> ListAsync(RequestContext<ListResourcesRequestParams> request, CancellationToken cancellationToken) =>
        ValueTask.FromResult(new ListResourcesResult
        {
            Resources =
            [
                new Resource
                {
                    Uri = StatusUri,
                    Name = "status",
                    Title = "Cache failover status",
                    Description = "What get_cache_failover_status returns: the serving service, status and epoch, every service's health and latency, "
                        + "the failback journal and the group. Subscribe to be told when the serving service, the status or a service's health changes.",
                    MimeType = JsonMime,
                },
                new Resource
                {
                    Uri = EventsUri,
                    Name = "events",
                    Title = "Failover events and audit",
                    Description = $"The last {EventsInResource} failovers and recoveries, newest first, and the audit trail of mutating tool calls "
                        + "(what get_failover_events returns with include_audit). Subscribe to be told after each failover or recovery.",
                    MimeType = JsonMime,
                },
            ],
        });

    public static async ValueTask<ReadResourceResult> ReadAsync(RequestContext<ReadResourceRequestParams> request, CancellationToken cancellationToken)
    {
        var uri = request.Params?.Uri;
        var reports = (FailoverReports)request.Services!.GetService(typeof(FailoverReports))!;
        var text = uri switch
        {
            StatusUri => JsonSerializer.Serialize(await reports.StatusAsync(cancellationToken), ToolJson.Options.GetTypeInfo(typeof(FailoverStatusResult))),
            EventsUri => JsonSerializer.Serialize(reports.Events(EventsInResource, includeAudit: true), ToolJson.Options.GetTypeInfo(typeof(FailoverEventsResult))),
            _ => throw Unknown(uri),
        };

        return new ReadResourceResult
        {
            Contents = [new TextResourceContents { Uri = uri!, MimeType = JsonMime, Text = text }],
        };
    }
}
