using System.Collections.Frozen;
using System.Text.Json;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;

namespace CacheFailover.Mcp.Registration;

/// <summary>
/// Every tool's description (name, title, annotations, input and output schema) as the SDK builds it
/// and <see cref="Filters.ToolSchemaSimplifier"/> simplifies it, recorded in <c>Tools/tool-manifest.json</c>
/// (embedded in the assembly) so that listing tools needs no reflection. <c>ToolManifestTests</c>
/// builds every tool the SDK's way and fails when the file differs; run it with
/// <c>CACHEFAILOVER_UPDATE_DOCS=1</c> to rewrite the file after changing a tool.
/// </summary>
internal sealed class ToolManifest
{
    /// <summary>The embedded resource's name.</summary>
    public const string ResourceName = "CacheFailoverMcp.tool-manifest.json";

    private readonly FrozenDictionary<string, JsonElement> _tools;

    private ToolManifest(FrozenDictionary<string, JsonElement> tools) => _tools = tools;

    /// <summary>The manifest embedded in this assembly.</summary>
    public static ToolManifest Embedded { get; } = Load();

    /// <summary>The recorded tool names.</summary>
    public IEnumerable<string> Names => _tools.Keys;

    /// <summary>
    /// A fresh copy of the recorded description of <paramref name="name"/> (fresh, because the SDK's
    /// <see cref="Tool"/> is mutable and each server gets its own).
    /// </summary>
    /// <exception cref="InvalidOperationException">The tool is not recorded: the manifest is out of date.</exception>
    public Tool Get(string name) => _tools.TryGetValue(name, out var json)
        ? (Tool)json.Deserialize(McpJsonUtilities.DefaultOptions.GetTypeInfo(typeof(Tool)))!
        : throw new InvalidOperationException($"The tool '{name}' is not in {ResourceName}: run ToolManifestTests with CACHEFAILOVER_UPDATE_DOCS=1 to record it.");

    private static ToolManifest Load()
    {
        using var stream = typeof(ToolManifest).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"{ResourceName} is not embedded in {typeof(ToolManifest).Assembly.GetName().Name}.");
        using var document = JsonDocument.Parse(stream);
        var tools = document.RootElement.GetProperty("tools").EnumerateArray()
            .ToFrozenDictionary(t => t.GetProperty("name").GetString()!, t => t.Clone(), StringComparer.Ordinal);
        return new ToolManifest(tools);
    }
}
