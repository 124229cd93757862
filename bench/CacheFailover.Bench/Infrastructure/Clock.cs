using System.Diagnostics;

namespace CacheFailover.Bench.Infrastructure;

/// <summary>Monotonic timestamps (Stopwatch ticks) and conversions.</summary>
internal static class Clock
{
    public static long Now => Stopwatch.GetTimestamp();

    public static long Ticks(TimeSpan span) => (long)(span.TotalSeconds * Stopwatch.Frequency);

    public static double Ms(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;

    public static double MsSince(long timestamp) => Ms(Stopwatch.GetTimestamp() - timestamp);

    /// <summary>Ticks as tenths of a microsecond, the unit the latency histograms record.</summary>
    public static long TenthsOfMicrosecond(long ticks) => (long)(ticks * 10_000_000.0 / Stopwatch.Frequency);

    /// <summary>Sleeps on the wall clock (allowed in the bench; product code uses an injected TimeProvider).</summary>
    public static Task Delay(TimeSpan span, CancellationToken cancellationToken = default) => Task.Delay(span, cancellationToken);
}
