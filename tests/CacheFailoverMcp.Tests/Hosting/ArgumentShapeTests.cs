using System.Text.Json;
using System.Text.Json.Nodes;
using ModelContextProtocol.Protocol;

namespace CacheFailoverMcp.Tests.Hosting;

/// <summary>Arguments the SDK cannot bind on its own: integers written as 1e2 or 3.0, and arguments that are not an object.</summary>
public sealed class ArgumentShapeTests
{
    [Theory]
    [InlineData("get_failover_events", """{"limit":1e2}""")]
    [InlineData("get_failover_events", """{"limit":3.0}""")]
    [InlineData("get_failover_performance_metrics", """{"window_seconds":6E1}""")]
    [InlineData("cache_set", """{"key":"k","value":"v","ttl_seconds":1.0e1}""")]
    public async Task CallTool_WholeNumberInExponentOrDecimalForm_IsAccepted(string tool, string arguments)
    {
        await using var server = await TestServer.StartAsync();

        var result = await server.CallAsync(tool, arguments);

        Assert.True(result.IsError != true, TestServer.Text(result));
    }

    [Theory]
    [InlineData("""["k","v"]""", "an array")]
    [InlineData("\"key=k\"", "a string")]
    [InlineData("42", "a number")]
    public async Task CallTool_ArgumentsNotAnObject_AnswersIsErrorNamingTheShape(string arguments, string shape)
    {
        await using var server = await TestServer.StartAsync();

        var result = await CallRawAsync(server, "cache_set", arguments);

        Assert.True(result.IsError);
        Assert.Contains($"arguments must be an object with one property per argument (got {shape})", TestServer.Text(result), StringComparison.Ordinal);
        Assert.Contains("Nothing was changed", TestServer.Text(result), StringComparison.Ordinal);
        Assert.Equal("invalid_arguments", Assert.Single(server.Audit.Query(10)).Outcome);
    }

    /// <summary>Sends the arguments exactly as written (the client's own serializer refuses lone surrogates).</summary>
    private static async Task<CallToolResult> CallRawAsync(TestServer server, string tool, string arguments)
    {
        var request = new JsonRpcRequest
        {
            Id = new RequestId(7),
            Method = RequestMethods.ToolsCall,
            Params = JsonNode.Parse($$"""{"name":"{{tool}}","arguments":{{arguments}}}"""),
        };

        var response = await server.Client.SendRequestAsync(request);
        return response.Result.Deserialize<CallToolResult>(ModelContextProtocol.McpJsonUtilities.DefaultOptions)!;
    }
}
