using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace CacheFailover.Mcp.Tools.Results;

/// <summary>
/// Source-generated serialization for every tool result (snake_case, nulls written so that every
/// documented field is always present). Source generation keeps the door open for Native AOT.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    NumberHandling = JsonNumberHandling.Strict)]
[JsonSerializable(typeof(FailoverStatusResult))]
[JsonSerializable(typeof(FailoverEventsResult))]
[JsonSerializable(typeof(PerformanceMetricsResult))]
[JsonSerializable(typeof(CacheGetResult))]
[JsonSerializable(typeof(CacheExistsResult))]
[JsonSerializable(typeof(CacheSetResult))]
[JsonSerializable(typeof(CacheDeleteResult))]
[JsonSerializable(typeof(ConfigureResult))]
[JsonSerializable(typeof(FailoverEventResult))]
[JsonSerializable(typeof(RecoveryToolResult))]
[JsonSerializable(typeof(ServiceStatusResult))]
[JsonSerializable(typeof(UnregisterResult))]
[JsonSerializable(typeof(DrillResult))]
[JsonSerializable(typeof(HealthzResult))]
[JsonSerializable(typeof(AuditEntryResult))]
[JsonSerializable(typeof(JsonElement))]
[JsonSerializable(typeof(System.Text.Json.Nodes.JsonObject))]
[JsonSerializable(typeof(System.Text.Json.Nodes.JsonNode))]
[JsonSerializable(typeof(IReadOnlyDictionary<string, JsonElement>))]
[JsonSerializable(typeof(bool))]
[JsonSerializable(typeof(int))]
[JsonSerializable(typeof(double))]
[JsonSerializable(typeof(string))]
[JsonSerializable(typeof(bool?))]
[JsonSerializable(typeof(int?))]
[JsonSerializable(typeof(double?))]
internal sealed partial class ToolJsonContext : JsonSerializerContext;

/// <summary>
/// The options every tool is registered with: <see cref="ToolJsonContext"/> first, then the SDK's
/// own types. A TypeInfoResolver is mandatory here (the host fails at start without one). A class
/// of its own, because a static initializer on the context would run before the generated
/// <c>Default</c> exists.
/// </summary>
internal static class ToolJson
{
    public static JsonSerializerOptions Options { get; } = Create();

    private static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions(ToolJsonContext.Default.Options)
        {
            TypeInfoResolver = JsonTypeInfoResolver.Combine(ToolJsonContext.Default, ModelContextProtocol.McpJsonUtilities.DefaultOptions.TypeInfoResolver),

            // The text copy of each result is read by people and models, not embedded in HTML:
            // keep '+' in timestamps and non-ASCII text as they are.
            Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        };
        options.MakeReadOnly();
        return options;
    }
}
