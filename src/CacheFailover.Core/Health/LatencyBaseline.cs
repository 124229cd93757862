using CacheFailover.Options;

namespace CacheFailover.Health;

/// <summary>
/// How fast one path to a service normally is, and the one rule that says "slower than normal".
/// </summary>
/// <remarks>
/// The baseline is the median of the first <c>learnSamples</c> samples (so that one slow first
/// sample, such as a connection being set up, does not set it), then follows the samples that are
/// not themselves slow: up by 1/<c>drift</c> of the difference, so a gradual slowdown cannot teach
/// it that slow is normal, and down by a quarter, so a baseline learned too high soon comes right. A service has two: one for its operations and one for its probes, because
/// the two are measured on different paths and only like may be compared with like.
/// </remarks>
internal sealed class LatencyBaseline(int learnSamples, int drift)
{
    private long[]? _learning = new long[learnSamples];
    private int _learningCount;

    /// <summary>The learned baseline in ticks; null while still learning.</summary>
    public double? Ticks { get; private set; }

    public void Learn(long ticks, FailoverOptions options)
    {
        if (Ticks is not { } baseline)
        {
            _learning![_learningCount++] = ticks;
            if (_learningCount >= learnSamples)
            {
                Array.Sort(_learning);
                Ticks = learnSamples % 2 == 1 ? _learning[learnSamples / 2] : (_learning[(learnSamples / 2) - 1] + _learning[learnSamples / 2]) / 2.0;
                _learning = null;
            }

            return;
        }

        if (ticks < baseline)
        {
            Ticks = baseline + ((ticks - baseline) / 4);
        }
        else if (!IsSlow(ticks, baseline, options))
        {
            Ticks = baseline + ((ticks - baseline) / drift);
        }
    }

    /// <summary>True when <paramref name="ticks"/> is measurably slower than the baseline; false while there is none.</summary>
    public bool IsSlower(double ticks, FailoverOptions options) => Ticks is { } baseline && IsSlow(ticks, baseline, options);

    /// <summary>
    /// The degradation rule, written once: more than <c>performance_degradation_threshold</c> over the
    /// baseline, and at least <c>degradation_minimum_delta_ms</c> over it (so that sub-millisecond
    /// noise on a sub-millisecond baseline is not a slow server).
    /// </summary>
    public static bool IsSlow(double ticks, double baselineTicks, FailoverOptions options) =>
        ticks > baselineTicks * (1 + options.PerformanceDegradationThreshold)
        && ticks - baselineTicks >= options.DegradationMinimumDeltaMs * TimeSpan.TicksPerMillisecond;
}
