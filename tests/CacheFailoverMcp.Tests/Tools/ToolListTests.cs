using CacheFailover.Options;
using CacheFailoverMcp.Configuration;

namespace CacheFailoverMcp.Tests.Tools;

public sealed class ToolListTests
{
    /// <summary>Every tool with its honest annotations: read-only, destructive, idempotent, open-world.</summary>
    public static readonly TheoryData<string, bool, bool, bool, bool> Annotations = new()
    {
        { "get_cache_failover_status", true, false, true, false },
        { "get_failover_performance_metrics", true, false, true, false },
        { "get_failover_events", true, false, true, false },
        { "cache_get", true, false, true, false },
        { "cache_exists", true, false, true, false },
        { "configure_cache_failover", false, false, true, false },
        { "trigger_manual_failover", false, true, false, false },
        { "trigger_manual_recovery", false, true, false, false },
        { "register_failover_service", false, false, false, true },
        { "unregister_failover_service", false, true, true, false },
        { "test_cache_failover_scenario", false, true, false, false },
        { "cache_set", false, true, true, false },
        { "cache_delete", false, true, true, false },
    };

    private static readonly Dictionary<string, string[]> Arguments = new()
    {
        ["get_cache_failover_status"] = [],
        ["get_failover_performance_metrics"] = ["window_seconds"],
        ["get_failover_events"] = ["limit", "trigger", "since", "include_audit"],
        ["cache_get"] = ["key"],
        ["cache_exists"] = ["key"],
        // One argument per option of the catalog, in its order (start-up-only ones too, so that they are refused by name).
        ["configure_cache_failover"] = [.. FailoverOptionCatalog.All.Select(d => d.Name)],
        ["trigger_manual_failover"] = ["reason", "target_service_id"],
        ["trigger_manual_recovery"] = ["reason", "flush_dirty_primary"],
        ["register_failover_service"] = ["service_id", "connection", "priority"],
        ["unregister_failover_service"] = ["service_id"],
        ["test_cache_failover_scenario"] = ["scenario", "mode", "confirm"],
        ["cache_set"] = ["key", "value", "ttl_seconds"],
        ["cache_delete"] = ["key"],
    };

    private static readonly Dictionary<string, string[]> RequiredArguments = new()
    {
        ["cache_get"] = ["key"],
        ["cache_exists"] = ["key"],
        ["trigger_manual_failover"] = ["reason"],
        ["register_failover_service"] = ["service_id", "connection"],
        ["unregister_failover_service"] = ["service_id"],
        ["test_cache_failover_scenario"] = ["scenario"],
        ["cache_set"] = ["key", "value"],
        ["cache_delete"] = ["key"],
    };

    [Fact]
    public async Task ListTools_Default_ListsExactlyTheThirteenTools()
    {
        await using var server = await TestServer.StartAsync();

        var tools = await server.Client.ListToolsAsync();

        Assert.Equal(Arguments.Keys.Order(StringComparer.Ordinal), tools.Select(t => t.Name).Order(StringComparer.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Annotations))]
    public async Task ListTools_EveryTool_HasAllFourAnnotationsSetHonestly(string name, bool readOnly, bool destructive, bool idempotent, bool openWorld)
    {
        await using var server = await TestServer.StartAsync();

        var tool = (await server.Client.ListToolsAsync()).Single(t => t.Name == name);

        var annotations = tool.ProtocolTool.Annotations;
        Assert.NotNull(annotations);
        Assert.Equal(readOnly, annotations.ReadOnlyHint);
        Assert.Equal(destructive, annotations.DestructiveHint);
        Assert.Equal(idempotent, annotations.IdempotentHint);
        Assert.Equal(openWorld, annotations.OpenWorldHint);
        Assert.False(string.IsNullOrWhiteSpace(tool.Description));
    }

    [Fact]
    public async Task ListTools_EveryTool_HasSnakeCaseArgumentsWithDescriptionsAndAnObjectOutputSchema()
    {
        await using var server = await TestServer.StartAsync();

        foreach (var tool in await server.Client.ListToolsAsync())
        {
            var properties = tool.JsonSchema.GetProperty("properties").EnumerateObject().ToList();
            Assert.Equal(Arguments[tool.Name], properties.Select(p => p.Name));
            Assert.All(properties, p => Assert.True(p.Value.TryGetProperty("description", out _), $"{tool.Name}.{p.Name} has no description"));
            var required = tool.JsonSchema.TryGetProperty("required", out var list) ? list.EnumerateArray().Select(r => r.GetString()!).ToArray() : [];
            Assert.Equal(RequiredArguments.GetValueOrDefault(tool.Name, []), required);

            Assert.NotNull(tool.ReturnJsonSchema);
            var output = tool.ReturnJsonSchema!.Value;
            Assert.Equal("object", output.GetProperty("type").GetString());
            Assert.All(output.GetProperty("properties").EnumerateObject(), p => Assert.Matches("^[a-z0-9_]+$", p.Name));
        }
    }

    [Fact]
    public async Task ListTools_ArgumentsWithChoicesOrRanges_DeclareThemInTheSchema()
    {
        await using var server = await TestServer.StartAsync();
        var tools = (await server.Client.ListToolsAsync()).ToDictionary(t => t.Name, t => t.JsonSchema.GetProperty("properties"));
        string[] Enum(string tool, string argument) => [.. tools[tool].GetProperty(argument).GetProperty("enum").EnumerateArray().Select(e => e.GetString()!)];
        (double, double) Range(string tool, string argument) => (tools[tool].GetProperty(argument).GetProperty("minimum").GetDouble(), tools[tool].GetProperty(argument).GetProperty("maximum").GetDouble());

        // Choices come from the lists the tools parse with, so a model is told exactly what is accepted.
        Assert.Equal(CacheFailover.Drills.DrillScenarios.WireNames, Enum("test_cache_failover_scenario", "scenario"));
        Assert.Equal(["simulate", "live"], Enum("test_cache_failover_scenario", "mode"));
        Assert.Equal(System.Enum.GetValues<CacheFailover.Engine.FailoverTrigger>().Select(CacheFailover.Engine.WireNames.ToWireName), Enum("get_failover_events", "trigger"));
        Assert.Equal((1, 1000), Range("get_failover_events", "limit"));
        Assert.Equal((1, 3600), Range("get_failover_performance_metrics", "window_seconds"));
        Assert.Equal((1, 31_536_000), Range("cache_set", "ttl_seconds"));
        Assert.Equal((1, 1000), Range("register_failover_service", "priority"));
        Assert.Equal((1, 100), Range("configure_cache_failover", "failure_threshold"));
        Assert.Equal(1024, tools["cache_set"].GetProperty("key").GetProperty("maxLength").GetInt32());
        Assert.Equal(500, tools["trigger_manual_failover"].GetProperty("reason").GetProperty("maxLength").GetInt32());
        Assert.Matches(tools["register_failover_service"].GetProperty("service_id").GetProperty("pattern").GetString()!, "backup-2.eu_west");
        Assert.DoesNotMatch(tools["register_failover_service"].GetProperty("service_id").GetProperty("pattern").GetString()!, "zz\n[19:00] forged");
    }

    [Fact]
    public async Task ListTools_ReadOnlyMode_RegistersOnlyTheReadOnlyTools()
    {
        await using var server = await TestServer.StartAsync(new HostSettings { ReadOnly = true });

        var tools = await server.Client.ListToolsAsync();

        Assert.Equal(
            ["cache_exists", "cache_get", "get_cache_failover_status", "get_failover_events", "get_failover_performance_metrics"],
            tools.Select(t => t.Name).Order(StringComparer.Ordinal));
        Assert.All(tools, t => Assert.True(t.ProtocolTool.Annotations?.ReadOnlyHint));
    }

    [Fact]
    public async Task CallTool_ReadOnlyModeAndAMutatingTool_IsUnknownAndChangesNothing()
    {
        await using var server = await TestServer.StartAsync(new HostSettings { ReadOnly = true });
        var epoch = server.Engine.Epoch;

        var call = () => server.CallAsync("trigger_manual_failover", """{"reason":"x"}""");

        var error = await Record.ExceptionAsync(call);
        Assert.NotNull(error);
        Assert.Equal(epoch, server.Engine.Epoch);
        Assert.Equal("primary", server.Engine.ActiveServiceId);
    }

    [Fact]
    public async Task StatusTool_ReadOnlyMode_SaysSo()
    {
        await using var server = await TestServer.StartAsync(new HostSettings { ReadOnly = true });

        var status = await server.CallOkAsync("get_cache_failover_status");

        Assert.True(status.GetProperty("read_only").GetBoolean());
    }
}
