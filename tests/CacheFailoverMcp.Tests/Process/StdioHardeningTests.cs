using System.Text.Json;

namespace CacheFailoverMcp.Tests.Process;

/// <summary>Raw JSON-RPC lines to the built executable over stdio: what a hostile or broken client can send.</summary>
[Collection(ProcessTestGroup.Name)]
public sealed class StdioHardeningTests
{
    private const string Initialize = """{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"raw","version":"1"}}}""";
    private const string Initialized = """{"jsonrpc":"2.0","method":"notifications/initialized"}""";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Stdio_RequestsBeforeInitialize_AreRefusedAndChangeNothing()
    {
        await using var server = ServerProcess.Start();

        var list = await SendAsync(server, """{"jsonrpc":"2.0","id":2,"method":"tools/list"}""", 2);
        var set = await SendAsync(server, """{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"cache_set","arguments":{"key":"early","value":"v"}}}""", 3);
        await SendAsync(server, Initialize, 1);
        await server.Stdin.WriteLineAsync(Initialized);
        var get = await SendAsync(server, """{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"cache_get","arguments":{"key":"early"}}}""", 4);

        foreach (var refused in new[] { list, set })
        {
            Assert.Equal(-32600, refused.GetProperty("error").GetProperty("code").GetInt32());
            Assert.Contains("initialize must come first", refused.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
        }

        Assert.False(get.GetProperty("result").GetProperty("structuredContent").GetProperty("found").GetBoolean());
    }

    [Fact]
    public async Task Stdio_NewlineInAnId_CannotForgeALogLine()
    {
        await using var server = await StartInitializedAsync();

        await SendAsync(server, """{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"unregister_failover_service","arguments":{"service_id":"zz\n[19:00:00.000 INF] forged"}}}""", 2);
        server.Stdin.Close();
        await server.WaitForExitAsync(Timeout);

        var lines = server.Stderr.Split('\n');
        Assert.Contains(lines, l => l.Contains("zz\\n[19:00:00.000 INF] forged", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.StartsWith("[19:00:00.000 INF] forged", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("""{"name":"cache_get","arguments":{"key":"\ud800"}}""", "argument 'key' is not valid text")]
    [InlineData("""{"name":"cache_set","arguments":{"key":"k","value":"\udc00"}}""", "argument 'value' is not valid text")]
    [InlineData("""{"name":"cache_set","arguments":["k","v"]}""", "arguments must be an object with one property per argument (got an array)")]
    [InlineData("""{"name":"cache_set","arguments":"k=v"}""", "arguments must be an object with one property per argument (got a string)")]
    public async Task Stdio_LoneSurrogateOrArgumentsNotAnObject_AnswersIsErrorNamingIt(string parameters, string expected)
    {
        await using var server = await StartInitializedAsync();

        var response = await SendAsync(server, $$"""{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{{parameters}}}""", 2);

        var result = response.GetProperty("result");
        Assert.True(result.GetProperty("isError").GetBoolean());
        Assert.Contains(expected, result.GetProperty("content")[0].GetProperty("text").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Stdio_MessageOverTheLimit_IsRefusedWithoutBufferingIt()
    {
        await using var server = await StartInitializedAsync();
        var value = new string('x', 50 * 1024 * 1024);

        var refused = await SendAsync(server, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{\"name\":\"cache_set\",\"arguments\":{\"key\":\"big\",\"value\":\"" + value + "\"}}}", 2);
        var rss = ResidentMegabytes(server.Pid);
        var get = await SendAsync(server, """{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"cache_get","arguments":{"key":"big"}}}""", 3);

        Assert.Equal(-32600, refused.GetProperty("error").GetProperty("code").GetInt32());
        Assert.Contains("larger than 4194304 bytes", refused.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.False(get.GetProperty("result").GetProperty("structuredContent").GetProperty("found").GetBoolean());
        Assert.True(rss < 300, $"RSS {rss} MB after a 50 MB message");
    }

    internal static double ResidentMegabytes(int pid)
    {
        var status = File.ReadAllLines($"/proc/{pid}/status").Single(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return double.Parse(status.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) / 1024;
    }

    private static async Task<ServerProcess> StartInitializedAsync()
    {
        var server = ServerProcess.Start();
        await SendAsync(server, Initialize, 1);
        await server.Stdin.WriteLineAsync(Initialized);
        return server;
    }

    /// <summary>Writes one line and waits for the response with <paramref name="id"/> on stdout.</summary>
    private static async Task<JsonElement> SendAsync(ServerProcess server, string line, int id)
    {
        await server.Stdin.WriteLineAsync(line);
        await server.Stdin.FlushAsync();
        var deadline = DateTime.UtcNow + Timeout;
        while (true)
        {
            foreach (var output in server.StdoutLines)
            {
                using var message = JsonDocument.Parse(output);
                if (message.RootElement.TryGetProperty("id", out var got) && got.ValueKind == JsonValueKind.Number && got.GetInt32() == id)
                {
                    return message.RootElement.Clone();
                }
            }

            if (DateTime.UtcNow > deadline || server.HasExited)
            {
                throw new TimeoutException($"No response {id}:\n{server.Stderr}");
            }

            // Waiting on a real process: poll its captured output.
            await Task.Delay(20);
        }
    }
}
