using System.Net;
using System.Net.Http.Headers;
using CacheFailover.Testing;
using CacheFailoverMcp.Tests.Monitoring;
using ModelContextProtocol.Client;

namespace CacheFailoverMcp.Tests.Process;

/// <summary>The built executable's metrics: the Prometheus scrape over HTTP, and OTLP to a loopback collector.</summary>
[Collection(ProcessTestGroup.Name)]
public sealed class MetricsProcessTests
{
    private const string Token = "metrics-token-0123456789abcdef";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Metrics_OperationsAndAFailoverThroughMcp_MoveTheScrapedCounters()
    {
        await using var server = ServerProcess.Start("--transport", "http", "--urls", "http://127.0.0.1:0");
        var baseUrl = await server.WaitUntilListeningAsync(Timeout);
        await using var client = await ConnectAsync(baseUrl, token: null);
        using var http = new HttpClient();

        await StdioProcessTests.CallOkAsync(client, "cache_set", new() { ["key"] = "m1", ["value"] = "a" });
        await StdioProcessTests.CallOkAsync(client, "cache_set", new() { ["key"] = "m2", ["value"] = "b" });
        await StdioProcessTests.CallOkAsync(client, "cache_get", new() { ["key"] = "m1" });
        var before = await ScrapeAsync(http, baseUrl);
        await StdioProcessTests.CallOkAsync(client, "trigger_manual_failover", new() { ["reason"] = "metrics test" });
        await StdioProcessTests.CallOkAsync(client, "cache_set", new() { ["key"] = "m3", ["value"] = "c" });
        await StdioProcessTests.CallOkAsync(client, "cache_get", new() { ["key"] = "m3" });
        var response = await http.GetAsync(new Uri(baseUrl, "/metrics"));
        var after = PrometheusText.Parse(await response.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("text/plain", response.Content.Headers.ContentType?.MediaType, StringComparison.Ordinal);
        Assert.Equal("counter", after.Types["cachefailover_operations_total"]);
        Assert.Equal("counter", after.Types["cachefailover_failovers_total"]);
        Assert.Equal("histogram", after.Types["cachefailover_operation_duration_seconds"]);
        Assert.Equal(0, before.Sum("cachefailover_failovers_total"));
        Assert.Equal(3, before.Sum("cachefailover_operations_total", ("service_id", "primary"), ("outcome", "success")));
        Assert.Equal(2, before.Sum("cachefailover_operations_total", ("service_id", "primary"), ("operation", "set")));
        Assert.Equal(0, before.Sum("cachefailover_operations_total", ("service_id", "backup-1")));
        Assert.Equal(1, after.Sum("cachefailover_failovers_total", ("trigger", "manual"), ("success", "true")));
        Assert.Equal(3, after.Sum("cachefailover_operations_total", ("service_id", "primary")));
        Assert.Equal(2, after.Sum("cachefailover_operations_total", ("service_id", "backup-1"), ("outcome", "success")));
        Assert.Equal(5, after.Sum("cachefailover_operation_duration_seconds_count"));
        Assert.Equal(5, after.Sum("cachefailover_operation_duration_seconds_bucket", ("le", "+Inf")));
        // The engine's bucket advice (100 µs to 10 s), not the collectors' millisecond-sized default.
        Assert.Equal(
            ["0.0001", "0.00025", "0.0005", "0.001", "0.0025", "0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "10", "+Inf"],
            after.Find("cachefailover_operation_duration_seconds_bucket", ("service_id", "primary"), ("operation", "set")).Select(s => s.Label("le")));
        Assert.True(after.Sum("cachefailover_health_checks_total", ("service_id", "primary"), ("outcome", "success")) >= 1);
        Assert.Equal(1, after.Sum("cachefailover_journal_size"));
    }

    [Fact]
    public async Task Metrics_WithAToken_RequireItLikeMcp()
    {
        await using var server = ServerProcess.Start("--transport", "http", "--urls", "http://127.0.0.1:0", "--auth-token", Token);
        var baseUrl = await server.WaitUntilListeningAsync(Timeout);
        using var http = new HttpClient();

        var anonymous = await http.GetAsync(new Uri(baseUrl, "/metrics"));
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(baseUrl, "/metrics"));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        var authorized = await http.SendAsync(request);
        var scraped = PrometheusText.Parse(await authorized.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(HttpStatusCode.OK, authorized.StatusCode);
        Assert.Contains(scraped.Samples, s => s.Name == "target_info" && s.Label("service_name") == "cachefailover-mcp");
    }

    [Fact]
    public async Task Otlp_StandardVariables_ExportTheOperationsToALoopbackCollector()
    {
        await using var collector = await OtlpReceiver.StartAsync();
        await using var server = ServerProcess.StartWithEnvironment(
            new Dictionary<string, string>
            {
                ["OTEL_EXPORTER_OTLP_ENDPOINT"] = collector.BaseAddress.ToString(),
                ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
                ["OTEL_METRIC_EXPORT_INTERVAL"] = "200",
            },
            "--transport", "http", "--urls", "http://127.0.0.1:0");
        var baseUrl = await server.WaitUntilListeningAsync(Timeout);
        await using var client = await ConnectAsync(baseUrl, token: null);

        await StdioProcessTests.CallOkAsync(client, "cache_set", new() { ["key"] = "otlp", ["value"] = "x" });
        var exported = await RealTimePoll.UntilAsync(
            () => OperationsOn(collector, "primary") >= 1,
            Timeout);

        Assert.True(exported, $"no export with cachefailover.operations for primary arrived; requests: {collector.Requests.Count}\n{server.Stderr}");
        var request = collector.Requests.First(r => r.Path == "/v1/metrics");
        Assert.Equal("application/x-protobuf", request.ContentType);
        var operations = collector.Metrics().First(m => m.Name == "cachefailover.operations");
        Assert.Equal("CacheFailover", operations.Scope);
        Assert.Equal("{operation}", operations.Unit);
    }

    [Fact]
    public async Task Otlp_EndpointOption_ExportsFromTheStdioServerToo()
    {
        await using var collector = await OtlpReceiver.StartAsync();
        await using var server = ServerProcess.StartWithEnvironment(
            new Dictionary<string, string> { ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf", ["OTEL_METRIC_EXPORT_INTERVAL"] = "200" },
            "--otlp-endpoint", collector.BaseAddress.ToString());

        // No MCP traffic at all: the start-up probe round alone is counted and exported.
        var exported = await RealTimePoll.UntilAsync(
            () => collector.Metrics().Any(m => m.Scope == "CacheFailover" && m.Name == "cachefailover.health_checks"
                && m.SumPoints.Any(p => p.Attributes.GetValueOrDefault("service.id") == "backup-1" && p.Value >= 1)),
            Timeout);

        Assert.True(exported, $"no export with cachefailover.health_checks arrived; requests: {collector.Requests.Count}\n{server.Stderr}");
        Assert.Empty(server.StdoutLines);
    }

    private static long OperationsOn(OtlpReceiver collector, string serviceId) =>
        collector.Metrics()
            .Where(m => m.Scope == "CacheFailover" && m.Name == "cachefailover.operations")
            .SelectMany(m => m.SumPoints)
            .Where(p => p.Attributes.GetValueOrDefault("service.id") == serviceId)
            .Select(p => p.Value)
            .DefaultIfEmpty(0)
            .Max();

    private static async Task<PrometheusText> ScrapeAsync(HttpClient http, Uri baseUrl) =>
        PrometheusText.Parse(await http.GetStringAsync(new Uri(baseUrl, "/metrics")));

    internal static async Task<McpClient> ConnectAsync(Uri baseUrl, string? token) =>
        await McpClient.CreateAsync(new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = new Uri(baseUrl, "/mcp"),
            TransportMode = HttpTransportMode.StreamableHttp,
            AdditionalHeaders = token is null ? null : new Dictionary<string, string> { ["Authorization"] = "Bearer " + token },
        }));
}
