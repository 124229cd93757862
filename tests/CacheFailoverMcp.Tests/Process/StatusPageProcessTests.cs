using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using ModelContextProtocol.Client;
using PuppeteerSharp;
using Xunit.Abstractions;

namespace CacheFailoverMcp.Tests.Process;

/// <summary>
/// The status page of the built executable over HTTP: what is public (the shell) and what needs the
/// token (the data), and the real page in Debian's chromium following a failover made through MCP.
/// </summary>
[Collection(ProcessTestGroup.Name)]
public sealed class StatusPageProcessTests(ITestOutputHelper output)
{
    private const string Token = "status-page-token-0123456789";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task StatusPage_WithToken_ShellIsServedWithoutItAndHoldsNoDataWhileStatusJsonRequiresIt()
    {
        await using var server = ServerProcess.Start("--transport", "http", "--urls", "http://127.0.0.1:0", "--auth-token", Token);
        var baseUrl = await server.WaitUntilListeningAsync(Timeout);
        using var http = new HttpClient();

        var shell = await http.GetAsync(baseUrl);
        var html = await shell.Content.ReadAsStringAsync();
        var script = await http.GetAsync(new Uri(baseUrl, "/status-page/app.js"));
        var anonymous = await http.GetAsync(new Uri(baseUrl, "/status.json"));
        var inQuery = await http.GetAsync(new Uri(baseUrl, "/status.json?token=" + Token));
        var wrong = await GetJsonAsync(http, baseUrl, "not-the-token-0000000000");
        var authorized = await GetJsonAsync(http, baseUrl, Token);
        using var posted = new HttpRequestMessage(HttpMethod.Post, baseUrl) { Content = new StringContent("x") };
        var post = await http.SendAsync(posted);

        Assert.Equal(HttpStatusCode.OK, shell.StatusCode);
        Assert.Equal("text/html", shell.Content.Headers.ContentType?.MediaType);
        var policy = string.Join(" ", shell.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("default-src 'none'", policy, StringComparison.Ordinal);
        Assert.Contains("script-src 'self'", policy, StringComparison.Ordinal);
        Assert.Contains("connect-src 'self'", policy, StringComparison.Ordinal);
        Assert.Contains("CacheFailoverMcp status", html, StringComparison.Ordinal);
        Assert.DoesNotContain(Token, html, StringComparison.Ordinal);
        Assert.DoesNotContain("memory://", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<script>", html, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, script.StatusCode);
        Assert.Equal("text/javascript", script.Content.Headers.ContentType?.MediaType);

        // The data is behind the same token as /mcp, sent only as a header: never from the address.
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, inQuery.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, post.StatusCode);
        Assert.Equal(HttpStatusCode.OK, authorized.StatusCode);
        Assert.Equal("no-store", authorized.Headers.CacheControl?.ToString());
        using var page = JsonDocument.Parse(await authorized.Content.ReadAsStringAsync());
        var status = page.RootElement.GetProperty("status");
        Assert.Equal("active", status.GetProperty("status").GetString());
        Assert.Equal("primary", status.GetProperty("active_service_id").GetString());
        Assert.Equal(0, status.GetProperty("epoch").GetInt64());
        Assert.Equal("default", status.GetProperty("group").GetProperty("name").GetString());
        Assert.Empty(page.RootElement.GetProperty("events").EnumerateArray());
        var history = page.RootElement.GetProperty("history");
        Assert.Equal(5, history.GetProperty("interval_seconds").GetDouble());
        Assert.Equal(600, history.GetProperty("window_seconds").GetDouble());
        Assert.Equal(["primary", "backup-1"], history.GetProperty("services").EnumerateArray().Select(s => s.GetProperty("service_id").GetString()));
        Assert.All(history.GetProperty("services").EnumerateArray(), s => Assert.NotEmpty(s.GetProperty("points").EnumerateArray()));
        Assert.DoesNotContain(Token, server.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StatusPage_InHeadlessChromium_ShowsPrimaryThenBackupAfterAFailoverThroughMcp()
    {
        await using var server = ServerProcess.Start("--transport", "http", "--urls", "http://127.0.0.1:0", "--auth-token", Token);
        var baseUrl = await server.WaitUntilListeningAsync(Timeout);
        await using var browser = await Puppeteer.LaunchAsync(new LaunchOptions
        {
            ExecutablePath = Chromium.Path,
            Headless = true,
            // These tests run as root (CI, containers), where chromium refuses to start inside its
            // sandbox; the page it opens is this test's own, on loopback.
            Args = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
        });
        await using var page = await browser.NewPageAsync();
        await page.SetViewportAsync(new ViewPortOptions { Width = 1200, Height = 1150 });
        var problems = new List<string>();
        page.PageError += (_, e) => problems.Add("page error: " + e.Message);
        page.Console += (_, e) =>
        {
            if (e.Message.Text.Contains("Content Security Policy", StringComparison.Ordinal))
            {
                problems.Add("CSP: " + e.Message.Text);
            }
        };

        // Without a token the page asks for one; with it, it polls /status.json and draws.
        await page.GoToAsync(baseUrl.ToString());
        await page.WaitForSelectorAsync("#login:not([hidden])", new WaitForSelectorOptions { Timeout = 15_000 });
        await page.TypeAsync("#token", Token);
        await page.ClickAsync("#login-form button[type=submit]");
        await WaitForTextAsync(page, "#serving", "primary");
        Assert.Equal("active", await TextAsync(page, "#status"));
        Assert.Equal("0", await TextAsync(page, "#epoch"));
        Assert.Equal(2, await page.EvaluateExpressionAsync<int>("document.querySelectorAll('#services tbody tr').length"));
        // Sampled at start and every 5 s: at least one health cell per service in the chart's band.
        Assert.True(await page.EvaluateExpressionAsync<bool>("document.querySelectorAll('#chart svg rect').length >= 2"), "the chart has no health samples");
        await page.ScreenshotAsync(ScreenshotPath("status-page-primary.png"), new ScreenshotOptions { FullPage = true });

        await using var client = await McpClient.CreateAsync(new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = new Uri(baseUrl, "/mcp"),
            TransportMode = HttpTransportMode.StreamableHttp,
            AdditionalHeaders = new Dictionary<string, string> { ["Authorization"] = "Bearer " + Token },
        }));
        var failover = await StdioProcessTests.CallOkAsync(client, "trigger_manual_failover", new() { ["reason"] = "patching the primary" });
        var answered = Stopwatch.GetTimestamp();
        Assert.Equal("backup-1", failover.GetProperty("to_service_id").GetString());

        // The page's next poll (every 2 s) shows it, without a reload.
        await WaitForTextAsync(page, "#serving", "backup-1");
        output.WriteLine($"page showed backup-1 {Stopwatch.GetElapsedTime(answered).TotalMilliseconds:0} ms after trigger_manual_failover answered");
        Assert.Equal("failed_over", await TextAsync(page, "#status"));
        Assert.Equal("1", await TextAsync(page, "#epoch"));
        var latest = await TextAsync(page, "#timeline li:first-child");
        Assert.Contains("failover primary → backup-1", latest, StringComparison.Ordinal);
        Assert.Contains("patching the primary", latest, StringComparison.Ordinal);
        Assert.Contains("manual", latest, StringComparison.Ordinal);
        Assert.Contains("trigger_manual_recovery", await TextAsync(page, "#recovery-note"), StringComparison.Ordinal);
        var path = ScreenshotPath("status-page.png");
        await page.ScreenshotAsync(path, new ScreenshotOptions { FullPage = true });
        output.WriteLine("screenshot: " + path);

        Assert.True(new FileInfo(path).Length > 10_000, "the screenshot is nearly empty");
        Assert.DoesNotContain(Token, await page.GetContentAsync(), StringComparison.Ordinal);
        Assert.Empty(problems);
    }

    private static async Task<HttpResponseMessage> GetJsonAsync(HttpClient http, Uri baseUrl, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(baseUrl, "/status.json"));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return await http.SendAsync(request);
    }

    private static async Task WaitForTextAsync(IPage page, string selector, string text)
    {
        try
        {
            await page.WaitForFunctionAsync(
                "(selector, text) => document.querySelector(selector)?.textContent === text",
                new WaitForFunctionOptions { Timeout = 15_000 },
                selector,
                text);
        }
        catch (WaitTaskTimeoutException)
        {
            Assert.Fail($"{selector} never showed '{text}'; it shows '{await TextAsync(page, selector)}', and the page says '{await TextAsync(page, "#connection")}'.");
        }
    }

    private static Task<string> TextAsync(IPage page, string selector) =>
        page.EvaluateFunctionAsync<string>("selector => document.querySelector(selector)?.textContent ?? '(missing)'", selector);

    /// <summary>Under the test output's TestResults folder (kept after the run; git ignores it).</summary>
    private static string ScreenshotPath(string name)
    {
        var directory = Path.Combine(AppContext.BaseDirectory, "TestResults");
        Directory.CreateDirectory(directory);
        return Path.Combine(directory, name);
    }
}

/// <summary>Debian's chromium, as tests/require-chromium.sh installs it (tests/run.sh runs that first).</summary>
internal static class Chromium
{
    private static readonly string[] Candidates = ["/usr/lib/chromium/chromium", "/usr/bin/chromium"];

    public static string Path => Candidates.FirstOrDefault(File.Exists)
        ?? throw new InvalidOperationException("Debian's chromium is not installed: run `bash tests/require-chromium.sh` (tests/run.sh does).");
}
