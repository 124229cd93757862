using System.Text.Json;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace CacheFailoverMcp.Tests.Process;

/// <summary>
/// Resources, prompts and capabilities of the built executable, the same over stdio and HTTP: a real
/// client on each transport lists them, subscribes, makes a failover through MCP and is told.
/// </summary>
[Collection(ProcessTestGroup.Name)]
public sealed class McpSurfaceProcessTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Theory]
    [InlineData("2026-07-28")]
    [InlineData("2025-11-25")]
    public async Task StdioAndHttp_SameRevision_AdvertiseTheSameCapabilitiesAndServeTheSameResourcesAndPrompts(string revision)
    {
        await using var http = ServerProcess.Start("--transport", "http", "--urls", "http://127.0.0.1:0");
        var baseUrl = await http.WaitUntilListeningAsync(Timeout);
        await using var overHttp = await ConnectHttpAsync(baseUrl, revision);
        await using var overStdio = await ConnectStdioAsync(revision);

        foreach (var client in new[] { overStdio, overHttp })
        {
            Assert.Equal(["cachefailover://events", "cachefailover://status"], (await client.ListResourcesAsync()).Select(r => r.Uri).Order(StringComparer.Ordinal));
            Assert.Equal(["diagnose_cache", "planned_primary_maintenance", "post_incident_review"], (await client.ListPromptsAsync()).Select(p => p.Name).Order(StringComparer.Ordinal));
        }

        var stdioCapabilities = Capabilities(overStdio);
        var httpCapabilities = Capabilities(overHttp);
        if (revision == "2026-07-28")
        {
            Assert.Equal(stdioCapabilities, httpCapabilities);
        }
        else
        {
            // The one difference, by design: before 2026-07-28 nothing can carry an update to an HTTP client
            // after its request ended, so subscribing is not offered there (and refused if tried).
            Assert.Equal(stdioCapabilities.Replace("\"subscribe\":true", "\"subscribe\":false", StringComparison.Ordinal), httpCapabilities);
            await Assert.ThrowsAsync<ModelContextProtocol.McpProtocolException>(() => overHttp.SubscribeToResourceAsync("cachefailover://status"));
        }

        Assert.Contains("\"listChanged\":false", httpCapabilities, StringComparison.Ordinal);
        Assert.DoesNotContain("\"listChanged\":true", stdioCapabilities, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Http_ListeningClient_ManualFailoverThroughMcp_IsToldTheStatusChangedAndReadsBackup()
    {
        await using var http = ServerProcess.Start("--transport", "http", "--urls", "http://127.0.0.1:0");
        var baseUrl = await http.WaitUntilListeningAsync(Timeout);
        await using var listener = await ConnectHttpAsync(baseUrl, "2026-07-28");
        await using var operator_ = await ConnectHttpAsync(baseUrl, "2026-07-28");
        await using var updates = await ResourceUpdates.SubscribeAsync(listener, Timeout, "cachefailover://status");

        await StdioProcessTests.CallOkAsync(operator_, "trigger_manual_failover", new() { ["reason"] = "process resource test" });
        var updated = await updates.NextAsync(Timeout);
        using var status = JsonDocument.Parse(Tools.ResourceTests.TextOf(await listener.ReadResourceAsync(updated)));

        Assert.Equal(["cachefailover://status"], updates.Granted);
        Assert.Equal("cachefailover://status", updated);
        Assert.Equal("backup-1", status.RootElement.GetProperty("active_service_id").GetString());
    }

    [Fact]
    public async Task Stdio_SubscribedClient_ManualFailover_IsToldBothResourcesChanged()
    {
        await using var client = await ConnectStdioAsync("2025-11-25");
        await using var updates = await ResourceUpdates.SubscribeAsync(client, Timeout, "cachefailover://status", "cachefailover://events");

        await StdioProcessTests.CallOkAsync(client, "trigger_manual_failover", new() { ["reason"] = "stdio resource test" });

        Assert.Equal(["cachefailover://events", "cachefailover://status"], await updates.DistinctAsync(2, Timeout));
    }

    private static string Capabilities(McpClient client) => JsonSerializer.Serialize(
        new ServerCapabilities { Tools = client.ServerCapabilities.Tools, Resources = client.ServerCapabilities.Resources, Prompts = client.ServerCapabilities.Prompts },
        ModelContextProtocol.McpJsonUtilities.DefaultOptions);

    private static Task<McpClient> ConnectHttpAsync(Uri baseUrl, string revision) => McpClient.CreateAsync(
        new HttpClientTransport(new HttpClientTransportOptions { Endpoint = new Uri(baseUrl, "/mcp"), TransportMode = HttpTransportMode.StreamableHttp }),
        new McpClientOptions { ProtocolVersion = revision });

    private static Task<McpClient> ConnectStdioAsync(string revision) => McpClient.CreateAsync(
        new StdioClientTransport(new StdioClientTransportOptions { Name = "cache-failover-mcp", Command = ServerExecutable.Command, Arguments = ServerExecutable.Arguments() }),
        new McpClientOptions { ProtocolVersion = revision });
}
