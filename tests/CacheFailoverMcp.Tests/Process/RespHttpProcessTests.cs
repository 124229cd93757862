using System.Globalization;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using CacheFailover.Testing;

namespace CacheFailoverMcp.Tests.Process;

/// <summary>The built executable with --transport http and --resp: both listen (Kestrel binds the HTTP addresses and the front door together).</summary>
[Collection(ProcessTestGroup.Name)]
public sealed partial class RespHttpProcessTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task HttpWithResp_BothListen_OnOneEngine()
    {
        await using var server = ServerProcess.Start("--transport", "http", "--urls", "http://127.0.0.1:0", "--resp", "127.0.0.1:0");
        var http = await server.WaitUntilListeningAsync(Timeout);
        await server.WaitForStderrAsync("RESP front door listening on", Timeout);
        var port = int.Parse(RespLine().Match(server.Stderr).Groups["port"].Value, CultureInfo.InvariantCulture);
        Assert.NotEqual(port, http.Port);

        using var tcp = new TcpClient();
        await tcp.ConnectAsync("127.0.0.1", port);
        var stream = tcp.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n"));
        Assert.Equal("OK", await new RespReader(stream).ReadAsync());

        using var client = new HttpClient { BaseAddress = http };
        var health = await client.GetStringAsync(new Uri("/healthz", UriKind.Relative));
        Assert.Contains("\"active_service_id\":\"primary\"", health, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"RESP front door listening on 127\.0\.0\.1:(?<port>\d+)")]
    private static partial Regex RespLine();
}
