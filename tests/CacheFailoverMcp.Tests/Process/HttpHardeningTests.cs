using System.Net;
using System.Net.Http.Headers;
using System.Text;
using ModelContextProtocol.Client;

namespace CacheFailoverMcp.Tests.Process;

/// <summary>The built executable over HTTP: Origin, Content-Type, body size, initialize-first, and the token file.</summary>
[Collection(ProcessTestGroup.Name)]
public sealed class HttpHardeningTests
{
    private const string Token = "test-token-0123456789abcdef";
    private const string InitializeBody = """{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"curl","version":"1"}}}""";
    private const string ToolsListBody = """{"jsonrpc":"2.0","id":2,"method":"tools/list"}""";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Http_Origin_ForeignIsRefusedWith403_NoneSameAndConfiguredAreServed()
    {
        await using var server = ServerProcess.Start("--transport", "http", "--urls", "http://127.0.0.1:0", "--auth-token", Token, "--allowed-origins", "https://app.example.com");
        var baseUrl = await server.WaitUntilListeningAsync(Timeout);
        using var http = new HttpClient();
        var mcp = new Uri(baseUrl, "/mcp");

        var foreign = await PostAsync(http, mcp, InitializeBody, origin: "https://evil.example", token: Token);
        var none = await PostAsync(http, mcp, InitializeBody, origin: null, token: Token);
        var same = await PostAsync(http, mcp, InitializeBody, origin: baseUrl.GetLeftPart(UriPartial.Authority), token: Token);
        var configured = await PostAsync(http, mcp, InitializeBody, origin: "https://app.example.com", token: Token);

        Assert.Equal(HttpStatusCode.Forbidden, foreign.StatusCode);
        Assert.Contains("Origin 'https://evil.example' is not allowed", await foreign.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, none.StatusCode);
        Assert.Equal(HttpStatusCode.OK, same.StatusCode);
        Assert.Equal(HttpStatusCode.OK, configured.StatusCode);
    }

    [Fact]
    public async Task Http_PostWithoutJsonContentTypeOrOverTheSizeLimit_IsRefusedEarly()
    {
        await using var server = ServerProcess.Start("--transport", "http", "--urls", "http://127.0.0.1:0");
        var baseUrl = await server.WaitUntilListeningAsync(Timeout);
        using var http = new HttpClient();
        var mcp = new Uri(baseUrl, "/mcp");
        var rssBefore = StdioHardeningTests.ResidentMegabytes(server.Pid);

        var noType = await PostAsync(http, mcp, InitializeBody, origin: null, contentType: null);
        var big = await PostAsync(http, mcp, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\",\"params\":{\"name\":\"cache_set\",\"arguments\":{\"key\":\"k\",\"value\":\"" + new string('x', 25 * 1024 * 1024) + "\"}}}", origin: null, expectContinue: true);
        var rssAfter = StdioHardeningTests.ResidentMegabytes(server.Pid);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, noType.StatusCode);
        Assert.Contains("Content-Type: application/json", await noType.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, big.StatusCode);
        Assert.Contains("larger than 4194304 bytes", await big.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.True(rssAfter - rssBefore < 60, $"RSS {rssBefore:0} -> {rssAfter:0} MB for a 25 MB body");
    }

    [Fact]
    public async Task Http_RequestWithoutInitializeOrProtocolVersion_IsRefused_ARealClientIsServed()
    {
        await using var server = ServerProcess.Start("--transport", "http", "--urls", "http://127.0.0.1:0");
        var baseUrl = await server.WaitUntilListeningAsync(Timeout);
        using var http = new HttpClient();
        var mcp = new Uri(baseUrl, "/mcp");

        var list = await PostAsync(http, mcp, ToolsListBody, origin: null);
        var set = await PostAsync(http, mcp, """{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"cache_set","arguments":{"key":"early","value":"v"}}}""", origin: null);
        await using var client = await McpClient.CreateAsync(new HttpClientTransport(new HttpClientTransportOptions { Endpoint = mcp, TransportMode = HttpTransportMode.StreamableHttp }));
        var get = await StdioProcessTests.CallOkAsync(client, "cache_get", new() { ["key"] = "early" });

        Assert.Contains("initialize must come first", await list.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Contains("initialize must come first", await set.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.False(get.GetProperty("found").GetBoolean());
    }

    [Fact]
    public async Task Http_AuthTokenFile_IsTheToken()
    {
        var file = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(file, Token + "\n");
            await using var server = ServerProcess.Start("--transport", "http", "--urls", "http://127.0.0.1:0", "--auth-token-file", file);
            var baseUrl = await server.WaitUntilListeningAsync(Timeout);
            using var http = new HttpClient();

            var anonymous = await PostAsync(http, new Uri(baseUrl, "/mcp"), InitializeBody, origin: null);
            var authorized = await PostAsync(http, new Uri(baseUrl, "/mcp"), InitializeBody, origin: null, token: Token);

            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
            Assert.Equal(HttpStatusCode.OK, authorized.StatusCode);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Theory]
    [InlineData("empty", "is empty")]
    [InlineData("missing", "cannot be read (FileNotFoundException)")]
    public async Task Http_AuthTokenFileEmptyOrUnreadable_StopsStartWithExit2(string kind, string expected)
    {
        var file = Path.Combine(Path.GetTempPath(), "cfm-token-" + Guid.NewGuid().ToString("N"));
        if (kind == "empty")
        {
            await File.WriteAllTextAsync(file, "\n");
        }

        try
        {
            await using var server = ServerProcess.Start("--transport", "http", "--urls", "http://127.0.0.1:0", "--auth-token-file", file);

            var exitCode = await server.WaitForExitAsync(Timeout);

            Assert.Equal(2, exitCode);
            Assert.Contains($"the auth token file '{file}' {expected}", server.Stderr, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    private static async Task<HttpResponseMessage> PostAsync(HttpClient http, Uri endpoint, string body, string? origin, string? contentType = "application/json", string? token = null, bool expectContinue = false)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, endpoint) { Content = new ByteArrayContent(Encoding.UTF8.GetBytes(body)) };
        if (contentType is not null)
        {
            request.Content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        }

        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        // Waiting for "100 Continue" lets the server refuse a large body before it is sent, as curl does.
        request.Headers.ExpectContinue = expectContinue;
        if (origin is not null)
        {
            request.Headers.Add("Origin", origin);
        }

        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return await http.SendAsync(request);
    }
}
