using System.Text.Json;
using CacheFailover.Testing;
using CacheFailoverMcp.Configuration;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace CacheFailoverMcp.Tests.Process;

/// <summary>The built executable over stdio, as an MCP client starts it from mcp.json.</summary>
[Collection(ProcessTestGroup.Name)]
public sealed class StdioProcessTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Stdio_TwoRealRedisServers_FailoverWritesAndRecoveryNeverReadStaleValues()
    {
        await using var primary = await RedisServerProcess.StartAsync();
        await using var backup = await RedisServerProcess.StartAsync();
        var stderr = new List<string>();
        var transport = new StdioClientTransport(new StdioClientTransportOptions
        {
            Name = "cache-failover-mcp",
            Command = ServerExecutable.Command,
            Arguments = ServerExecutable.Arguments("--primary", primary.Uri, "--backup", backup.ConnectionString),
            StandardErrorLines = line =>
            {
                lock (stderr)
                {
                    stderr.Add(line);
                }
            },
        });
        await using var client = await McpClient.CreateAsync(transport);
        var key = "i1-" + Guid.NewGuid().ToString("N");
        var deleted = key + "-deleted";

        var status = await CallOkAsync(client, "get_cache_failover_status");
        Assert.Equal(["redis://127.0.0.1:" + primary.Port, "127.0.0.1:" + backup.Port], status.GetProperty("services").EnumerateArray().Select(s => s.GetProperty("endpoint").GetString()));

        var before = await CallOkAsync(client, "cache_set", new() { ["key"] = key, ["value"] = "old" });
        await CallOkAsync(client, "cache_set", new() { ["key"] = deleted, ["value"] = "doomed" });
        Assert.Equal("primary", before.GetProperty("served_by").GetString());
        Assert.Equal("old", await primary.ExecuteAsync(["GET", key]));

        var failover = await CallOkAsync(client, "trigger_manual_failover", new() { ["reason"] = "patching the primary" });
        Assert.True(failover.GetProperty("success").GetBoolean());
        Assert.Equal("backup-1", failover.GetProperty("to_service_id").GetString());

        var during = await CallOkAsync(client, "cache_set", new() { ["key"] = key, ["value"] = "new" });
        var deletion = await CallOkAsync(client, "cache_delete", new() { ["key"] = deleted });
        Assert.Equal("backup-1", during.GetProperty("served_by").GetString());
        Assert.Equal("backup-1", deletion.GetProperty("served_by").GetString());
        Assert.Equal("new", await backup.ExecuteAsync(["GET", key]));
        Assert.Equal("old", await primary.ExecuteAsync(["GET", key]));

        var recovery = await CallOkAsync(client, "trigger_manual_recovery", new() { ["reason"] = "patch done" });
        Assert.True(recovery.GetProperty("success").GetBoolean());
        Assert.Equal(2, recovery.GetProperty("reconciled_keys").GetInt64());

        // I1: the latest value or a miss, never the primary's older value; I2: the delete stays.
        var read = await CallOkAsync(client, "cache_get", new() { ["key"] = key });
        var readDeleted = await CallOkAsync(client, "cache_get", new() { ["key"] = deleted });
        Assert.Equal("primary", read.GetProperty("served_by").GetString());
        Assert.NotEqual("old", read.GetProperty("value").GetString());
        if (read.GetProperty("found").GetBoolean())
        {
            Assert.Equal("new", read.GetProperty("value").GetString());
        }

        Assert.False(readDeleted.GetProperty("found").GetBoolean());
        Assert.Null(await primary.ExecuteAsync(["GET", key]));

        // Writes after failback go to the primary again and read back.
        await CallOkAsync(client, "cache_set", new() { ["key"] = key, ["value"] = "newest" });
        var final = await CallOkAsync(client, "cache_get", new() { ["key"] = key });
        Assert.Equal("newest", final.GetProperty("value").GetString());
        Assert.Equal("newest", await primary.ExecuteAsync(["GET", key]));
    }

    [Fact]
    public async Task Stdio_EmbeddedDefault_StdoutCarriesOnlyJsonRpcAndClosingStdinStopsCleanly()
    {
        await using var server = ServerProcess.Start();

        await server.Stdin.WriteLineAsync("""{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"raw","version":"1"}}}""");
        await server.Stdin.WriteLineAsync("""{"jsonrpc":"2.0","method":"notifications/initialized"}""");
        await server.Stdin.WriteLineAsync("""{"jsonrpc":"2.0","id":2,"method":"tools/list"}""");
        await server.Stdin.WriteLineAsync("""{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"cache_set","arguments":{"key":"k","value":"v"}}}""");
        await server.Stdin.FlushAsync();
        await WaitForAsync(() => server.StdoutLines.Count >= 3, server);
        server.Stdin.Close();
        var exitCode = await server.WaitForExitAsync(Timeout);

        Assert.Equal(0, exitCode);
        Assert.All(server.StdoutLines, line =>
        {
            using var message = JsonDocument.Parse(line);
            Assert.Equal("2.0", message.RootElement.GetProperty("jsonrpc").GetString());
        });
        Assert.Contains("Failover engine started", server.Stderr, StringComparison.Ordinal);
        Assert.Contains("Failover engine stopped", server.Stderr, StringComparison.Ordinal);
        Assert.Contains("audit: cache_set", server.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("stdio")]
    [InlineData("http")]
    public async Task Sigterm_RunningServer_StopsTheEngineAndExitsZero(string transport)
    {
        await using var server = ServerProcess.Start("--transport", transport, "--urls", "http://127.0.0.1:0");
        await server.WaitForStderrAsync("Serving 13 MCP tools", Timeout);

        server.Terminate();
        var exitCode = await server.WaitForExitAsync(Timeout);

        Assert.Equal(0, exitCode);
        Assert.Contains("Failover engine stopped", server.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Stdio_InvalidConfiguration_ExitsNonZeroNamingEveryProblem()
    {
        await using var server = ServerProcess.Start("--primary", "redis://u:hunter2secret@h:99999", "--failure_threshold", "0", "--transport", "carrier-pigeon");

        var exitCode = await server.WaitForExitAsync(Timeout);

        Assert.Equal(2, exitCode);
        Assert.Contains("the configuration has 3 problems", server.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2secret", server.Stderr, StringComparison.Ordinal);
        Assert.Empty(server.StdoutLines);
    }

    [Fact]
    public async Task Help_PrintsEveryOptionToStdoutAndExitsZeroWithoutStarting()
    {
        await using var server = ServerProcess.Start("--help");

        var exitCode = await server.WaitForExitAsync(Timeout);

        Assert.Equal(0, exitCode);
        var stdout = string.Join("\n", server.StdoutLines) + "\n";
        Assert.Equal(Usage.Text.TrimEnd('\n').Split('\n'), server.StdoutLines);
        Assert.Contains("Usage: cachefailover-mcp [options]", stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("Failover engine started", server.Stderr, StringComparison.Ordinal);
        Assert.Empty(server.Stderr);
    }

    [Fact]
    public async Task Version_PrintsOneLineToStdoutAndExitsZeroWithoutStarting()
    {
        await using var server = ServerProcess.Start("--version", "--primary", "redis://u:hunter2secret@h:99999");

        var exitCode = await server.WaitForExitAsync(Timeout);

        Assert.Equal(0, exitCode);
        Assert.Equal(["CacheFailoverMcp " + ProductVersion.Text], server.StdoutLines);
        Assert.Empty(server.Stderr);
    }

    internal static async Task<JsonElement> CallOkAsync(McpClient client, string tool, Dictionary<string, object?>? arguments = null)
    {
        var result = await client.CallToolAsync(tool, arguments ?? []);
        Assert.True(result.IsError != true, $"{tool} failed: {string.Concat(result.Content.OfType<TextContentBlock>().Select(c => c.Text))}");
        return result.StructuredContent!.Value;
    }

    private static async Task WaitForAsync(Func<bool> condition, ServerProcess server)
    {
        // Waiting on a real process: poll its captured output.
        var deadline = DateTime.UtcNow + Timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline || server.HasExited)
            {
                throw new TimeoutException("The server did not answer in time:\n" + server.Stderr);
            }

            await Task.Delay(20);
        }
    }
}

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProcessTestGroup
{
    public const string Name = "Server processes";
}
