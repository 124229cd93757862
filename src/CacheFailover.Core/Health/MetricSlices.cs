using CacheFailover.Telemetry;

namespace CacheFailover.Health;

/// <summary>
/// One service's operation history for the metrics tool, in two tiers: 10-second slices for the
/// last five minutes, and 2-minute slices for the hour. A 10-second slice leaving the fine ring is
/// folded into its 2-minute slice, so every operation is counted exactly once. About 60 KB per
/// service (see <see cref="FootprintBytes"/>); recording allocates nothing. Not thread-safe; the
/// tracker locks.
/// </summary>
internal sealed class MetricSlices
{
    /// <summary>Width of a fine slice; windows up to <see cref="FineSpan"/> are whole fine slices.</summary>
    public static readonly TimeSpan FineLength = TimeSpan.FromSeconds(10);

    /// <summary>Width of a coarse slice; longer windows are whole coarse slices.</summary>
    public static readonly TimeSpan CoarseLength = TimeSpan.FromMinutes(2);

    /// <summary>The longest window the fine tier answers alone.</summary>
    public static readonly TimeSpan FineSpan = TimeSpan.FromMinutes(5);

    /// <summary>The longest window answered at all.</summary>
    public static readonly TimeSpan MaxWindow = TimeSpan.FromHours(1);

    private const int FinePerCoarse = 12;

    private readonly Slice[] _fine = NewRing((int)(FineSpan / FineLength) + 1);
    private readonly Slice[] _coarse = NewRing((int)(MaxWindow / CoarseLength) + 1);
    private readonly long _fineTimestampTicks;

    public MetricSlices(TimeProvider time)
    {
        _fineTimestampTicks = (long)(FineLength.TotalSeconds * time.TimestampFrequency);
    }

    /// <summary>Bytes held, for the stated per-service bound.</summary>
    public static int FootprintBytes => (((int)(FineSpan / FineLength) + 1) + ((int)(MaxWindow / CoarseLength) + 1)) * Slice.FootprintBytes;

    /// <summary>The fine slice for <paramref name="timestamp"/>, made current (its predecessor in the ring folded away).</summary>
    public Slice At(long timestamp)
    {
        var index = timestamp / _fineTimestampTicks;
        var slice = _fine[index % _fine.Length];
        if (slice.Index != index)
        {
            Fold(slice);
            slice.Reset(index);
        }

        return slice;
    }

    /// <summary>Adds the operations of the last <paramref name="window"/> (rounded up to whole slices of its tier) to <paramref name="into"/>.</summary>
    public void Collect(TimeSpan window, long nowTimestamp, WindowTotals into)
    {
        var current = nowTimestamp / _fineTimestampTicks;
        long firstFine;
        if (window <= FineSpan)
        {
            firstFine = current - Math.Clamp((long)Math.Ceiling(window / FineLength), 1, _fine.Length) + 1;
        }
        else
        {
            var coarseSlices = Math.Clamp((long)Math.Ceiling(window / CoarseLength), 1, _coarse.Length);
            var firstCoarse = (current / FinePerCoarse) - coarseSlices + 1;
            firstFine = firstCoarse * FinePerCoarse;
            foreach (var slice in _coarse)
            {
                if (slice.Index >= firstCoarse && slice.Index <= current / FinePerCoarse)
                {
                    slice.AddTo(into);
                }
            }
        }

        foreach (var slice in _fine)
        {
            if (slice.Index >= firstFine && slice.Index <= current)
            {
                slice.AddTo(into);
            }
        }
    }

    private void Fold(Slice fine)
    {
        if (fine.Index < 0)
        {
            return;
        }

        var coarseIndex = fine.Index / FinePerCoarse;
        var coarse = _coarse[coarseIndex % _coarse.Length];
        if (coarse.Index > coarseIndex)
        {
            return; // Older than the whole hour: nothing asks for it any more.
        }

        if (coarse.Index != coarseIndex)
        {
            coarse.Reset(coarseIndex);
        }

        fine.AddTo(coarse);
    }

    private static Slice[] NewRing(int length)
    {
        var ring = new Slice[length];
        for (var i = 0; i < ring.Length; i++)
        {
            ring[i] = new Slice();
        }

        return ring;
    }

    /// <summary>Counts and a latency histogram for one stretch of time, placed in the ring by <see cref="Index"/>.</summary>
    internal sealed class Slice : OperationCounts
    {
        public new const int FootprintBytes = OperationCounts.FootprintBytes + sizeof(long);

        public long Index { get; private set; } = -1;

        public void Reset(long index)
        {
            Index = index;
            Clear();
        }
    }
}

/// <summary>Operation and probe counts with a latency histogram: one slice of history, or a whole window summed across slices.</summary>
internal class OperationCounts
{
    public const int FootprintBytes = LatencyHistogram.FootprintBytes + (5 * sizeof(long));

    public LatencyHistogram Latency { get; } = new();

    public long Succeeded { get; set; }

    public long Failed { get; set; }

    public long Retried { get; set; }

    public long ProbesSucceeded { get; set; }

    public long ProbesFailed { get; set; }

    /// <summary>Adds these counts to <paramref name="target"/>.</summary>
    public void AddTo(OperationCounts target)
    {
        Latency.AddTo(target.Latency);
        target.Succeeded += Succeeded;
        target.Failed += Failed;
        target.Retried += Retried;
        target.ProbesSucceeded += ProbesSucceeded;
        target.ProbesFailed += ProbesFailed;
    }

    protected void Clear()
    {
        Latency.Clear();
        Succeeded = 0;
        Failed = 0;
        Retried = 0;
        ProbesSucceeded = 0;
        ProbesFailed = 0;
    }
}

/// <summary>A window of operations summed across slices.</summary>
internal sealed class WindowTotals : OperationCounts
{
}
