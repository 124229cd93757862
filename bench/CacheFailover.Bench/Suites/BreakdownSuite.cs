using System.Collections.Concurrent;
using System.Diagnostics.Tracing;
using System.Globalization;
using CacheFailover.Bench.Contenders;
using CacheFailover.Bench.Infrastructure;
using CacheFailover.Bench.Load;
using CacheFailover.Bench.Report;

namespace CacheFailover.Bench.Suites;

/// <summary>
/// Where the engine's healthy-path cost comes from: direct StackExchange.Redis, the Redis backend
/// alone (without and with a cancellable token) and the engine, in interleaved rounds like the
/// overhead suite, then which types each one allocates (sampled from the runtime's allocation ticks).
/// A diagnostic, not part of <c>all</c>.
/// </summary>
internal static class BreakdownSuite
{
    public static async Task<SuiteResult> RunAsync(BenchSettings settings)
    {
        var started = Clock.Now;
        var servers = await ServerPair.StartAsync();
        var keys = Values.Keys("brk", settings.OverheadKeys);
        IContender[] contenders =
        [
            await DirectContender.CreateAsync(servers.Primary.ConnectionString),
            await BackendContender.CreateAsync(servers.Primary.ConnectionString, withToken: false),
            await BackendContender.CreateAsync(servers.Primary.ConnectionString, withToken: true),
            await EngineContender.CreateAsync(servers, Tuning.Failover),
        ];
        var rows = new List<IReadOnlyList<string>>();
        var allocations = new List<IReadOnlyList<string>>();
        var rounds = settings.Quick ? 2 : 8;
        try
        {
            // BENCH_SOLO=<contender>: that contender alone for 15 s at 64 in flight (to profile it with perf).
            if (Environment.GetEnvironmentVariable("BENCH_SOLO") is { Length: > 0 } solo)
            {
                var soloValue = Values.Payload(int.Parse(Environment.GetEnvironmentVariable("BENCH_SOLO_SIZE") ?? "100", CultureInfo.InvariantCulture), (byte)'P');
                await ServerPair.SeedAsync(servers.PrimarySetup, keys, soloValue);
                using var soloSampler = Environment.GetEnvironmentVariable("BENCH_SOLO_ALLOC") == "1" ? new AllocationSampler() : null;
                var sample = await ThroughputRunner.RunAsync(contenders.Single(c => c.Name == solo), keys, soloValue, 64, TimeSpan.FromSeconds(15), 5);
                Progress.Line(string.Create(CultureInfo.InvariantCulture, $"solo {solo}: {sample.OpsPerSecond:0} ops/s, {sample.CpuMicrosecondsPerOp:0.00} CPU µs/op, {sample.AllocatedBytesPerOp:0} B/op"));
                foreach (var (type, bytes) in soloSampler?.Top(25) ?? [])
                {
                    Progress.Line(string.Create(CultureInfo.InvariantCulture, $"solo {solo}: {bytes / (double)sample.Operations,7:0.0} B/op {type}"));
                }
                return new SuiteResult("breakdown", 15, rows, [], new Dictionary<string, string>(), [], string.Empty);
            }

            foreach (var size in settings.ValueSizes)
            {
                var value = Values.Payload(size, (byte)'P');
                await ServerPair.SeedAsync(servers.PrimarySetup, keys, value);
                foreach (var concurrency in new[] { 1, 64 })
                {
                    foreach (var contender in contenders)
                    {
                        await ThroughputRunner.RunAsync(contender, keys, value, concurrency, settings.OverheadWarmup, 1);
                    }

                    var samples = contenders.ToDictionary(c => c.Name, _ => new List<ThroughputSample>());
                    for (var round = 0; round < rounds; round++)
                    {
                        for (var i = 0; i < contenders.Length; i++)
                        {
                            var contender = contenders[(i + round) % contenders.Length];
                            samples[contender.Name].Add(await ThroughputRunner.RunAsync(contender, keys, value, concurrency, settings.OverheadRound, (round * 1000) + 7));
                        }
                    }

                    var direct = samples["direct"];
                    foreach (var contender in contenders)
                    {
                        var mine = samples[contender.Name];
                        rows.Add(
                        [
                            $"{size} B",
                            concurrency.ToString(CultureInfo.InvariantCulture),
                            contender.Name,
                            Markdown.F(Stats.Median(mine.Select(s => s.OpsPerSecond)), "0"),
                            Markdown.F(Stats.Median(mine.Select((s, r) => s.OpsPerSecond / direct[r].OpsPerSecond)), "0.000"),
                            Markdown.F(Stats.Median(mine.Select(s => s.CpuMicrosecondsPerOp)), "0.00"),
                            Markdown.F(Stats.Median(mine.Select((s, r) => s.CpuMicrosecondsPerOp - direct[r].CpuMicrosecondsPerOp)), "+0.00;-0.00"),
                            Markdown.F(Stats.Median(mine.Select(s => s.AllocatedBytesPerOp)), "0"),
                        ]);
                    }

                    Progress.Line($"breakdown: {size} B, {concurrency} in flight done");
                }

                foreach (var contender in contenders)
                {
                    using var sampler = new AllocationSampler();
                    var sample = await ThroughputRunner.RunAsync(contender, keys, value, 64, TimeSpan.FromSeconds(1), 3);
                    foreach (var (type, bytes) in sampler.Top(8))
                    {
                        allocations.Add([$"{size} B", contender.Name, type, Markdown.F(bytes / (double)sample.Operations, "0.0")]);
                    }
                }
            }
        }
        finally
        {
            foreach (var contender in contenders)
            {
                await contender.StopAsync();
            }

            await servers.DisposeAsync();
            foreach (var contender in contenders)
            {
                await contender.DisposeAsync();
            }
        }

        var markdown = new Markdown().Heading("breakdown (healthy): direct vs the Redis backend alone vs the engine");
        markdown.Table(["value", "in flight", "contender", "ops/s", "ratio to direct", "CPU µs/op", "CPU vs direct (µs/op, per round)", "B/op"], rows);
        markdown.Subheading("sampled allocations at 64 in flight (bytes per operation, by type; one 1 s run each)");
        markdown.Table(["value", "contender", "type", "B/op (sampled)"], allocations);
        var seconds = Clock.Ms(Clock.Now - started) / 1000;
        return new SuiteResult("breakdown", seconds, rows, [], contenders.ToDictionary(c => c.Name, c => c.Configuration), [], markdown.ToString());
    }

    /// <summary>The runtime's GCAllocationTick events (one every ~100 KB allocated), summed by type.</summary>
    private sealed class AllocationSampler : EventListener
    {
        private readonly ConcurrentDictionary<string, long> _bytes = new();
        private volatile bool _on;

        public AllocationSampler() => _on = true;

        public List<(string Type, long Bytes)> Top(int count)
        {
            _on = false;
            return _bytes.OrderByDescending(p => p.Value).Take(count).Select(p => (p.Key, p.Value)).ToList();
        }

        protected override void OnEventSourceCreated(EventSource eventSource)
        {
            if (eventSource.Name == "Microsoft-Windows-DotNETRuntime")
            {
                EnableEvents(eventSource, EventLevel.Verbose, (EventKeywords)0x1);
            }
        }

        protected override void OnEventWritten(EventWrittenEventArgs eventData)
        {
            if (!_on || eventData.EventName is null || !eventData.EventName.StartsWith("GCAllocationTick", StringComparison.Ordinal) || eventData.Payload is null)
            {
                return;
            }

            var names = eventData.PayloadNames!;
            var type = (string?)eventData.Payload[names.IndexOf("TypeName")] ?? "?";
            var amount = names.IndexOf("AllocationAmount64") is var i and >= 0 ? Convert.ToInt64(eventData.Payload[i], CultureInfo.InvariantCulture) : 100_000;
            _bytes.AddOrUpdate(type, amount, (_, total) => total + amount);
        }
    }
}
