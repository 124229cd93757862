using System.Globalization;
using System.Text;
using CacheFailover.Bench.Contenders;
using CacheFailover.Bench.Infrastructure;
using CacheFailover.Bench.Load;
using CacheFailover.Bench.Report;
using CacheFailover.Caching;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.Caching.StackExchangeRedis;
using Microsoft.Extensions.DependencyInjection;

namespace CacheFailover.Bench.Suites;

internal sealed record DistributedCacheThroughput(string Api, string Contender, double OpsPerSecond, double RatioToRedisCache, long Errors);

internal sealed record DistributedCacheFault(string Fault, int Repetitions, long Operations, long Errors, double FirstBackupSuccessMedianMs, double FirstBackupSuccessMaxMs, double LongestOperationMs);

internal sealed record DistributedCacheFigures(
    int Keys,
    int ValueBytes,
    int Concurrency,
    int Rounds,
    double RoundSeconds,
    IReadOnlyList<DistributedCacheThroughput> Healthy,
    IReadOnlyList<DistributedCacheFault> Faults,
    int FailbackKeys,
    int FailbackStale);

/// <summary>
/// The failover cache as a .NET app sees it: IDistributedCache and HybridCache GetOrCreateAsync through
/// <see cref="FailoverDistributedCache"/> against Microsoft's RedisCache on the same redis-server in the
/// same run (interleaved rounds); SIGKILL and SIGSTOP of the primary under IDistributedCache load; and
/// stale reads after failback.
/// </summary>
internal static class DistributedCacheSuite
{
    private const int Concurrency = 16;
    private const int ValueBytes = 100;

    public static async Task<SuiteResult> RunAsync(BenchSettings settings)
    {
        var started = Clock.Now;
        var keys = Values.Keys("dc", settings.Quick ? 500 : 5_000);
        var value = Values.Payload(ValueBytes, (byte)'D');
        var rounds = settings.Quick ? 1 : 6;
        var round = settings.Quick ? TimeSpan.FromMilliseconds(200) : TimeSpan.FromSeconds(1);
        var healthy = await HealthyAsync(keys, value, rounds, round);
        var faults = new List<DistributedCacheFault>
        {
            await FaultAsync("SIGKILL primary", settings, keys, value, s => s.Primary.Kill()),
            await FaultAsync("SIGSTOP primary", settings, keys, value, s => s.Primary.Stop()),
        };
        var failbackKeys = settings.Quick ? 100 : 1_000;
        var stale = await FailbackStaleAsync(failbackKeys);
        var figures = new DistributedCacheFigures(keys.Length, ValueBytes, Concurrency, rounds, round.TotalSeconds, healthy, faults, failbackKeys, stale);
        var targets = Judge(settings, figures);
        var contenders = new Dictionary<string, string>
        {
            ["redis-cache"] = "Microsoft.Extensions.Caching.StackExchangeRedis RedisCache on the primary (its defaults; hash layout absexp/sldexp/data).",
            ["failover-cache"] = "FailoverDistributedCache over FailoverEngine (primary and backup RedisCacheBackend, timeout_threshold_ms 100, 250 ms probes); one string per entry with a 17-byte header.",
            ["hybrid over X"] = "HybridCache (Microsoft.Extensions.Caching.Hybrid) with X as its L2 and L1 disabled per call (HybridCacheEntryFlags.DisableLocalCache), so every GetOrCreateAsync reaches the L2.",
        };
        var notes = new List<string>
        {
            $"Closed loop, {Concurrency} workers; IDistributedCache: 50 % GetAsync / 50 % SetAsync over {keys.Length} keys of {ValueBytes} B; HybridCache: GetOrCreateAsync over the same number of keys (each contender has keys of its own on the shared server), after a warm-up pass that fills the L2. {rounds} interleaved round(s) of {round.TotalSeconds:0.###} s; ratio = median over rounds of failover ÷ redis-cache in the same round.",
            "Faults: 50/50 GET/SET through the failover cache, then the primary redis-server is SIGKILLed or SIGSTOPped (engine deadline timeout_threshold_ms 100); first success on the backup = from the fault to the first GET, started after it, answered by the backup (the read keys hold 'P…' on the primary and 'B…' on the backup; the engine failover suite's measure); errors are exceptions the callers saw; the slowest single call is over the whole run (warm-up included).",
            $"Failback: {failbackKeys} keys written on the primary, a manual failover, the same keys written again (on the backup, journaled), a manual recovery, then every key read: stale = the primary's older value returned.",
        };
        var seconds = Clock.Ms(Clock.Now - started) / 1000;
        return new SuiteResult("distcache", seconds, figures, targets, contenders, notes, Render(figures, targets, contenders, notes));
    }

    private static async Task<List<DistributedCacheThroughput>> HealthyAsync(string[] keys, byte[] value, int rounds, TimeSpan round)
    {
        Progress.Line("distcache: starting primary and backup redis-server");
        var servers = await ServerPair.StartAsync();
        var engine = await EngineContender.CreateAsync(servers, Tuning.Failover);
        using var redisCache = new RedisCache(new RedisCacheOptions { Configuration = servers.Primary.ConnectionString });
        var failover = new DistributedCacheContender("failover-cache", new FailoverDistributedCache(engine.Engine), string.Empty);
        var redis = new DistributedCacheContender("redis-cache", redisCache, string.Empty);
        DistributedCacheContender[] contenders = [redis, failover];

        // Keys of their own per contender: both use the same server, and RedisCache's hashes and the
        // failover cache's strings under one key would meet each other's type (WRONGTYPE).
        var ownKeys = contenders.ToDictionary(c => c.Name, c => keys.Select(k => $"{c.Name}:{k}").ToArray());
        try
        {
            var samples = contenders.ToDictionary(c => c.Name, _ => new List<(double Ops, long Errors)>());
            var hybridSamples = contenders.ToDictionary(c => c.Name, _ => new List<(double Ops, long Errors)>());
            var hybrids = contenders.ToDictionary(c => c.Name, c => NewHybridCache(c.Cache));
            foreach (var contender in contenders)
            {
                await ThroughputRunner.RunAsync(contender, ownKeys[contender.Name], value, Concurrency, TimeSpan.FromMilliseconds(200), 1);
                await HybridRunAsync(hybrids[contender.Name], ownKeys[contender.Name], value, Concurrency, TimeSpan.FromMilliseconds(200));
            }

            for (var r = 0; r < rounds; r++)
            {
                for (var i = 0; i < contenders.Length; i++)
                {
                    var contender = contenders[(i + r) % contenders.Length];
                    var sample = await ThroughputRunner.RunAsync(contender, ownKeys[contender.Name], value, Concurrency, round, (r * 1000) + 11);
                    samples[contender.Name].Add((sample.OpsPerSecond, sample.Errors));
                    hybridSamples[contender.Name].Add(await HybridRunAsync(hybrids[contender.Name], ownKeys[contender.Name], value, Concurrency, round));
                }

                Progress.Line(string.Create(CultureInfo.InvariantCulture, $"distcache: round {r + 1}/{rounds}: {string.Join(", ", contenders.Select(c => $"{c.Name} {samples[c.Name][r].Ops:0} ops/s, hybrid {hybridSamples[c.Name][r].Ops:0} ops/s"))}"));
            }

            return [.. Figures("IDistributedCache", samples), .. Figures("HybridCache GetOrCreateAsync", hybridSamples)];
        }
        finally
        {
            await engine.StopAsync();
            await servers.DisposeAsync();
            await engine.DisposeAsync();
        }
    }

    private static IEnumerable<DistributedCacheThroughput> Figures(string api, Dictionary<string, List<(double Ops, long Errors)>> samples)
    {
        var baseline = samples["redis-cache"];
        foreach (var (name, rounds) in samples)
        {
            var ratios = rounds.Select((s, r) => s.Ops / baseline[r].Ops);
            yield return new DistributedCacheThroughput(api, name, Stats.Median(rounds.Select(s => s.Ops)), Stats.Median(ratios), rounds.Sum(s => s.Errors));
        }
    }

    private static HybridCache NewHybridCache(IDistributedCache l2)
    {
        var services = new ServiceCollection();
        services.AddSingleton(l2);
        services.AddHybridCache();
        return services.BuildServiceProvider().GetRequiredService<HybridCache>();
    }

    private static readonly HybridCacheEntryOptions L2Only = new() { Flags = HybridCacheEntryFlags.DisableLocalCache, Expiration = TimeSpan.FromMinutes(10) };

    private static async Task<(double Ops, long Errors)> HybridRunAsync(HybridCache cache, string[] keys, byte[] value, int concurrency, TimeSpan duration)
    {
        long operations = 0;
        long errors = 0;
        var deadline = Clock.Now + Clock.Ticks(duration);
        var start = Clock.Now;
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(w => Task.Run(async () =>
        {
            var random = new Random(w + 17);
            while (Clock.Now < deadline)
            {
                try
                {
                    await cache.GetOrCreateAsync(keys[random.Next(keys.Length)], value, static (v, _) => ValueTask.FromResult(v), L2Only);
                    Interlocked.Increment(ref operations);
                }
                catch (Exception)
                {
                    Interlocked.Increment(ref errors);
                }
            }
        })));
        return (operations / (Clock.Ms(Clock.Now - start) / 1000), errors);
    }

    private static async Task<DistributedCacheFault> FaultAsync(string fault, BenchSettings settings, string[] keys, byte[] value, Action<ServerPair> inject)
    {
        var repetitions = settings.Quick ? 1 : 3;
        var firsts = new List<double>();
        long operations = 0;
        long errors = 0;
        double longest = 0;
        for (var rep = 0; rep < repetitions; rep++)
        {
            Progress.Line($"distcache: {fault} under IDistributedCache load, repetition {rep + 1}/{repetitions}");
            var servers = await ServerPair.StartAsync();
            var engine = await EngineContender.CreateAsync(servers, Tuning.Failover);
            try
            {
                var cache = new FailoverDistributedCache(engine.Engine);
                await TagAsync(cache, servers, keys);
                var run = await FaultRunAsync(cache, keys, value, settings.FailoverWarmup, settings.FailoverWindow, () => inject(servers));
                firsts.Add(run.FirstBackupSuccessMs);
                operations += run.Operations;
                errors += run.Errors;
                longest = Math.Max(longest, run.LongestMs);
            }
            finally
            {
                await engine.StopAsync();
                await servers.DisposeAsync();
                await engine.DisposeAsync();
            }
        }

        return new DistributedCacheFault(fault, repetitions, operations, errors, Stats.Median(firsts), firsts.Max(), longest);
    }

    /// <summary>
    /// Tags the keys read under load so that a read says who answered: 'P…' written through the cache
    /// on the primary, and the same entry (header and all) with a 'B…' payload copied to the backup.
    /// </summary>
    private static async Task TagAsync(FailoverDistributedCache cache, ServerPair servers, string[] keys)
    {
        var primaryValue = Values.Payload(ValueBytes, (byte)'P');
        var backupPayload = Values.Payload(ValueBytes, (byte)'B');
        var primary = servers.PrimarySetup.GetDatabase();
        var backup = servers.BackupSetup.GetDatabase();
        foreach (var key in keys)
        {
            await cache.SetAsync(key, primaryValue, new DistributedCacheEntryOptions());
            var stored = (byte[])(await primary.StringGetAsync(key))!;
            var copy = stored.ToArray();
            backupPayload.CopyTo(copy, copy.Length - backupPayload.Length);
            await backup.StringSetAsync(key, copy);
        }
    }

    /// <summary>
    /// Closed loop: GET of the tagged keys and SET of other keys through the cache; the fault at the end
    /// of the warm-up; then the first GET answered by the backup (as the engine's failover suite times
    /// it: a retry that lands on the backup counts), the errors callers saw, and the slowest single call.
    /// </summary>
    private static async Task<(double FirstBackupSuccessMs, long Operations, long Errors, double LongestMs)> FaultRunAsync(
        FailoverDistributedCache cache, string[] keys, byte[] value, TimeSpan warmup, TimeSpan window, Action inject)
    {
        long operations = 0;
        long errors = 0;
        long longest = 0;
        long faultAt = long.MaxValue;
        long firstBackupSuccess = long.MaxValue;
        var deadline = Clock.Now + Clock.Ticks(warmup + window);
        var noExpiry = new DistributedCacheEntryOptions();
        var workers = Enumerable.Range(0, Concurrency).Select(w => Task.Run(async () =>
        {
            var random = new Random(w + 31);
            while (Clock.Now < deadline)
            {
                var key = keys[random.Next(keys.Length)];
                var started = Clock.Now;
                try
                {
                    if (random.Next(2) == 0)
                    {
                        var read = await cache.GetAsync(key);
                        if (read is [(byte)'B', ..] && started >= Volatile.Read(ref faultAt))
                        {
                            InterlockedMin(ref firstBackupSuccess, Clock.Now);
                        }
                    }
                    else
                    {
                        await cache.SetAsync("w:" + key, value, noExpiry);
                    }

                    Interlocked.Increment(ref operations);
                }
                catch (Exception)
                {
                    Interlocked.Increment(ref errors);
                }

                InterlockedMax(ref longest, Clock.Now - started);
            }
        })).ToArray();
        await Clock.Delay(warmup);
        Volatile.Write(ref faultAt, Clock.Now);
        inject();
        await Task.WhenAll(workers);
        var first = firstBackupSuccess == long.MaxValue ? double.NaN : Clock.Ms(firstBackupSuccess - faultAt);
        return (first, operations, errors, Clock.Ms(longest));
    }

    private static void InterlockedMin(ref long target, long value)
    {
        var current = Volatile.Read(ref target);
        while (value < current)
        {
            var seen = Interlocked.CompareExchange(ref target, value, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }

    private static void InterlockedMax(ref long target, long value)
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

    private static async Task<int> FailbackStaleAsync(int count)
    {
        Progress.Line($"distcache: failback over {count} keys rewritten while failed over");
        var servers = await ServerPair.StartAsync();
        var engine = await EngineContender.CreateAsync(servers, Tuning.Failover);
        try
        {
            var cache = new FailoverDistributedCache(engine.Engine);
            var keys = Values.Keys("dcfb", count);
            foreach (var key in keys)
            {
                await cache.SetAsync(key, Encoding.UTF8.GetBytes("before"), new DistributedCacheEntryOptions());
            }

            await engine.ManualFailoverAsync();
            foreach (var key in keys)
            {
                await cache.SetAsync(key, Encoding.UTF8.GetBytes("during"), new DistributedCacheEntryOptions());
            }

            var recovery = await engine.Engine.TriggerManualRecoveryAsync("bench: failback");
            if (!recovery.Success)
            {
                throw new InvalidOperationException($"distcache: recovery failed: {recovery.RefusalReason}");
            }

            var stale = 0;
            foreach (var key in keys)
            {
                if (await cache.GetAsync(key) is { } read && Encoding.UTF8.GetString(read) == "before")
                {
                    stale++;
                }
            }

            return stale;
        }
        finally
        {
            await engine.StopAsync();
            await servers.DisposeAsync();
            await engine.DisposeAsync();
        }
    }

    private static List<TargetCheck> Judge(BenchSettings settings, DistributedCacheFigures figures)
    {
        bool? Judged(bool met) => settings.Quick ? null : met;
        var targets = figures.Healthy.Where(h => h.Contender == "failover-cache")
            .Select(h => new TargetCheck($"{h.Api}: healthy throughput ≥ 0.97 × RedisCache", Markdown.F(h.RatioToRedisCache, "0.000"), Judged(h.RatioToRedisCache >= 0.97)))
            .ToList();
        foreach (var fault in figures.Faults)
        {
            var bound = fault.Fault.StartsWith("SIGKILL", StringComparison.Ordinal) ? 15 : 150;
            targets.Add(new TargetCheck($"{fault.Fault}: 0 errors", fault.Errors.ToString(CultureInfo.InvariantCulture), Judged(fault.Errors == 0)));
            targets.Add(new TargetCheck($"{fault.Fault}: first success on the backup ≤ {bound} ms after the fault (median)", $"{Markdown.F(fault.FirstBackupSuccessMedianMs)} ms (max {Markdown.F(fault.FirstBackupSuccessMaxMs)} ms)", Judged(fault.FirstBackupSuccessMedianMs <= bound)));
        }

        targets.Add(new TargetCheck("failback: 0 stale reads", $"{figures.FailbackStale}/{figures.FailbackKeys}", figures.FailbackStale == 0));
        return targets;
    }

    private static string Render(DistributedCacheFigures figures, IReadOnlyList<TargetCheck> targets, IReadOnlyDictionary<string, string> contenders, IReadOnlyList<string> notes)
    {
        var md = new StringBuilder();
        md.AppendLine("## distcache: the failover IDistributedCache and HybridCache against RedisCache");
        md.AppendLine();
        md.AppendLine("| API | contender | ops/s | ratio to redis-cache | errors |");
        md.AppendLine("|---|---|---:|---:|---:|");
        foreach (var h in figures.Healthy)
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"| {h.Api} | {h.Contender} | {Markdown.F(h.OpsPerSecond, "0")} | {Markdown.F(h.RatioToRedisCache, "0.000")} | {h.Errors} |");
        }

        md.AppendLine();
        md.AppendLine("| fault (through the failover cache) | repetitions | operations | errors | first success on the backup, median ms | max ms | slowest single call ms |");
        md.AppendLine("|---|---:|---:|---:|---:|---:|---:|");
        foreach (var f in figures.Faults)
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"| {f.Fault} | {f.Repetitions} | {f.Operations} | {f.Errors} | {Markdown.F(f.FirstBackupSuccessMedianMs)} | {Markdown.F(f.FirstBackupSuccessMaxMs)} | {Markdown.F(f.LongestOperationMs)} |");
        }

        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"Failback: {figures.FailbackStale} of {figures.FailbackKeys} keys read stale.");
        md.AppendLine();
        md.AppendLine("| target | measured | met |");
        md.AppendLine("|---|---|---|");
        foreach (var t in targets)
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"| {t.Target} | {t.Measured} | {Markdown.Met(t.Met)} |");
        }

        md.AppendLine();
        foreach (var (name, configuration) in contenders)
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"- {name}: {configuration}");
        }

        foreach (var note in notes)
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"- {note}");
        }

        return md.ToString();
    }
}
