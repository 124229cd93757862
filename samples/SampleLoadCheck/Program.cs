using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

// Usage: SampleLoadCheck BASE_URL [seconds per phase] [workers] [keys]
// Phases: healthy → failed over (trigger_manual_failover) → failed back (trigger_manual_recovery),
// the API under reads and writes throughout; then every key is read once more. A read is stale when
// it returns an older version than the last write acknowledged for its key. Exit 0 only with
// 0 errors and 0 stale reads.
var baseUrl = new Uri(args.Length > 0 ? args[0] : "http://127.0.0.1:5080");
var phaseSeconds = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 3;
var workers = args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 8;
var keys = args.Length > 3 ? int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture) : 200;

using var http = new HttpClient { BaseAddress = baseUrl, Timeout = TimeSpan.FromSeconds(10) };
await WaitUntilUpAsync(http);
var acknowledged = new long[keys];
for (var id = 0; id < keys; id++)
{
    acknowledged[id] = await PutAsync(http, id, "seed");
}

var counts = new ConcurrentDictionary<string, long>();
var errors = new ConcurrentQueue<string>();
using var stop = new CancellationTokenSource();
var load = Enumerable.Range(0, workers).Select(w => Task.Run(async () =>
{
    // Each worker owns the keys with id % workers == w and reads and writes them one at a time, so
    // no two requests for a key race each other in the app (cache-aside has such races of its own,
    // failover or not): a stale read here can only come from the cache.
    var random = new Random(w);
    var owned = Enumerable.Range(0, keys).Where(id => id % workers == w).ToArray();
    while (!stop.IsCancellationRequested && owned.Length > 0)
    {
        var id = owned[random.Next(owned.Length)];
        try
        {
            if (random.Next(4) == 0)
            {
                var version = await PutAsync(http, id, $"w{w}");
                InterlockedMax(ref acknowledged[id], version);
                counts.AddOrUpdate("writes", 1, (_, n) => n + 1);
            }
            else
            {
                var before = Volatile.Read(ref acknowledged[id]);
                var product = await http.GetFromJsonAsync<JsonElement>($"/products/{id}");
                counts.AddOrUpdate("reads", 1, (_, n) => n + 1);
                if (product.GetProperty("version").GetInt64() < before)
                {
                    counts.AddOrUpdate("stale", 1, (_, n) => n + 1);
                }
            }
        }
#pragma warning disable CA1031 // Every failure a caller would see is counted and shown.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            counts.AddOrUpdate("errors", 1, (_, n) => n + 1);
            errors.Enqueue($"{ex.GetType().Name}: {ex.Message}");
        }
    }
})).ToArray();

await using var mcp = await McpClient.CreateAsync(new HttpClientTransport(new HttpClientTransportOptions { Endpoint = new Uri(baseUrl, "/mcp") }));
await Task.Delay(TimeSpan.FromSeconds(phaseSeconds));
var failover = Stopwatch.StartNew();
await CallAsync(mcp, "trigger_manual_failover", new() { ["reason"] = "sample load check: failover" });
Console.WriteLine($"failed over in {failover.Elapsed.TotalMilliseconds:F1} ms: {await StatusAsync(mcp)}");
await Task.Delay(TimeSpan.FromSeconds(phaseSeconds));
var failback = Stopwatch.StartNew();
var recovery = await CallAsync(mcp, "trigger_manual_recovery", new() { ["reason"] = "sample load check: failback" });
Console.WriteLine($"failed back in {failback.Elapsed.TotalMilliseconds:F1} ms ({recovery.GetProperty("reconciled_keys").GetInt64()} journaled keys invalidated on the primary): {await StatusAsync(mcp)}");
await Task.Delay(TimeSpan.FromSeconds(phaseSeconds));
await stop.CancelAsync();
await Task.WhenAll(load);

// Every key once more, after failback and with no writer running: each must be the last acknowledged version.
var staleAfter = 0;
for (var id = 0; id < keys; id++)
{
    var product = await http.GetFromJsonAsync<JsonElement>($"/products/{id}");
    if (product.GetProperty("version").GetInt64() != acknowledged[id])
    {
        staleAfter++;
    }
}

long Count(string name) => counts.TryGetValue(name, out var n) ? n : 0;
Console.WriteLine($"reads {Count("reads")}, writes {Count("writes")}, errors {Count("errors")}, stale reads under load {Count("stale")}, stale after failback {staleAfter}/{keys}");
foreach (var error in errors.Take(5))
{
    Console.WriteLine($"  error: {error}");
}

return Count("errors") == 0 && Count("stale") == 0 && staleAfter == 0 && Count("reads") > 0 && Count("writes") > 0 ? 0 : 1;

static async Task WaitUntilUpAsync(HttpClient http)
{
    var waited = Stopwatch.StartNew();
    while (true)
    {
        try
        {
            using var response = await http.GetAsync(new Uri("/healthz", UriKind.Relative));
            if (response.IsSuccessStatusCode)
            {
                return;
            }
        }
        catch (HttpRequestException) when (waited.Elapsed < TimeSpan.FromSeconds(30))
        {
            // Not listening yet.
        }

        if (waited.Elapsed >= TimeSpan.FromSeconds(30))
        {
            throw new TimeoutException("the sample did not answer /healthz within 30 s");
        }

        await Task.Delay(100);
    }
}

static async Task<long> PutAsync(HttpClient http, int id, string name)
{
    using var response = await http.PutAsJsonAsync($"/products/{id}", new { name });
    response.EnsureSuccessStatusCode();
    var product = await response.Content.ReadFromJsonAsync<JsonElement>();
    return product.GetProperty("version").GetInt64();
}

static void InterlockedMax(ref long target, long value)
{
    var current = Volatile.Read(ref target);
    while (value > current)
    {
        var seen = Interlocked.CompareExchange(ref target, value, current);
        if (seen == current)
        {
            return;
        }

        current = seen;
    }
}

static async Task<JsonElement> CallAsync(McpClient client, string tool, Dictionary<string, object?> arguments)
{
    var result = await client.CallToolAsync(tool, arguments);
    if (result.IsError == true)
    {
        throw new InvalidOperationException($"{tool}: {string.Concat(result.Content.OfType<TextContentBlock>().Select(c => c.Text))}");
    }

    return result.StructuredContent!.Value;
}

static async Task<string> StatusAsync(McpClient client)
{
    var status = await CallAsync(client, "get_cache_failover_status", []);
    return $"status {status.GetProperty("status").GetString()}, serving {status.GetProperty("active_service_id").GetString()}, epoch {status.GetProperty("epoch").GetInt64()}";
}
