using System.Text.Json;
using System.Globalization;
using CacheFailover.Testing.Fuzz;
using CacheFailoverMcp.Tests.Tools;
using CsCheck;
using Microsoft.Extensions.Time.Testing;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using Xunit.Abstractions;

namespace CacheFailoverMcp.Tests.Fuzz;

/// <summary>
/// Property-based fuzzing of the tool-argument path (ArgumentsShapeFilter, ToolArgumentValidator,
/// the tools' own checks, ToolCallGuard) through a real McpClient: generated calls, every one wrong by
/// the tool's own schema, must each get an isError naming what was wrong and change nothing; arbitrary
/// calls to the read-only tools must always get a result. Fixed seed and bounded cases in CI
/// (docs/fuzzing.md); CACHEFAILOVER_FUZZ_ITERATIONS runs more.
/// </summary>
public sealed class ToolArgumentFuzzTests(ITestOutputHelper output)
{
    /// <summary>One call over in-memory pipes takes milliseconds; this is a hang, not a slow machine.</summary>
    private static readonly TimeSpan CaseLimit = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task CallTool_ArgumentsWrongBySchema_AnswersIsErrorNamingEachAndChangesNothing()
    {
        await RunAsync(ToolCallCases.StructurallyWrong, 500, expectError: true);
    }

    [Fact]
    public async Task CallTool_OneArgumentOutsideWhatItAllows_AnswersIsErrorNamingItAndChangesNothing()
    {
        await RunAsync(ToolCallCases.OutOfRange, 300, expectError: true);
    }

    [Fact]
    public async Task CallTool_ReadOnlyToolWithArbitraryArguments_AlwaysAnswersAResultAndChangesNothing()
    {
        await RunAsync(ToolCallCases.AnyReadOnlyCall, 400, expectError: false);
    }

    private async Task RunAsync(Func<IReadOnlyList<ToolShape>, Gen<ToolCallCase>> cases, int quickIterations, bool expectError)
    {
        // A fake clock: no probe round runs between two cases, so any change of state is the call's.
        await using var server = await RawMcpConnection.StartAsync(new FakeTimeProvider(DateTimeOffset.Parse("2026-12-02T12:00:00Z", CultureInfo.InvariantCulture)));
        Assert.True(Result(await server.RequestAsync("tools/call", """{"name":"cache_set","arguments":{"key":"seed","value":"seed"}}""")).IsError != true);
        var tools = Result<ListToolsResult>(await server.RequestAsync("tools/list", "{}")).Tools
            .Select(t => ToolShape.From(t.Name, t.Annotations?.ReadOnlyHint == true, t.InputSchema))
            .ToList();

        var summary = await FuzzRun.CheckAsync(cases(tools), quickIterations, CaseLimit, async c =>
        {
            var before = ToolCallState.Of(server.Engine());

            var result = Result(await server.RequestAsync("tools/call", RawCall.Params(c)));

            var text = string.Concat(result.Content.OfType<TextContentBlock>().Select(b => b.Text));
            Assert.DoesNotContain("An error occurred invoking", text, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", text, StringComparison.Ordinal);
            Assert.DoesNotContain("hunter2", text, StringComparison.Ordinal);
            if (expectError)
            {
                Assert.True(result.IsError, $"not refused: {text}");
                foreach (var fragment in c.MustName)
                {
                    Assert.True(text.Contains(fragment, StringComparison.Ordinal), $"'{fragment}' is not named in: {text}");
                }
            }

            Assert.Equal(before, ToolCallState.Of(server.Engine()));
            Assert.Empty(server.Unexpected);
        }, c => c.ToString());

        output.WriteLine(summary.ToString());
    }

    private static CallToolResult Result(JsonElement response) => Result<CallToolResult>(response);

    /// <summary>The response's result; a JSON-RPC error (what the SDK answers for an unhandled exception) fails the case.</summary>
    private static T Result<T>(JsonElement response) =>
        response.TryGetProperty("result", out var result)
            ? result.Deserialize<T>(McpJsonUtilities.DefaultOptions)!
            : throw new Xunit.Sdk.XunitException("a JSON-RPC error instead of a tool result: " + response);
}
