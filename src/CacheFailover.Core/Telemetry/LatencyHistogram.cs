using System.Numerics;

namespace CacheFailover.Telemetry;

/// <summary>
/// A fixed-size log-linear histogram of durations (8 sub-buckets per power of two, so a reported
/// percentile is within 12.5 % of the true value). Recording is a few integer operations and
/// allocates nothing. Not thread-safe: the owner guards it.
/// </summary>
internal sealed class LatencyHistogram
{
    private const int SubBucketBits = 3;
    private const int SubBuckets = 1 << SubBucketBits;

    // Ticks are 100 ns; 2^30 ticks is about 107 s, beyond the longest deadline (60 s). Longer
    // samples share the top buckets (their maximum is still exact).
    private const int MaxExponent = 30;
    private const int BucketCount = SubBuckets + ((MaxExponent - SubBucketBits + 1) * SubBuckets);

    // Counts are ints: a slice of the metrics history holds one of these per 10 s or 2 min, and the
    // per-service memory bound (see MetricSlices) depends on their size.
    private readonly int[] _counts = new int[BucketCount];

    /// <summary>Bytes one histogram holds (its buckets and counters), for memory bounds.</summary>
    public const int FootprintBytes = (BucketCount * sizeof(int)) + (3 * sizeof(long));

    public long Count { get; private set; }

    public long MaxTicks { get; private set; }

    public long SumTicks { get; private set; }

    public void Record(long ticks)
    {
        if (ticks < 0)
        {
            ticks = 0;
        }

        ref var bucket = ref _counts[IndexOf(ticks)];
        if (bucket < int.MaxValue)
        {
            bucket++;
        }

        Count++;
        SumTicks += ticks;
        if (ticks > MaxTicks)
        {
            MaxTicks = ticks;
        }
    }

    public void Clear()
    {
        Array.Clear(_counts);
        Count = 0;
        MaxTicks = 0;
        SumTicks = 0;
    }

    public void AddTo(LatencyHistogram target)
    {
        for (var i = 0; i < _counts.Length; i++)
        {
            target._counts[i] = (int)Math.Min((long)target._counts[i] + _counts[i], int.MaxValue);
        }

        target.Count += Count;
        target.SumTicks += SumTicks;
        target.MaxTicks = Math.Max(target.MaxTicks, MaxTicks);
    }

    /// <summary>The upper bound of the bucket holding the given quantile (0..1), capped at the maximum seen; zero when empty.</summary>
    public TimeSpan Percentile(double quantile)
    {
        if (Count == 0)
        {
            return TimeSpan.Zero;
        }

        var rank = (long)Math.Ceiling(quantile * Count);
        rank = Math.Clamp(rank, 1, Count);
        long seen = 0;
        for (var i = 0; i < _counts.Length; i++)
        {
            seen += _counts[i];
            if (seen >= rank)
            {
                return TimeSpan.FromTicks(Math.Min(UpperBound(i), MaxTicks));
            }
        }

        return TimeSpan.FromTicks(MaxTicks);
    }

    public TimeSpan Mean => Count == 0 ? TimeSpan.Zero : TimeSpan.FromTicks(SumTicks / Count);

    private static int IndexOf(long ticks)
    {
        if (ticks < SubBuckets)
        {
            return (int)ticks;
        }

        var exponent = Math.Min(BitOperations.Log2((ulong)ticks), MaxExponent);
        var sub = (int)(ticks >> (exponent - SubBucketBits)) & (SubBuckets - 1);
        return SubBuckets + ((exponent - SubBucketBits) * SubBuckets) + sub;
    }

    private static long UpperBound(int index)
    {
        if (index < SubBuckets)
        {
            return index;
        }

        var exponent = ((index - SubBuckets) / SubBuckets) + SubBucketBits;
        var sub = (index - SubBuckets) % SubBuckets;
        return ((long)(SubBuckets + sub + 1) << (exponent - SubBucketBits)) - 1;
    }
}
