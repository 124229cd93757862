using System.Globalization;
using System.Text.Json;
using CacheFailoverMcp.Tests.Tools;
using Microsoft.Extensions.Time.Testing;

namespace CacheFailoverMcp.Tests.Fuzz;

/// <summary>The cases the tool-argument fuzzing found, replayed as they were generated (seeds in docs/fuzzing.md).</summary>
public sealed class ToolArgumentFuzzRegressionTests
{
    [Fact]
    public async Task CallTool_LoneSurrogateBesideOtherProblems_NamesEveryProblemAndChangesNothing()
    {
        // Structural case 0x15F02218: only the lone surrogate was named; the unknown argument went unmentioned.
        await using var server = await RawMcpConnection.StartAsync(new FakeTimeProvider(DateTimeOffset.Parse("2026-12-02T12:00:00Z", CultureInfo.InvariantCulture)));
        var before = ToolCallState.Of(server.Engine());

        var response = await server.RequestAsync("tools/call", """{"name":"register_failover_service","arguments":{"service_id":"\ud800","connection":"memory://fuzz-service","fraiz":1,"priority":"high"}}""");

        var result = response.GetProperty("result");
        var text = result.GetProperty("content")[0].GetProperty("text").GetString();
        Assert.True(result.GetProperty("isError").GetBoolean());
        Assert.Contains("argument 'service_id' is not valid text", text, StringComparison.Ordinal);
        Assert.Contains("unknown argument 'fraiz'", text, StringComparison.Ordinal);
        Assert.Contains("argument 'priority' must be a whole number (got a string)", text, StringComparison.Ordinal);
        Assert.DoesNotContain("argument 'service_id' must", text, StringComparison.Ordinal);
        Assert.Equal(before, ToolCallState.Of(server.Engine()));
        Assert.Equal(JsonValueKind.Undefined, response.TryGetProperty("error", out var error) ? error.ValueKind : JsonValueKind.Undefined);
    }
}
