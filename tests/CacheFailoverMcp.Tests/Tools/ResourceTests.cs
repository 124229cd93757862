using System.Text.Json;
using CacheFailoverMcp.Configuration;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace CacheFailoverMcp.Tests.Tools;

/// <summary>The status and events resources, and their update notifications, through a real MCP client.</summary>
public sealed class ResourceTests
{
    private static readonly TimeSpan NotificationTimeout = TimeSpan.FromSeconds(20);

    /// <summary>The handshake-free revision (subscriptions/listen) and the last one with initialize (resources/subscribe).</summary>
    public static TheoryData<string> ProtocolRevisions => new() { "2026-07-28", "2025-11-25" };

    [Fact]
    public async Task ListResources_NamesStatusAndEvents_AsJson()
    {
        await using var server = await TestServer.StartAsync();

        var resources = await server.Client.ListResourcesAsync();

        Assert.Equal(["cachefailover://events", "cachefailover://status"], resources.Select(r => r.Uri).Order(StringComparer.Ordinal));
        Assert.All(resources, r => Assert.Equal("application/json", r.MimeType));
        Assert.All(resources, r => Assert.False(string.IsNullOrWhiteSpace(r.Description)));
    }

    [Fact]
    public async Task ReadStatus_SaysWhatTheStatusToolSays()
    {
        await using var server = await TestServer.StartAsync();
        await server.CallOkAsync("trigger_manual_failover", """{"reason":"resource test"}""");

        var tool = await server.CallOkAsync("get_cache_failover_status");
        using var resource = JsonDocument.Parse(TextOf(await server.Client.ReadResourceAsync("cachefailover://status")));

        Assert.Equal("backup-1", resource.RootElement.GetProperty("active_service_id").GetString());
        Assert.Equal("failed_over", resource.RootElement.GetProperty("status").GetString());
        Assert.Equal(tool.GetProperty("epoch").GetInt64(), resource.RootElement.GetProperty("epoch").GetInt64());
        // Same fields, same shape as the tool (the resource is serialized with the tools' options).
        Assert.Equal(Names(tool), Names(resource.RootElement));
    }

    [Fact]
    public async Task ReadEvents_HoldsTheFailoverAndTheAuditOfTheCallThatMadeIt()
    {
        await using var server = await TestServer.StartAsync();
        await server.CallOkAsync("trigger_manual_failover", """{"reason":"events resource test"}""");

        using var events = JsonDocument.Parse(TextOf(await server.Client.ReadResourceAsync("cachefailover://events")));

        var newest = events.RootElement.GetProperty("events")[0];
        Assert.Equal("manual", newest.GetProperty("trigger").GetString());
        Assert.Equal("events resource test", newest.GetProperty("reason").GetString());
        Assert.Contains(events.RootElement.GetProperty("audit").EnumerateArray(), a => a.GetProperty("tool").GetString() == "trigger_manual_failover");
    }

    [Fact]
    public async Task ReadResource_UnknownUri_IsRefusedNamingTheOnesThatExist()
    {
        await using var server = await TestServer.StartAsync();

        var error = await Assert.ThrowsAsync<McpProtocolException>(() => server.Client.ReadResourceAsync("cachefailover://nothing").AsTask());

        Assert.Contains("cachefailover://nothing", error.Message, StringComparison.Ordinal);
        Assert.Contains("cachefailover://status", error.Message, StringComparison.Ordinal);
        Assert.Contains("cachefailover://events", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(ProtocolRevisions))]
    public async Task SubscribedToStatusAndEvents_ManualFailover_NotifiesBothAndTheStatusReadsBackup(string revision)
    {
        await using var server = await TestServer.StartAsync(clientOptions: new McpClientOptions { ProtocolVersion = revision });
        await using var updates = await ResourceUpdates.SubscribeAsync(server.Client, NotificationTimeout, "cachefailover://status", "cachefailover://events");

        await server.CallOkAsync("trigger_manual_failover", """{"reason":"subscription test"}""");
        var seen = await updates.DistinctAsync(2, NotificationTimeout);

        using var now = JsonDocument.Parse(TextOf(await server.Client.ReadResourceAsync("cachefailover://status")));
        Assert.Equal(revision, server.Client.NegotiatedProtocolVersion);
        Assert.Equal(["cachefailover://events", "cachefailover://status"], seen.Order(StringComparer.Ordinal));
        Assert.Equal("backup-1", now.RootElement.GetProperty("active_service_id").GetString());
    }

    [Fact]
    public async Task SubscribedToEventsOnly_HealthRoundWithoutChange_SendsNothing_ButAFailoverDoes()
    {
        await using var server = await TestServer.StartAsync();
        await using var updates = await ResourceUpdates.SubscribeAsync(server.Client, NotificationTimeout, "cachefailover://events");

        await server.Engine.RunHealthChecksAsync();
        await server.Engine.RunHealthChecksAsync();
        Assert.False(updates.TryRead(out _));
        await server.CallOkAsync("trigger_manual_failover", """{"reason":"only events"}""");

        Assert.Equal("cachefailover://events", await updates.NextAsync(NotificationTimeout));
    }

    [Fact]
    public async Task Listen_UnknownAmongKnownUris_GrantsOnlyTheKnownOnes()
    {
        await using var server = await TestServer.StartAsync();

        await using var updates = await ResourceUpdates.SubscribeAsync(server.Client, NotificationTimeout, "cachefailover://status", "file:///etc/passwd");

        Assert.Equal(["cachefailover://status"], updates.Granted);
    }

    [Theory]
    [MemberData(nameof(ProtocolRevisions))]
    public async Task Capabilities_SayListsAreFixedAndResourcesCanBeSubscribed(string revision)
    {
        await using var server = await TestServer.StartAsync(clientOptions: new McpClientOptions { ProtocolVersion = revision });

        var capabilities = server.Client.ServerCapabilities;

        Assert.NotEqual(true, capabilities.Tools!.ListChanged);
        Assert.NotEqual(true, capabilities.Prompts!.ListChanged);
        Assert.NotEqual(true, capabilities.Resources!.ListChanged);
        Assert.True(capabilities.Resources.Subscribe);
    }

    internal static string TextOf(ReadResourceResult result) => Assert.IsType<TextResourceContents>(Assert.Single(result.Contents)).Text;

    private static List<string> Names(JsonElement element) => [.. element.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal)];
}
