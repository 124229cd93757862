using System.Net;
using System.Text.Json;
using CacheFailover.Testing;

namespace CacheFailoverMcp.Tests.Process;

/// <summary>
/// <c>/healthz</c> of the built executable in each state: ok, degraded (failed over through MCP; a
/// backup down) and down (both real redis-servers killed), with the serving endpoint redacted.
/// </summary>
[Collection(ProcessTestGroup.Name)]
public sealed class HealthzProcessTests
{
    private const string Password = "Healthz-S3cret-Passw0rd";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Healthz_ManualFailoverThroughMcp_TurnsOkIntoDegradedWith200()
    {
        await using var server = ServerProcess.Start("--transport", "http", "--urls", "http://127.0.0.1:0");
        var baseUrl = await server.WaitUntilListeningAsync(Timeout);
        await using var client = await MetricsProcessTests.ConnectAsync(baseUrl, token: null);
        using var http = new HttpClient();

        var ok = await WaitForAsync(http, baseUrl, "ok");
        await StdioProcessTests.CallOkAsync(client, "trigger_manual_failover", new() { ["reason"] = "healthz test" });
        var (code, degraded) = await GetAsync(http, baseUrl);

        Assert.Equal(HttpStatusCode.OK, ok.Code);
        Assert.Equal("memory://primary", ok.Body.GetProperty("serving_endpoint").GetString());
        Assert.Empty(ok.Body.GetProperty("reasons").EnumerateArray());
        Assert.Equal(HttpStatusCode.OK, code);
        Assert.Equal("degraded", degraded.GetProperty("status").GetString());
        Assert.Equal("failed_over", degraded.GetProperty("engine_status").GetString());
        Assert.Equal("backup-1", degraded.GetProperty("active_service_id").GetString());
        Assert.Equal("memory://backup", degraded.GetProperty("serving_endpoint").GetString());
        Assert.Equal("failed_over: backup-1 serves instead of primary", degraded.GetProperty("reasons")[0].GetString());
    }

    [Fact]
    public async Task Healthz_RealRedisBackupThenPrimaryKilled_DegradedThenDown503_PasswordNeverShown()
    {
        await using var primary = await RedisServerProcess.StartAsync(["--requirepass", Password]);
        await using var backup = await RedisServerProcess.StartAsync(["--requirepass", Password]);
        await using var server = ServerProcess.Start(
            "--transport", "http", "--urls", "http://127.0.0.1:0",
            "--primary", $"redis://:{Password}@127.0.0.1:{primary.Port}",
            "--backup", $"127.0.0.1:{backup.Port},password={Password}",
            "--health_check_interval_seconds", "0.2", "--health_check_timeout_seconds", "0.2", "--failure_threshold", "1");
        var baseUrl = await server.WaitUntilListeningAsync(Timeout);
        using var http = new HttpClient();

        var ok = await WaitForAsync(http, baseUrl, "ok");
        backup.Kill();
        var degraded = await WaitForAsync(http, baseUrl, "degraded");
        primary.Kill();
        var down = await WaitForAsync(http, baseUrl, "down");

        Assert.Equal(HttpStatusCode.OK, ok.Code);
        Assert.Equal($"redis://:***@127.0.0.1:{primary.Port}", ok.Body.GetProperty("serving_endpoint").GetString());
        Assert.Equal(HttpStatusCode.OK, degraded.Code);
        Assert.Equal("primary", degraded.Body.GetProperty("active_service_id").GetString());
        Assert.Equal(["backup backup-1 is unhealthy"], degraded.Body.GetProperty("reasons").EnumerateArray().Select(r => r.GetString()));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, down.Code);
        Assert.Equal(["the serving service primary is unhealthy and no other service is healthy"], down.Body.GetProperty("reasons").EnumerateArray().Select(r => r.GetString()));
        Assert.All([ok.Raw, degraded.Raw, down.Raw], raw => Assert.DoesNotContain(Password, raw, StringComparison.Ordinal));
    }

    private static async Task<(HttpStatusCode Code, JsonElement Body)> GetAsync(HttpClient http, Uri baseUrl)
    {
        var (code, body, _) = await GetRawAsync(http, baseUrl);
        return (code, body);
    }

    private static async Task<(HttpStatusCode Code, JsonElement Body, string Raw)> GetRawAsync(HttpClient http, Uri baseUrl)
    {
        var response = await http.GetAsync(new Uri(baseUrl, "/healthz"));
        var raw = await response.Content.ReadAsStringAsync();
        using var document = JsonDocument.Parse(raw);
        return (response.StatusCode, document.RootElement.Clone(), raw);
    }

    /// <summary>Polls the real server until /healthz says <paramref name="word"/>; the last answer otherwise fails the test.</summary>
    private static async Task<(HttpStatusCode Code, JsonElement Body, string Raw)> WaitForAsync(HttpClient http, Uri baseUrl, string word)
    {
        (HttpStatusCode Code, JsonElement Body, string Raw) last = default;
        var reached = await RealTimePoll.UntilAsync(
            async () =>
            {
                last = await GetRawAsync(http, baseUrl);
                return last.Body.GetProperty("status").GetString() == word;
            },
            Timeout);
        Assert.True(reached, $"/healthz never said {word}; last: {(int)last.Code} {last.Raw}");
        return last;
    }
}
