using System.Net;
using System.Text.Json;
using CacheFailover.Engine;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace CacheFailoverMcp.Tests.AspNetCore;

/// <summary>The tools inside an ASP.NET Core app: a real Kestrel server and the SDK's own client over Streamable HTTP.</summary>
public sealed class MapCacheFailoverMcpTests
{
    private static async Task<JsonElement> CallOkAsync(McpClient client, string tool, Dictionary<string, object?>? arguments = null)
    {
        var result = await client.CallToolAsync(tool, arguments ?? []);
        Assert.True(result.IsError != true, $"{tool} failed: {string.Concat(result.Content.OfType<TextContentBlock>().Select(c => c.Text))}");
        return result.StructuredContent!.Value;
    }

    [Fact]
    public async Task MapCacheFailoverMcp_ListsTheServersToolsWithTheSameSchemas()
    {
        await using var app = await InAppMcpServer.StartAsync();
        await using var client = await app.ConnectAsync();
        await using var server = await TestServer.StartAsync();

        var inApp = (await client.ListToolsAsync()).ToDictionary(t => t.Name, t => t.ProtocolTool);
        var own = (await server.Client.ListToolsAsync()).ToDictionary(t => t.Name, t => t.ProtocolTool);

        Assert.Equal(own.Keys.Order(StringComparer.Ordinal), inApp.Keys.Order(StringComparer.Ordinal));
        foreach (var (name, tool) in own)
        {
            Assert.Equal(tool.InputSchema.GetRawText(), inApp[name].InputSchema.GetRawText());
            Assert.Equal(tool.Annotations?.ReadOnlyHint, inApp[name].Annotations?.ReadOnlyHint);
        }
    }

    [Fact]
    public async Task MapCacheFailoverMcp_CallsAToolOnTheAppsEngine()
    {
        await using var app = await InAppMcpServer.StartAsync();
        await using var client = await app.ConnectAsync();

        var status = await CallOkAsync(client, "get_cache_failover_status");

        Assert.Equal("active", status.GetProperty("status").GetString());
        var engine = app.Services.GetRequiredService<FailoverEngine>();
        Assert.Equal(engine.Epoch, status.GetProperty("epoch").GetInt64());
        Assert.Equal(["primary", "backup-1"], status.GetProperty("services").EnumerateArray().Select(s => s.GetProperty("service_id").GetString()!).ToArray());
    }

    [Fact]
    public async Task MapCacheFailoverMcp_BadArgument_GetsTheServersMessage()
    {
        await using var app = await InAppMcpServer.StartAsync();
        await using var client = await app.ConnectAsync();

        var result = await client.CallToolAsync("get_failover_events", new Dictionary<string, object?> { ["limit"] = 0 });

        Assert.True(result.IsError);
        Assert.Contains("limit", string.Concat(result.Content.OfType<TextContentBlock>().Select(c => c.Text)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task MapCacheFailoverMcp_RequireAuthorization_RefusesAnAnonymousCaller()
    {
        await using var app = await InAppMcpServer.StartAsync(requireAuthorization: true);

        var ex = await Assert.ThrowsAnyAsync<Exception>(() => app.ConnectAsync());
        Assert.Contains("401", ex.ToString(), StringComparison.Ordinal);

        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, app.Endpoint)
        {
            Content = new StringContent("""{"jsonrpc":"2.0","id":1,"method":"tools/list"}""", System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Accept.ParseAdd("application/json");
        request.Headers.Accept.ParseAdd("text/event-stream");
        using var response = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(0, app.Services.GetRequiredService<FailoverEngine>().Epoch);
    }

    [Fact]
    public async Task MapCacheFailoverMcp_AuthenticatedCall_IsAuditedWithTheUserClientAndAddress()
    {
        await using var app = await InAppMcpServer.StartAsync(requireAuthorization: true);
        await using var client = await app.ConnectAsync(user: "alice", clientName: "ops-assistant");

        await CallOkAsync(client, "trigger_manual_failover", new() { ["reason"] = "patching the primary" });
        var events = await CallOkAsync(client, "get_failover_events", new() { ["include_audit"] = true });

        var entry = Assert.Single(events.GetProperty("audit").EnumerateArray());
        Assert.Equal("trigger_manual_failover", entry.GetProperty("tool").GetString());
        Assert.Equal("succeeded", entry.GetProperty("outcome").GetString());
        Assert.Equal("alice", entry.GetProperty("user").GetString());
        Assert.Equal("ops-assistant 1.2.3", entry.GetProperty("client").GetString());
        Assert.Equal("127.0.0.1", entry.GetProperty("remote_address").GetString());
        Assert.Equal(FailoverStatus.FailedOver, app.Services.GetRequiredService<FailoverEngine>().Status);
    }

    [Fact]
    public async Task MapCacheFailoverMcp_AnonymousCall_IsAuditedWithTheClientAndAddress()
    {
        await using var app = await InAppMcpServer.StartAsync();
        await using var client = await app.ConnectAsync(clientName: "script");

        await CallOkAsync(client, "trigger_manual_failover", new() { ["reason"] = "drill" });
        var events = await CallOkAsync(client, "get_failover_events", new() { ["include_audit"] = true });

        var entry = Assert.Single(events.GetProperty("audit").EnumerateArray());
        Assert.Equal(JsonValueKind.Null, entry.GetProperty("user").ValueKind);
        Assert.Equal("script 1.2.3", entry.GetProperty("client").GetString());
        Assert.Equal("127.0.0.1", entry.GetProperty("remote_address").GetString());
    }

    [Fact]
    public async Task MapCacheFailoverMcp_SectionReadOnly_RegistersNoMutatingTool()
    {
        await using var app = await InAppMcpServer.StartAsync(readOnly: true);
        await using var client = await app.ConnectAsync();

        var tools = await client.ListToolsAsync();

        Assert.NotEmpty(tools);
        Assert.All(tools, t => Assert.True(t.ProtocolTool.Annotations?.ReadOnlyHint, $"{t.Name} is not read-only"));
        Assert.DoesNotContain(tools, t => t.Name == "trigger_manual_failover");
    }
}
