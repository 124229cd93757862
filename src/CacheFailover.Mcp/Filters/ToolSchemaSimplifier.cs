using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using ModelContextProtocol.Server;

namespace CacheFailover.Mcp.Filters;

/// <summary>
/// Advertises an optional argument as its plain type (<c>"type": "integer"</c>) rather than the
/// SDK's <c>["integer", "null"]</c> with <c>"default": null</c>. Optional already means "may be
/// omitted"; the union only confuses clients — some (the MCP Inspector CLI among them) then send
/// numbers as strings. A null sent anyway still means "use the default" (see <see cref="ToolCallGuard"/>).
/// </summary>
internal sealed class ToolSchemaSimplifier : IPostConfigureOptions<McpServerOptions>
{
    public void PostConfigure(string? name, McpServerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.ToolCollection is not { } tools)
        {
            return;
        }

        foreach (var tool in tools)
        {
            tool.ProtocolTool.InputSchema = Simplify(tool.ProtocolTool.InputSchema);
        }
    }

    internal static JsonElement Simplify(JsonElement schema)
    {
        if (JsonNode.Parse(schema.GetRawText()) is not JsonObject root || root["properties"] is not JsonObject properties)
        {
            return schema;
        }

        var required = root["required"] is JsonArray list ? list.Select(n => n?.GetValue<string>()).ToHashSet(StringComparer.Ordinal) : [];
        foreach (var (parameter, node) in properties)
        {
            if (node is not JsonObject property || required.Contains(parameter) || property["type"] is not JsonArray types)
            {
                continue;
            }

            var nonNull = types.Select(t => t?.GetValue<string>()).Where(t => t is not null and not "null").ToList();
            if (nonNull.Count == 1)
            {
                property["type"] = nonNull[0];
                if (property.TryGetPropertyValue("default", out var defaultValue) && defaultValue is null)
                {
                    property.Remove("default");
                }
            }
        }

        return JsonSerializer.SerializeToElement(root, Tools.Results.ToolJsonContext.Default.JsonObject);
    }
}
