using System.Text.Json;
using System.Text.Json.Nodes;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace CacheFailover.Mcp.Filters;

/// <summary>
/// An incoming message filter for the <c>tools/call</c> requests the SDK cannot read and would answer
/// with a bare −32603: <c>arguments</c> that is not an object (an array, a string, a number), and an
/// argument holding text that is not valid UTF-16 (a lone surrogate such as <c>"\ud800"</c>, at any
/// depth). The unreadable part is replaced (arguments by an empty object, such an argument by an empty
/// string) and what was wrong is noted for <see cref="ToolCallGuard"/>, which answers an <c>isError</c>
/// result naming it (and audits it).
/// </summary>
public static class ArgumentsShapeFilter
{
    /// <summary>The message-context item that holds what <c>arguments</c> was, in words, when it was not an object.</summary>
    public const string NotAnObjectKey = "cachefailover.arguments-not-an-object";

    /// <summary>The message-context item that lists (as a string array) the arguments whose text was not valid UTF-16.</summary>
    public const string InvalidTextKey = "cachefailover.arguments-invalid-text";

    /// <summary>The filter to register with <c>AddIncomingFilter</c>.</summary>
    public static McpMessageHandler Filter(McpMessageHandler next) =>
        (context, cancellationToken) =>
        {
            if (context.JsonRpcMessage is JsonRpcRequest { Method: RequestMethods.ToolsCall, Params: JsonObject parameters }
                && parameters["arguments"] is { } arguments
                && arguments.GetValueKind() is not (JsonValueKind.Object or JsonValueKind.Null))
            {
                context.Items[NotAnObjectKey] = arguments.GetValueKind() switch
                {
                    JsonValueKind.Array => "an array",
                    JsonValueKind.String => "a string",
                    JsonValueKind.Number => "a number",
                    JsonValueKind.True or JsonValueKind.False => "a boolean",
                    _ => "something else",
                };
                parameters["arguments"] = new JsonObject();
            }
            else if (context.JsonRpcMessage is JsonRpcRequest { Method: RequestMethods.ToolsCall, Params: JsonObject withArguments }
                && withArguments["arguments"] is JsonObject values)
            {
                var invalid = values.Where(p => !IsWellFormed(p.Value)).Select(p => p.Key).ToArray();
                foreach (var name in invalid)
                {
                    values[name] = string.Empty;
                }

                if (invalid.Length > 0)
                {
                    context.Items[InvalidTextKey] = invalid;
                }
            }

            return next(context, cancellationToken);
        };

    private static bool IsWellFormed(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                return obj.All(p => IsWellFormed(p.Value));
            case JsonArray array:
                return array.All(IsWellFormed);
            case JsonValue value when value.GetValueKind() == JsonValueKind.String:
                try
                {
                    _ = value.GetValue<string>();
                    return true;
                }
                catch (InvalidOperationException)
                {
                    // System.Text.Json refuses to transcode a lone surrogate.
                    return false;
                }

            default:
                return true;
        }
    }
}
