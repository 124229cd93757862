using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using ModelContextProtocol.Client;

namespace CacheFailoverMcp.Tests.Process;

/// <summary>The built executable over HTTP on loopback ports.</summary>
[Collection(ProcessTestGroup.Name)]
public sealed class HttpProcessTests
{
    private const string Token = "test-token-0123456789abcdef";
    private const string InitializeBody = """{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"curl","version":"1"}}}""";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Http_LoopbackBind_ServesToolsOverMcpAndHealthz()
    {
        await using var server = ServerProcess.Start("--transport", "http", "--urls", "http://127.0.0.1:0");
        var baseUrl = await server.WaitUntilListeningAsync(Timeout);

        await using var client = await McpClient.CreateAsync(new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = new Uri(baseUrl, "/mcp"),
            TransportMode = HttpTransportMode.StreamableHttp,
        }));
        var tools = await client.ListToolsAsync();
        var set = await StdioProcessTests.CallOkAsync(client, "cache_set", new() { ["key"] = "k", ["value"] = "over http" });
        var get = await StdioProcessTests.CallOkAsync(client, "cache_get", new() { ["key"] = "k" });
        using var http = new HttpClient();
        var health = await http.GetAsync(new Uri(baseUrl, "/healthz"));

        Assert.Equal(13, tools.Count);
        Assert.Equal("primary", set.GetProperty("served_by").GetString());
        Assert.Equal("over http", get.GetProperty("value").GetString());
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        using var body = JsonDocument.Parse(await health.Content.ReadAsStringAsync());
        Assert.Equal("ok", body.RootElement.GetProperty("status").GetString());
        Assert.Equal("active", body.RootElement.GetProperty("engine_status").GetString());
    }

    [Fact]
    public async Task Http_UnknownHostHeader_IsRejectedByAllowedHosts()
    {
        await using var server = ServerProcess.Start("--transport", "http", "--urls", "http://127.0.0.1:0");
        var baseUrl = await server.WaitUntilListeningAsync(Timeout);
        using var http = new HttpClient();

        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(baseUrl, "/healthz"));
        request.Headers.Host = "attacker.example";
        var response = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task Http_NonLoopbackBindWithoutToken_RefusesToStart()
    {
        await using var server = ServerProcess.Start("--transport", "http", "--urls", "http://0.0.0.0:0");

        var exitCode = await server.WaitForExitAsync(Timeout);

        Assert.Equal(2, exitCode);
        Assert.Contains("is not a loopback address, so HTTP clients must authenticate", server.Stderr, StringComparison.Ordinal);
        Assert.Contains("--auth-token", server.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Http_NonLoopbackBindWithToken_RequestsWithoutItGet401()
    {
        await using var server = ServerProcess.Start("--transport", "http", "--urls", "http://0.0.0.0:0", "--auth-token", Token);
        var baseUrl = await server.WaitUntilListeningAsync(Timeout);
        using var http = new HttpClient();

        var anonymous = await PostInitializeAsync(http, new Uri(baseUrl, "/mcp"), token: null);
        var wrong = await PostInitializeAsync(http, new Uri(baseUrl, "/mcp"), token: "not-the-token-at-all-0000");
        var health = await http.GetAsync(new Uri(baseUrl, "/healthz"));
        await using var client = await McpClient.CreateAsync(new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = new Uri(baseUrl, "/mcp"),
            TransportMode = HttpTransportMode.StreamableHttp,
            AdditionalHeaders = new Dictionary<string, string> { ["Authorization"] = "Bearer " + Token },
        }));
        var status = await StdioProcessTests.CallOkAsync(client, "get_cache_failover_status");

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal("Bearer", anonymous.Headers.WwwAuthenticate.Single().Scheme);
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal("primary", status.GetProperty("active_service_id").GetString());
    }

    [Fact]
    public async Task Http_LegacySse_ServesTheSameToolsBehindTheSameAuth()
    {
        await using var server = ServerProcess.Start("--transport", "http", "--urls", "http://127.0.0.1:0", "--legacy-sse", "--auth-token", Token);
        var baseUrl = await server.WaitUntilListeningAsync(Timeout);
        using var http = new HttpClient();

        using var anonymous = new HttpRequestMessage(HttpMethod.Get, new Uri(baseUrl, "/sse"));
        var unauthorized = await http.SendAsync(anonymous, HttpCompletionOption.ResponseHeadersRead);
        await using var legacy = await McpClient.CreateAsync(new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = new Uri(baseUrl, "/sse"),
            TransportMode = HttpTransportMode.Sse,
            AdditionalHeaders = new Dictionary<string, string> { ["Authorization"] = "Bearer " + Token },
        }));
        var tools = await legacy.ListToolsAsync();
        var set = await StdioProcessTests.CallOkAsync(legacy, "cache_set", new() { ["key"] = "legacy", ["value"] = "sse" });
        await using var streamable = await McpClient.CreateAsync(new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = new Uri(baseUrl, "/mcp"),
            TransportMode = HttpTransportMode.StreamableHttp,
            AdditionalHeaders = new Dictionary<string, string> { ["Authorization"] = "Bearer " + Token },
        }));
        var get = await StdioProcessTests.CallOkAsync(streamable, "cache_get", new() { ["key"] = "legacy" });

        Assert.Equal(HttpStatusCode.Unauthorized, unauthorized.StatusCode);
        Assert.Equal(13, tools.Count);
        Assert.True(set.GetProperty("stored").GetBoolean());
        Assert.Equal("sse", get.GetProperty("value").GetString());
    }

    private static async Task<HttpResponseMessage> PostInitializeAsync(HttpClient http, Uri endpoint, string? token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, endpoint)
        {
            Content = new StringContent(InitializeBody, Encoding.UTF8, "application/json"),
        };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return await http.SendAsync(request);
    }
}
