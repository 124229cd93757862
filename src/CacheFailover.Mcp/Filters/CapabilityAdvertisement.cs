using System.Text.Json.Nodes;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace CacheFailover.Mcp.Filters;

/// <summary>
/// An outgoing message filter that makes the capabilities in <c>initialize</c> and <c>server/discover</c>
/// results say what this server really delivers, the same on stdio and HTTP:
/// <list type="bullet">
/// <item><c>listChanged</c> is false for tools, resources and prompts: all three lists are fixed when the
/// process starts (read-only mode decides the tools then), so no such notification is ever sent. The SDK
/// advertises it for tools on stdio and drops it on stateless HTTP; either way a client learned nothing.</item>
/// <item><c>resources.subscribe</c> is true where an update can be delivered: on stdio always, and for
/// 2026-07-28 clients (discover) on any transport, through <c>subscriptions/listen</c>. An older client over
/// HTTP is told false: nothing could carry an update to it (<see cref="Resources.ResourceSubscriptions"/>).</item>
/// </list>
/// </summary>
public static class CapabilityAdvertisement
{
    /// <summary>The filter to register with <c>AddOutgoingFilter</c>.</summary>
    public static McpMessageHandler Filter(McpMessageHandler next) =>
        async (context, cancellationToken) =>
        {
            if (context.JsonRpcMessage is JsonRpcResponse { Result: JsonObject result }
                && result["capabilities"] is JsonObject capabilities
                && context.Services?.GetService(typeof(CacheFailoverMcpOptions)) is CacheFailoverMcpOptions options)
            {
                var discover = result.ContainsKey("supportedVersions");
                var initialize = result.ContainsKey("serverInfo") && result.ContainsKey("protocolVersion");
                if (discover || initialize)
                {
                    Rewrite(capabilities, subscribe: discover || options.StreamTransport);
                }
            }

            await next(context, cancellationToken);
        };

    private static void Rewrite(JsonObject capabilities, bool subscribe)
    {
        foreach (var list in new[] { "tools", "resources", "prompts" })
        {
            if (capabilities[list] is JsonObject capability)
            {
                capability["listChanged"] = false;
            }
        }

        if (capabilities["resources"] is JsonObject resources)
        {
            resources["subscribe"] = subscribe;
        }
    }
}
