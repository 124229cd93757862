using System.Reflection;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using CacheFailoverMcp.Hosting;
using CacheFailoverMcp.Tests.Docs;
using CacheFailover.Mcp.Tools.Results;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace CacheFailoverMcp.Tests.Tools;

/// <summary>
/// The recorded tool descriptions (src/CacheFailover.Mcp/Tools/tool-manifest.json) are what the SDK
/// builds from the tool methods, simplified as the server simplifies them: a tool that changes without
/// its record fails here. Run with <c>CACHEFAILOVER_UPDATE_DOCS=1</c> to rewrite the file.
/// </summary>
public sealed class ToolManifestTests
{
    private const string ManifestPath = "src/CacheFailover.Mcp/Tools/tool-manifest.json";
    private static readonly bool Update = Environment.GetEnvironmentVariable("CACHEFAILOVER_UPDATE_DOCS") == "1";
    private static readonly JsonSerializerOptions Indented = new(McpJsonUtilities.DefaultOptions) { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    [Fact]
    public void Manifest_IsWhatTheSdkBuildsFromEveryToolMethod()
    {
        var expected = Render(BuiltBySdk());
        var path = Path.Combine(RepositoryFiles.Root, ManifestPath);
        var actual = File.ReadAllText(path).ReplaceLineEndings("\n");

        if (Update && actual != expected)
        {
            File.WriteAllText(path, expected);
            return;
        }

        Assert.Equal(expected, actual);
    }

    [Fact]
    public void Embedded_HasExactlyTheToolMethods()
    {
        Assert.Equal(BuiltBySdk().Select(t => t.Name).Order(StringComparer.Ordinal), ToolManifest.Embedded.Names.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task ListTools_AtStartup_BuildsNoToolUntilItIsCalled()
    {
        await using var server = await TestServer.StartAsync();
        var deferred = server.Services.GetRequiredService<IOptions<McpServerOptions>>().Value.ToolCollection!.OfType<DeferredTool>().ToList();

        var listed = await server.Client.ListToolsAsync();
        var unbuiltAfterListing = deferred.Count(t => !t.IsBuilt);
        await server.Client.CallToolAsync("get_cache_failover_status", new Dictionary<string, object?>());

        Assert.Equal(13, deferred.Count);
        Assert.Equal(listed.Count, unbuiltAfterListing);
        Assert.Equal(["get_cache_failover_status"], deferred.Where(t => t.IsBuilt).Select(t => t.ProtocolTool.Name));
    }

    [Fact]
    public async Task CallTool_BuiltWithoutAResultSchema_ReturnsStructuredContentEqualToItsText()
    {
        // Built from the recorded output schema, not from the result type: the structured content must
        // still come back, the same JSON as the text block, with the recorded schema's properties.
        await using var server = await TestServer.StartAsync();
        var recorded = ToolManifest.Embedded.Get("get_cache_failover_status").OutputSchema!.Value;

        var result = await server.CallAsync("get_cache_failover_status");

        Assert.NotEqual(true, result.IsError);
        var structured = Assert.NotNull(result.StructuredContent);
        Assert.Equal(JsonNode.Parse(TestServer.Text(result))!.ToJsonString(), JsonNode.Parse(structured.GetRawText())!.ToJsonString());
        var properties = recorded.GetProperty("properties").EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal);
        Assert.Equal(properties, structured.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
    }

    /// <summary>Every tool of the server's assembly, built the way the SDK's <c>WithTools&lt;T&gt;</c> builds it, then simplified.</summary>
    private static List<Tool> BuiltBySdk()
    {
        using var services = new ServiceCollection().BuildServiceProvider();
        var options = new McpServerToolCreateOptions { Services = services, SerializerOptions = ToolJson.Options };
        var tools = typeof(ToolManifest).Assembly.GetTypes()
            .Where(t => t.GetCustomAttribute<McpServerToolTypeAttribute>() is not null)
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Instance))
            .Where(m => m.GetCustomAttribute<McpServerToolAttribute>() is not null)
            .Select(m => McpServerTool.Create(m, _ => throw new InvalidOperationException("not called"), options).ProtocolTool)
            .OrderBy(t => t.Name, StringComparer.Ordinal)
            .ToList();
        foreach (var tool in tools)
        {
            tool.InputSchema = ToolSchemaSimplifier.Simplify(tool.InputSchema);
        }

        return tools;
    }

    private static string Render(List<Tool> tools)
    {
        var array = new JsonArray([.. tools.Select(t => JsonSerializer.SerializeToNode(t, Indented))]);
        return new JsonObject { ["tools"] = array }.ToJsonString(Indented) + "\n";
    }
}
