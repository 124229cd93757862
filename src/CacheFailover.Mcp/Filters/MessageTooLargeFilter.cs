using System.Text.Json.Nodes;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace CacheFailover.Mcp.Filters;

/// <summary>Answers the stand-in that the executable's <c>BoundedLineStream</c> puts where a too-large stdio message was: a JSON-RPC error saying so.</summary>
public static class MessageTooLargeFilter
{
    /// <summary>The filter to register with <c>AddIncomingFilter</c> (first, so nothing else sees the stand-in).</summary>
    public static McpMessageHandler Filter(McpMessageHandler next) =>
        (context, cancellationToken) =>
        {
            if (context.JsonRpcMessage is JsonRpcRequest { Method: MessageLimits.TooLargeMethod } request)
            {
                var bytes = request.Params is JsonObject p && p["bytes"] is JsonValue v && v.TryGetValue<long>(out var b) ? b : MessageLimits.MaxMessageBytes + 1L;
                throw new McpProtocolException(MessageLimits.TooLargeMessage(bytes), McpErrorCode.InvalidRequest);
            }

            return next(context, cancellationToken);
        };
}
