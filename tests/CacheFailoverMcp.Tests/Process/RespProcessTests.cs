using System.Globalization;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using CacheFailover.Testing;

namespace CacheFailoverMcp.Tests.Process;

/// <summary>The built executable with --resp beside stdio: one engine behind both doors, and stdout still only JSON-RPC.</summary>
[Collection(ProcessTestGroup.Name)]
public sealed partial class RespProcessTests
{
    private const string Initialize = """{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"raw","version":"1"}}}""";
    private const string Initialized = """{"jsonrpc":"2.0","method":"notifications/initialized"}""";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task StdioWithResp_ToolsAndRedisClientsShareOneEngine_AndStdoutStaysJsonRpc()
    {
        await using var server = ServerProcess.Start("--resp", "127.0.0.1:0");
        await server.WaitForStderrAsync("RESP front door listening on", Timeout);
        var port = int.Parse(ListeningLine().Match(server.Stderr).Groups["port"].Value, CultureInfo.InvariantCulture);
        await Mcp(server, Initialize, 1);
        await server.Stdin.WriteLineAsync(Initialized);

        using var tcp = new TcpClient();
        await tcp.ConnectAsync("127.0.0.1", port);
        var stream = tcp.GetStream();
        var resp = new RespReader(stream);
        async Task<object?> Call(params string[] command)
        {
            var text = new StringBuilder();
            text.Append(CultureInfo.InvariantCulture, $"*{command.Length}\r\n");
            foreach (var part in command)
            {
                text.Append(CultureInfo.InvariantCulture, $"${Encoding.UTF8.GetByteCount(part)}\r\n{part}\r\n");
            }

            await stream.WriteAsync(Encoding.UTF8.GetBytes(text.ToString()));
            return await resp.ReadAsync();
        }

        await Mcp(server, """{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"cache_set","arguments":{"key":"shared","value":"from-mcp"}}}""", 2);
        Assert.Equal("from-mcp", await Call("GET", "shared"));
        Assert.Equal("OK", await Call("SET", "from-resp", "v"));
        var get = await Mcp(server, """{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"cache_get","arguments":{"key":"from-resp"}}}""", 3);
        Assert.True(get.GetProperty("result").GetProperty("structuredContent").GetProperty("found").GetBoolean());

        await Mcp(server, """{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"trigger_manual_failover","arguments":{"reason":"patching"}}}""", 4);
        Assert.Contains("serving:backup-1", (string)(await Call("INFO", "failover"))!, StringComparison.Ordinal);

        var status = await Mcp(server, """{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"get_cache_failover_status","arguments":{}}}""", 5);
        var door = status.GetProperty("result").GetProperty("structuredContent").GetProperty("resp_front_door");
        Assert.Equal($"127.0.0.1:{port}", door.GetProperty("address").GetString());
        Assert.Equal(1, door.GetProperty("connections").GetInt32());
        Assert.Equal(3, door.GetProperty("commands_total").GetInt64());
        Assert.False(door.GetProperty("password_required").GetBoolean());

        Assert.All(server.StdoutLines, line => JsonDocument.Parse(line).Dispose());
    }

    [Fact]
    public async Task RespWithPassword_ClientsMustAuth_AndThePasswordIsNeverLogged()
    {
        const string Password = "s3cret-resp-password-0123";
        await using var server = ServerProcess.Start("--resp", "127.0.0.1:0", "--resp-password", Password, "--log-level", "debug");
        await server.WaitForStderrAsync("RESP front door listening on", Timeout);
        var port = int.Parse(ListeningLine().Match(server.Stderr).Groups["port"].Value, CultureInfo.InvariantCulture);

        using var tcp = new TcpClient();
        await tcp.ConnectAsync("127.0.0.1", port);
        var stream = tcp.GetStream();
        var resp = new RespReader(stream);
        await stream.WriteAsync(Encoding.ASCII.GetBytes("*2\r\n$3\r\nGET\r\n$1\r\nk\r\n"));
        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => resp.ReadAsync());
        Assert.Contains("NOAUTH", refused.Message, StringComparison.Ordinal);
        await stream.WriteAsync(Encoding.ASCII.GetBytes($"*2\r\n$4\r\nAUTH\r\n${Password.Length}\r\n{Password}\r\n"));
        Assert.Equal("OK", await resp.ReadAsync());

        Assert.Contains("password required", server.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain(Password, server.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain(server.StdoutLines, line => line.Contains(Password, StringComparison.Ordinal));
    }

    [Fact]
    public async Task NonLoopbackRespWithoutPassword_RefusesToStart()
    {
        await using var server = ServerProcess.Start("--resp", "0.0.0.0:0");

        Assert.Equal(2, await server.WaitForExitAsync(Timeout));
        Assert.Contains("--resp 0.0.0.0:0 is not a loopback address, so Redis clients must authenticate", server.Stderr, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"RESP front door listening on 127\.0\.0\.1:(?<port>\d+)")]
    private static partial Regex ListeningLine();

    private static async Task<JsonElement> Mcp(ServerProcess server, string line, int id)
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
