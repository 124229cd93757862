using System.Diagnostics;
using CacheFailover.Bench.Contenders;
using CacheFailover.Bench.Infrastructure;
using HdrHistogram;

namespace CacheFailover.Bench.Load;

/// <summary>What one timed run of a contender produced.</summary>
internal sealed record ThroughputSample(long Operations, long Errors, double Seconds, LongHistogram Latency, double CpuMicroseconds, long AllocatedBytes)
{
    public double OpsPerSecond => Operations / Seconds;

    /// <summary>Client-process CPU time per operation (this process only: the redis-servers are not included).</summary>
    public double CpuMicrosecondsPerOp => CpuMicroseconds / Math.Max(1, Operations);

    /// <summary>Managed bytes allocated per operation, process-wide (the load generator's own share is the same for every contender).</summary>
    public double AllocatedBytesPerOp => AllocatedBytes / (double)Math.Max(1, Operations);
}

/// <summary>
/// Closed-loop load: <c>concurrency</c> workers, each with one operation in flight, a 50/50 GET/SET
/// mix over a fixed keyspace, for a fixed time. Latency is recorded per operation in tenths of a
/// microsecond.
/// </summary>
internal static class ThroughputRunner
{
    /// <summary>Highest latency the histograms track: 60 s in tenths of a microsecond.</summary>
    public const long MaxLatency = 600_000_000;

    public static LongHistogram NewHistogram() => new(MaxLatency, 3);

    public static async Task<ThroughputSample> RunAsync(IContender contender, string[] keys, byte[] value, int concurrency, TimeSpan duration, int seed)
    {
        using var process = Process.GetCurrentProcess();
        var cpuBefore = process.TotalProcessorTime;
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: false);
        var started = Clock.Now;
        var stopAt = started + Clock.Ticks(duration);
        var workers = new Task<(long Ops, long Errors, LongHistogram Latency)>[concurrency];
        for (var i = 0; i < concurrency; i++)
        {
            var workerSeed = seed + i;
            workers[i] = Task.Run(() => WorkerAsync(contender, keys, value, stopAt, workerSeed));
        }

        var results = await Task.WhenAll(workers);
        var elapsed = Clock.Ms(Clock.Now - started) / 1000;
        var allocated = GC.GetTotalAllocatedBytes(precise: false) - allocatedBefore;
        process.Refresh();
        var cpu = (process.TotalProcessorTime - cpuBefore).TotalMicroseconds;
        var latency = NewHistogram();
        long operations = 0;
        long errors = 0;
        foreach (var (ops, errs, histogram) in results)
        {
            operations += ops;
            errors += errs;
            latency.Add(histogram);
        }

        return new ThroughputSample(operations, errors, elapsed, latency, cpu, allocated);
    }

    private static async Task<(long Ops, long Errors, LongHistogram Latency)> WorkerAsync(IContender contender, string[] keys, byte[] value, long stopAt, int seed)
    {
        var random = new Random(seed);
        var latency = NewHistogram();
        long operations = 0;
        long errors = 0;
        while (true)
        {
            var started = Clock.Now;
            if (started >= stopAt)
            {
                break;
            }

            var key = keys[random.Next(keys.Length)];
            try
            {
                if ((random.Next() & 1) == 0)
                {
                    await contender.GetAsync(key);
                }
                else
                {
                    await contender.SetAsync(key, value);
                }

                latency.RecordValue(Math.Min(Clock.TenthsOfMicrosecond(Clock.Now - started), MaxLatency));
                operations++;
            }
            catch (Exception)
            {
                errors++;
            }
        }

        return (operations, errors, latency);
    }
}
