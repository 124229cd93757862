using CacheFailover.Options;

namespace CacheFailover.Health;

/// <summary>
/// What the probes of one service say: the last few probe latencies (their median), a probe
/// baseline learned from probes only, the run of successful probes recovery counts, and totals.
/// Not thread-safe; the tracker locks.
/// </summary>
internal sealed class ProbeStatistics
{
    /// <summary>Probes whose median judges "slow now": enough that one late probe does not decide.</summary>
    public const int RecentCount = 5;

    /// <summary>The fewest recent probes that judge slowness.</summary>
    public const int MinimumToJudge = 3;

    private readonly long[] _recent = new long[RecentCount];
    private readonly LatencyBaseline _baseline = new(learnSamples: 3, drift: 32);
    private int _recentNext;
    private int _recentCount;
    private double? _smoothedTicks;
    private long _lastCountedTimestamp;

    /// <summary>
    /// Consecutive successful probes (what recovery_threshold counts), at most one per half probe
    /// interval: a late probe round followed at once by the next one, or a probe on reconnect next
    /// to a round's probe, are two answers to one moment, not two rounds of evidence.
    /// </summary>
    public int ConsecutiveSuccesses { get; private set; }

    public int ConsecutiveFailures { get; private set; }

    public long Succeeded { get; private set; }

    public long Failed { get; private set; }

    /// <summary>A smoothed probe latency, for choosing between services that carry no traffic.</summary>
    public TimeSpan? Smoothed => _smoothedTicks is { } t ? TimeSpan.FromTicks((long)t) : null;

    public double? BaselineTicks => _baseline.Ticks;

    /// <param name="ticks">The probe's latency in <see cref="TimeSpan"/> ticks.</param>
    /// <param name="timestamp">When it answered (a <see cref="TimeProvider"/> timestamp).</param>
    /// <param name="minimumSpacing">The least time, in timestamp units, between two probes that both count toward the run.</param>
    /// <param name="options">The options the baseline is learned with.</param>
    public void RecordSuccess(long ticks, long timestamp, long minimumSpacing, FailoverOptions options)
    {
        _smoothedTicks = _smoothedTicks is { } previous ? (previous * 0.8) + (ticks * 0.2) : ticks;
        _recent[_recentNext] = ticks;
        _recentNext = (_recentNext + 1) % _recent.Length;
        _recentCount = Math.Min(_recentCount + 1, _recent.Length);
        _baseline.Learn(ticks, options);
        if (ConsecutiveSuccesses == 0 || timestamp - _lastCountedTimestamp >= minimumSpacing)
        {
            ConsecutiveSuccesses++;
            _lastCountedTimestamp = timestamp;
        }

        ConsecutiveFailures = 0;
        Succeeded++;
    }

    public void RecordFailure()
    {
        ConsecutiveSuccesses = 0;
        ConsecutiveFailures++;
        Failed++;
    }

    /// <summary>The run of successes ends without a probe failing (a dropped connection, or the service started or stopped serving).</summary>
    public void BreakRun() => ConsecutiveSuccesses = 0;

    /// <summary>Forgets the recent probes (not the baseline), so that the service is judged on fresh ones.</summary>
    public void ForgetRecent()
    {
        _recentCount = 0;
        _recentNext = 0;
        ConsecutiveSuccesses = 0;
    }

    /// <summary>The median of the recent probes, in ticks; null before the first.</summary>
    public long? RecentMedianTicks()
    {
        if (_recentCount == 0)
        {
            return null;
        }

        Span<long> sorted = stackalloc long[_recentCount];
        _recent.AsSpan(0, _recentCount).CopyTo(sorted);
        sorted.Sort();
        return sorted[sorted.Length / 2];
    }

    /// <summary>True when the latest probe alone was slower than the probe baseline: a reason to look closer, not to decide.</summary>
    public bool LatestIsSlow(FailoverOptions options) =>
        _recentCount > 0 && _baseline.IsSlower(_recent[(_recentNext + _recent.Length - 1) % _recent.Length], options);

    /// <summary>True when the median of at least <see cref="MinimumToJudge"/> recent probes is slower than the probe baseline.</summary>
    public bool IsSlow(FailoverOptions options) =>
        _recentCount >= MinimumToJudge && RecentMedianTicks() is { } median && _baseline.IsSlower(median, options);
}
