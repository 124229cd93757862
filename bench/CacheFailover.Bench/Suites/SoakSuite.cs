using System.Globalization;
using CacheFailover.Backends;
using CacheFailover.Bench.Contenders;
using CacheFailover.Bench.Infrastructure;
using CacheFailover.Bench.Load;
using CacheFailover.Bench.Report;
using CacheFailover.Engine;
using CacheFailover.Options;
using CacheFailover.Redis;
using CacheFailover.Services;
using HdrHistogram;

namespace CacheFailover.Bench.Suites;

/// <summary>One slice of the soak (a minute; five seconds in --quick).</summary>
internal sealed record SoakSlice(int Index, long Operations, long Errors, double P50Ms, double P99Ms, double MaxMs, double RssMiB, int Switches);

/// <summary>One RSS sample: seconds since the start and resident bytes.</summary>
internal sealed record RssSample(double Seconds, long RssBytes, long ManagedBytes);

internal sealed record SoakFigures(
    double Minutes,
    int CycleSeconds,
    int Failovers,
    int Recoveries,
    long Operations,
    long Errors,
    IReadOnlyDictionary<string, long> ErrorKinds,
    double WarmupMinutes,
    double RssSlopeBytesPerMinute,
    double ManagedSlopeBytesPerMinute,
    double RssStartMiB,
    double RssEndMiB,
    IReadOnlyList<SoakSlice> Slices,
    IReadOnlyList<RssSample> Samples);

/// <summary>
/// Sustained load through the engine over real redis-servers (a primary and a backup) with a manual
/// failover and a recovery (journal invalidation on the primary) every cycle: resident memory sampled
/// from /proc/self/status, its least-squares slope after warm-up, and latency percentiles per minute.
/// Length: CACHEFAILOVER_SOAK_MINUTES (default 30; --quick: 20 s); cycle: CACHEFAILOVER_SOAK_CYCLE_SECONDS (default 30; --quick: 5).
/// </summary>
internal static class SoakSuite
{
    private const int Workers = 8;
    private const int Keys = 10_000;

    /// <summary>What "flat after warm-up" means here: less than 1 MiB a minute.</summary>
    private const double FlatSlopeBytesPerMinute = 1024 * 1024;

    public static async Task<SoakFigures> MeasureAsync(BenchSettings settings)
    {
        var duration = settings.Quick ? TimeSpan.FromSeconds(20) : TimeSpan.FromMinutes(Setting("CACHEFAILOVER_SOAK_MINUTES", 30));
        var cycle = TimeSpan.FromSeconds(settings.Quick ? 5 : Setting("CACHEFAILOVER_SOAK_CYCLE_SECONDS", 30));
        var slice = settings.Quick ? TimeSpan.FromSeconds(5) : TimeSpan.FromMinutes(1);
        var sampleEvery = settings.Quick ? TimeSpan.FromSeconds(1) : TimeSpan.FromSeconds(5);
        // Warm-up: the first fifth of the run (JIT, pools, the heap reaching its working size), at least two minutes in a full run.
        var warmup = settings.Quick ? TimeSpan.FromSeconds(5) : TimeSpan.FromTicks(Math.Max(duration.Ticks / 5, TimeSpan.FromMinutes(2).Ticks));

        await using var servers = await ServerPair.StartAsync();
        await using var engine = new FailoverEngine(
            new CacheServiceRegistration("primary", RedisCacheBackend.Create("primary", servers.Primary.ConnectionString)),
            [new CacheServiceRegistration("backup", RedisCacheBackend.Create("backup", servers.Backup.ConnectionString))],
            new FailoverOptions { TimeoutThresholdMs = Tuning.Failover.TimeoutMs, HealthCheckIntervalSeconds = 5, HealthCheckTimeoutSeconds = Tuning.Failover.ProbeTimeout.TotalSeconds, AutoRecoveryEnabled = false });
        await engine.StartAsync();

        var value = new byte[100];
        var started = Clock.Now;
        var stop = new CancellationTokenSource(duration);
        var histogram = ThroughputRunner.NewHistogram();
        var gate = new Lock();
        long operations = 0;
        long errors = 0;
        var switches = 0;
        var errorKinds = new Dictionary<string, long>(StringComparer.Ordinal);
        var slices = new List<SoakSlice>();
        var samples = new List<RssSample>();

        var workers = Enumerable.Range(0, Workers).Select(w => Task.Run(async () =>
        {
            var random = new Random(w);
            while (!stop.IsCancellationRequested)
            {
                var key = "soak:" + random.Next(Keys).ToString(CultureInfo.InvariantCulture);
                var begin = Clock.Now;
                var ok = true;
                try
                {
                    if (random.Next(2) == 0)
                    {
                        await engine.SetAsync(key, value);
                    }
                    else
                    {
                        await engine.GetAsync(key);
                    }
                }
                catch (Exception ex) when (ex is CacheBackendException or CacheOperationException)
                {
                    // Counted by kind: the soak reports every failed operation.
                    ok = false;
                    lock (gate)
                    {
                        var kind = ex.InnerException is { } inner ? $"{ex.GetType().Name} ({inner.GetType().Name})" : ex.GetType().Name;
                        errorKinds[kind] = errorKinds.GetValueOrDefault(kind) + 1;
                    }
                }

                var elapsed = Clock.TenthsOfMicrosecond(Clock.Now - begin);
                lock (gate)
                {
                    histogram.RecordValue(Math.Min(elapsed, ThroughputRunner.MaxLatency));
                    operations++;
                    errors += ok ? 0 : 1;
                }
            }
        })).ToArray();

        var faults = Task.Run(async () =>
        {
            var failovers = 0;
            var recoveries = 0;
            while (!stop.IsCancellationRequested)
            {
                await Clock.Delay(cycle / 2, CancellationToken.None);
                if (stop.IsCancellationRequested)
                {
                    break;
                }

                // A recovery that was refused (its verification failed) is tried again before the next failover.
                if (engine.ActiveServiceId == "primary")
                {
                    try
                    {
                        await engine.TriggerManualFailoverAsync("bench: soak", "backup");
                        failovers++;
                        Interlocked.Increment(ref switches);
                    }
                    catch (FailoverRefusedException refused)
                    {
                        // The engine switched by itself between the check and the call (slowness on a shared machine).
                        Progress.Line($"soak: failover refused: {refused.Message}");
                    }

                    await Clock.Delay(cycle / 2, CancellationToken.None);
                }

                var recovery = await engine.TriggerManualRecoveryAsync("bench: soak");
                if (recovery.Success)
                {
                    recoveries++;
                    Interlocked.Increment(ref switches);
                }
                else
                {
                    Progress.Line($"soak: recovery refused: {recovery.RefusalReason}");
                }
            }

            return (failovers, recoveries);
        });

        var nextSlice = started + Clock.Ticks(slice);
        var lastOperations = 0L;
        var lastErrors = 0L;
        var lastSwitches = 0;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await Clock.Delay(sampleEvery, stop.Token);
            }
            catch (OperationCanceledException)
            {
            }

            samples.Add(new RssSample(Clock.MsSince(started) / 1000, ResidentBytes(), GC.GetTotalMemory(false)));
            if (Clock.Now >= nextSlice || stop.IsCancellationRequested)
            {
                nextSlice += Clock.Ticks(slice);
                LongHistogram copy;
                long ops;
                long errs;
                lock (gate)
                {
                    copy = (LongHistogram)histogram.Copy();
                    histogram.Reset();
                    ops = operations;
                    errs = errors;
                }

                var now = Volatile.Read(ref switches);
                slices.Add(new SoakSlice(slices.Count + 1, ops - lastOperations, errs - lastErrors, Ms(copy, 50), Ms(copy, 99), Ms(copy, 100), samples[^1].RssBytes / 1048576.0, now - lastSwitches));
                (lastOperations, lastErrors, lastSwitches) = (ops, errs, now);
                Progress.Line($"soak: slice {slices.Count}: {slices[^1].Operations} ops, {slices[^1].Errors} errors, p99 {Markdown.F(slices[^1].P99Ms, "0.00")} ms, RSS {Markdown.F(slices[^1].RssMiB)} MiB");
            }
        }

        await Task.WhenAll(workers);
        var (failoverCount, recoveryCount) = await faults;
        var steady = samples.Where(s => s.Seconds >= warmup.TotalSeconds).ToList();
        return new SoakFigures(
            duration.TotalMinutes,
            (int)cycle.TotalSeconds,
            failoverCount,
            recoveryCount,
            operations,
            errors,
            errorKinds,
            warmup.TotalMinutes,
            Slope(steady, s => s.RssBytes),
            Slope(steady, s => s.ManagedBytes),
            samples[0].RssBytes / 1048576.0,
            samples[^1].RssBytes / 1048576.0,
            slices,
            samples);
    }

    public static async Task<SuiteResult> RunAsync(BenchSettings settings)
    {
        var started = Clock.Now;
        var figures = await MeasureAsync(settings);
        var flat = Math.Abs(figures.RssSlopeBytesPerMinute) < FlatSlopeBytesPerMinute;
        var targets = new List<TargetCheck>
        {
            new("RSS flat after warm-up (|least-squares slope| < 1 MiB/minute)", $"{Markdown.F(figures.RssSlopeBytesPerMinute / 1024)} KiB/minute over {figures.Samples.Count(s => s.Seconds >= figures.WarmupMinutes * 60)} samples after {Markdown.F(figures.WarmupMinutes)} min", settings.Quick ? null : flat),
            new("no failed operation through repeated failovers and recoveries", $"{figures.Errors} of {figures.Operations}", settings.Quick ? null : figures.Errors == 0),
        };
        var notes = new List<string>
        {
            $"{Workers} workers, 50/50 GET/SET of 100 B values on {Keys:N0} keys through one FailoverEngine over two redis-servers on loopback; a manual failover to the backup and a manual recovery (journal invalidation on the primary) every {figures.CycleSeconds} s.",
            "RSS from /proc/self/status (VmRSS) of this process, which also runs the load; managed heap from GC.GetTotalMemory(false). The slope is a least-squares fit over the samples after warm-up.",
            "The machine is shared with other work: latency figures include its contention.",
        };
        var contenders = new Dictionary<string, string> { ["engine"] = "FailoverEngine over RedisCacheBackend primary and backup (no group)" };
        return new SuiteResult("soak", Clock.MsSince(started) / 1000, figures, targets, contenders, notes, Render(figures, targets, notes));
    }

    private static string Render(SoakFigures figures, IReadOnlyList<TargetCheck> targets, IReadOnlyList<string> notes)
    {
        var markdown = new Markdown().Heading($"soak: {Markdown.F(figures.Minutes)} minutes of load through {figures.Failovers} failovers and {figures.Recoveries} recoveries");
        markdown.Paragraph($"{figures.Operations:N0} operations, {figures.Errors} failed{(figures.ErrorKinds.Count == 0 ? string.Empty : " (" + string.Join(", ", figures.ErrorKinds.Select(k => $"{k.Value} {k.Key}")) + ")")}. RSS {Markdown.F(figures.RssStartMiB)} → {Markdown.F(figures.RssEndMiB)} MiB; slope after {Markdown.F(figures.WarmupMinutes)} min of warm-up: {Markdown.F(figures.RssSlopeBytesPerMinute / 1024)} KiB/minute (managed heap: {Markdown.F(figures.ManagedSlopeBytesPerMinute / 1024)} KiB/minute).");
        markdown.Table(
            ["slice", "operations", "errors", "p50", "p99", "max", "RSS at end", "switches"],
            figures.Slices.Select(s => (IReadOnlyList<string>)
            [
                s.Index.ToString(CultureInfo.InvariantCulture),
                s.Operations.ToString("N0", CultureInfo.InvariantCulture),
                s.Errors.ToString(CultureInfo.InvariantCulture),
                $"{Markdown.F(s.P50Ms, "0.000")} ms",
                $"{Markdown.F(s.P99Ms, "0.000")} ms",
                $"{Markdown.F(s.MaxMs, "0.0")} ms",
                $"{Markdown.F(s.RssMiB)} MiB",
                s.Switches.ToString(CultureInfo.InvariantCulture),
            ]));
        markdown.Targets(targets);
        markdown.Bullets(notes);
        return markdown.ToString();
    }

    private static double Ms(LongHistogram histogram, double percentile) =>
        histogram.TotalCount == 0 ? 0 : (percentile >= 100 ? histogram.GetMaxValue() : histogram.GetValueAtPercentile(percentile)) / 10_000.0;

    /// <summary>Least-squares slope of <paramref name="value"/> against time, per minute.</summary>
    private static double Slope(List<RssSample> samples, Func<RssSample, long> value)
    {
        if (samples.Count < 2)
        {
            return 0;
        }

        var meanX = samples.Average(s => s.Seconds);
        var meanY = samples.Average(s => (double)value(s));
        var covariance = samples.Sum(s => (s.Seconds - meanX) * (value(s) - meanY));
        var variance = samples.Sum(s => (s.Seconds - meanX) * (s.Seconds - meanX));
        return variance == 0 ? 0 : covariance / variance * 60;
    }

    private static long ResidentBytes()
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                return long.Parse(line.AsSpan(6).Trim().ToString().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
            }
        }

        return 0;
    }

    private static int Setting(string name, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value > 0 ? value : fallback;
}
