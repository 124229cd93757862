using System.Globalization;
using System.Text.Json;
using CacheFailover.Options;

namespace CacheFailoverMcp.Tests.Tools;

/// <summary>
/// <c>configure_cache_failover</c> against the option catalog: every argument advertises the
/// catalog's type, range and text; every runtime option is applied; every start-up-only one is refused.
/// </summary>
public sealed class ConfigureOptionsCatalogTests
{
    public static TheoryData<string> Names => [.. FailoverOptionCatalog.All.Select(d => d.Name)];

    public static TheoryData<string> RuntimeNames => [.. FailoverOptionCatalog.All.Where(d => d.RuntimeChangeable).Select(d => d.Name)];

    public static TheoryData<string> StartupOnlyNames => [.. FailoverOptionCatalog.All.Where(d => !d.RuntimeChangeable).Select(d => d.Name)];

    [Fact]
    public async Task ListTools_ConfigureArguments_CarryTheCatalogTypeRangeAndDescription()
    {
        await using var server = await TestServer.StartAsync();
        var tool = (await server.Client.ListToolsAsync()).Single(t => t.Name == "configure_cache_failover");
        var properties = tool.JsonSchema.GetProperty("properties");

        foreach (var descriptor in FailoverOptionCatalog.All)
        {
            var property = properties.GetProperty(descriptor.Name);
            var type = descriptor.Type switch
            {
                FailoverOptionType.Switch => "boolean",
                FailoverOptionType.WholeNumber => "integer",
                _ => "number",
            };
            Assert.Equal(type, property.GetProperty("type").GetString());
            var description = property.GetProperty("description").GetString()!;
            Assert.Contains(descriptor.Summary, description, StringComparison.Ordinal);
            Assert.Equal(!descriptor.RuntimeChangeable, description.StartsWith("Start-up only", StringComparison.Ordinal));
            if (descriptor.RuntimeChangeable && descriptor.Minimum is { } min && descriptor.Maximum is { } max)
            {
                Assert.Equal(min, property.GetProperty("minimum").GetDouble());
                Assert.Equal(max, property.GetProperty("maximum").GetDouble());
            }
            else
            {
                Assert.False(property.TryGetProperty("minimum", out _), $"{descriptor.Name} advertises a minimum");
            }
        }
    }

    [Fact]
    public async Task ListTools_ConfigureArguments_FailureThresholdText_IsPinned()
    {
        await using var server = await TestServer.StartAsync();
        var tool = (await server.Client.ListToolsAsync()).Single(t => t.Name == "configure_cache_failover");

        var properties = tool.JsonSchema.GetProperty("properties");

        Assert.Equal(
            "Consecutive failures (probes or operations) that make a service unhealthy. 1 to 100; default 3.",
            properties.GetProperty("failure_threshold").GetProperty("description").GetString());
        Assert.Equal(
            "Start-up only: refused here (set it with --health_window_size when the server starts). Operation outcomes kept per service for its success rate and latency. 16 to 65536; default 256.",
            properties.GetProperty("health_window_size").GetProperty("description").GetString());
    }

    [Theory]
    [MemberData(nameof(RuntimeNames))]
    public async Task ConfigureCacheFailover_EachRuntimeOption_IsAppliedAndReportedAlone(string name)
    {
        await using var server = await TestServer.StartAsync();
        var descriptor = FailoverOptionCatalog.Get(name);
        var value = OtherValue(descriptor, server.Engine.Options);

        var result = await server.CallOkAsync("configure_cache_failover", $$"""{"{{name}}":{{Json(value)}}}""");

        var changed = Assert.Single(result.GetProperty("changed").EnumerateObject());
        Assert.Equal(name, changed.Name);
        Assert.Equal(Json(value), changed.Value.GetProperty("new").GetRawText());
        Assert.Equal(Json(value), result.GetProperty("configuration").GetProperty(name).GetRawText());
        Assert.Equal(value, descriptor.Read(server.Engine.Options));
    }

    [Theory]
    [MemberData(nameof(StartupOnlyNames))]
    public async Task ConfigureCacheFailover_StartupOnlyOption_IsRefusedByNameAndChangesNothing(string name)
    {
        await using var server = await TestServer.StartAsync();
        var before = server.Engine.Options;
        var descriptor = FailoverOptionCatalog.Get(name);

        var result = await server.CallAsync("configure_cache_failover", $$"""{"{{name}}":{{Json(descriptor.Read(before))}},"failure_threshold":4}""");

        Assert.True(result.IsError);
        Assert.Equal(
            $"Invalid configuration for 'configure_cache_failover': {name} can only be set at start-up. Nothing was changed.",
            TestServer.Text(result));
        Assert.Same(before, server.Engine.Options);
    }

    private static string Json(object value) => value switch
    {
        bool flag => flag ? "true" : "false",
        double number => JsonSerializer.Serialize(number),
        _ => Convert.ToString(value, CultureInfo.InvariantCulture)!,
    };

    private static object OtherValue(FailoverOptionDescriptor descriptor, FailoverOptions current)
    {
        if (descriptor.Type == FailoverOptionType.Switch)
        {
            return !(bool)descriptor.Read(current);
        }

        var whole = descriptor.Type == FailoverOptionType.WholeNumber;
        foreach (var candidate in new[] { descriptor.Minimum!.Value, descriptor.Maximum!.Value })
        {
            var value = whole ? (object)(int)candidate : candidate;
            var next = descriptor.Write(current, value);
            if (descriptor.Differs(current, next) && FailoverOptionsValidator.Validate(next).Count == 0)
            {
                return value;
            }
        }

        throw new InvalidOperationException($"no valid other value for {descriptor.Name}");
    }
}
