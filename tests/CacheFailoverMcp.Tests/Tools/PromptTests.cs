using CacheFailoverMcp.Configuration;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;

namespace CacheFailoverMcp.Tests.Tools;

/// <summary>The runbook prompts through a real MCP client.</summary>
public sealed class PromptTests
{
    [Fact]
    public async Task ListPrompts_OffersTheThreeRunbooks_WithTheirArguments()
    {
        await using var server = await TestServer.StartAsync();

        var prompts = await server.Client.ListPromptsAsync();

        Assert.Equal(["diagnose_cache", "planned_primary_maintenance", "post_incident_review"], prompts.Select(p => p.Name).Order(StringComparer.Ordinal));
        var maintenance = prompts.Single(p => p.Name == "planned_primary_maintenance").ProtocolPrompt;
        Assert.True(maintenance.Arguments!.Single(a => a.Name == "reason").Required);
        Assert.NotEqual(true, maintenance.Arguments!.Single(a => a.Name == "window_minutes").Required);
    }

    [Fact]
    public async Task ListPrompts_ReadOnly_LeavesOutTheRunbookThatMovesTraffic()
    {
        await using var server = await TestServer.StartAsync(new HostSettings { ReadOnly = true });

        var prompts = await server.Client.ListPromptsAsync();

        Assert.Equal(["diagnose_cache", "post_incident_review"], prompts.Select(p => p.Name).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task GetMaintenance_StepsThroughTheToolsThisServerHas_WithTheReasonGiven()
    {
        await using var server = await TestServer.StartAsync();
        var tools = (await server.Client.ListToolsAsync()).Select(t => t.Name).ToHashSet(StringComparer.Ordinal);

        var prompt = await server.Client.GetPromptAsync("planned_primary_maintenance", new Dictionary<string, object?> { ["reason"] = "kernel upgrade", ["window_minutes"] = "30" });

        var text = Assert.IsType<TextContentBlock>(Assert.Single(prompt.Messages).Content).Text;
        Assert.Equal(Role.User, prompt.Messages[0].Role);
        Assert.Contains("\"kernel upgrade\"", text, StringComparison.Ordinal);
        Assert.Contains("30 minutes", text, StringComparison.Ordinal);
        var named = new[] { "get_cache_failover_status", "test_cache_failover_scenario", "trigger_manual_failover", "trigger_manual_recovery", "get_failover_events" };
        Assert.All(named, tool => Assert.Contains(tool, text, StringComparison.Ordinal));
        Assert.All(named, tool => Assert.Contains(tool, tools));
    }

    [Theory]
    [InlineData("diagnose_cache", "get_failover_performance_metrics")]
    [InlineData("post_incident_review", "include_audit true")]
    public async Task GetReadOnlyRunbooks_NameNoToolThatChangesAnything(string name, string expected)
    {
        await using var server = await TestServer.StartAsync(new HostSettings { ReadOnly = true });

        var prompt = await server.Client.GetPromptAsync(name);

        var text = Assert.IsType<TextContentBlock>(Assert.Single(prompt.Messages).Content).Text;
        Assert.Contains(expected, text, StringComparison.Ordinal);
        Assert.DoesNotContain("trigger_manual_failover with", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetReview_Since_IsPassedToTheEventsCall()
    {
        await using var server = await TestServer.StartAsync();

        var prompt = await server.Client.GetPromptAsync("post_incident_review", new Dictionary<string, object?> { ["since"] = "2026-12-02T14:00:00Z" });

        var text = Assert.IsType<TextContentBlock>(Assert.Single(prompt.Messages).Content).Text;
        Assert.Contains("since \"2026-12-02T14:00:00Z\"", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("planned_primary_maintenance", "{}", "'reason' is required")]
    [InlineData("planned_primary_maintenance", """{"reason":"x","window_minutes":"0"}""", "'window_minutes' must be a whole number of minutes from 1 to 1440 (got '0')")]
    [InlineData("planned_primary_maintenance", """{"reason":"x","window":"5"}""", "'window' is not an argument of planned_primary_maintenance (allowed: reason, window_minutes)")]
    [InlineData("post_incident_review", """{"since":"yesterday"}""", "'since' must be a date and time in ISO 8601")]
    [InlineData("make_coffee", "{}", "There is no prompt 'make_coffee'; this server has diagnose_cache, planned_primary_maintenance, post_incident_review.")]
    public async Task GetPrompt_BadNameOrArguments_IsRefusedNamingWhatIsAllowed(string name, string argumentsJson, string expected)
    {
        await using var server = await TestServer.StartAsync();
        var arguments = System.Text.Json.JsonSerializer.Deserialize<Dictionary<string, string>>(argumentsJson)!.ToDictionary(p => p.Key, p => (object?)p.Value);

        var error = await Assert.ThrowsAsync<McpProtocolException>(() => server.Client.GetPromptAsync(name, arguments).AsTask());

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.Equal(McpErrorCode.InvalidParams, error.ErrorCode);
    }
}
