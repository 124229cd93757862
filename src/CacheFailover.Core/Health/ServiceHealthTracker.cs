using CacheFailover.Backends;
using CacheFailover.Engine;
using CacheFailover.Options;
using CacheFailover.Telemetry;

namespace CacheFailover.Health;

/// <summary>
/// Everything the engine knows about one service's health: a rolling window of real operation
/// outcomes, consecutive counters fed by operations and probes, a learned response-time
/// baseline, and time-sliced latency histograms for the metrics tool. One lock guards it all;
/// recording an outcome allocates nothing.
/// </summary>
internal sealed class ServiceHealthTracker
{
    /// <summary>Width of one metrics slice; windows are whole slices.</summary>
    internal static readonly TimeSpan SliceLength = TimeSpan.FromSeconds(10);

    /// <summary>Slices kept: one hour of history plus the current one.</summary>
    internal const int SliceCount = 361;

    private readonly Lock _lock = new();
    private readonly TimeProvider _time;
    private readonly bool[] _windowSuccess;
    private readonly long[] _windowLatency;
    private readonly long[] _recentLatency;
    private readonly Slice[] _slices;
    private readonly long _sliceTimestampTicks;
    private int _windowNext;
    private int _windowCount;
    private int _windowFailures;
    private int _recentNext;
    private int _recentCount;
    private long _recentSum;
    private double? _baselineTicks;
    private int _samplesTowardBaseline;
    private long _baselineSum;
    private int _consecutiveFailures;
    private int _consecutiveSuccesses;
    private int _consecutiveProbeSuccesses;
    private long _degradedSince;
    private readonly long[] _recentProbes = new long[5];
    private int _recentProbeCount;
    private int _recentProbeNext;
    private long? _streakStartTimestamp;
    private bool _connectionDown;
    private double? _probeLatencyTicks;
    private DateTimeOffset? _lastCheckAt;
    private string? _lastError;
    private long _probesSucceeded;
    private long _probesFailed;
    private bool _anyObservation;

    public ServiceHealthTracker(FailoverOptions options, TimeProvider time)
    {
        _time = time;
        _windowSuccess = new bool[options.HealthWindowSize];
        _windowLatency = new long[options.HealthWindowSize];
        _recentLatency = new long[options.DegradationMinimumSamples];
        _sliceTimestampTicks = (long)(SliceLength.TotalSeconds * time.TimestampFrequency);
        _slices = new Slice[SliceCount];
        for (var i = 0; i < _slices.Length; i++)
        {
            _slices[i] = new Slice();
        }
    }

    /// <summary>Records a successful operation and its latency.</summary>
    /// <param name="latency">How long it took.</param>
    /// <param name="endedTimestamp">When it ended (the caller has it already: one clock read less on the hot path).</param>
    /// <param name="options">The options in force.</param>
    /// <param name="retried">Whether it succeeded on a retry.</param>
    public void RecordSuccess(TimeSpan latency, long endedTimestamp, FailoverOptions options, bool retried = false)
    {
        var ticks = latency.Ticks;
        lock (_lock)
        {
            _anyObservation = true;
            PushWindow(success: true, ticks);
            PushRecent(ticks);
            LearnBaseline(ticks, options);
            _consecutiveFailures = 0;
            _consecutiveSuccesses++;
            _streakStartTimestamp = null;
            _connectionDown = false;
            var slice = SliceAt(endedTimestamp);
            slice.Latency.Record(ticks);
            slice.Succeeded++;
            if (retried)
            {
                slice.Retried++;
            }
        }
    }

    /// <summary>Records a failed operation that began at <paramref name="startedTimestamp"/> (the first sign of trouble, for detection time).</summary>
    public void RecordFailure(long startedTimestamp, TimeSpan latency, CacheFailureKind kind, string error)
    {
        lock (_lock)
        {
            _anyObservation = true;
            PushWindow(success: false, latency.Ticks);
            _streakStartTimestamp ??= startedTimestamp;
            NoteFailure(kind, error);
            CurrentSlice().Failed++;
        }
    }

    /// <summary>Records a successful probe.</summary>
    public void RecordProbeSuccess(TimeSpan latency)
    {
        lock (_lock)
        {
            _anyObservation = true;
            _probeLatencyTicks = _probeLatencyTicks is { } previous ? (previous * 0.8) + (latency.Ticks * 0.2) : latency.Ticks;
            _recentProbes[_recentProbeNext] = latency.Ticks;
            _recentProbeNext = (_recentProbeNext + 1) % _recentProbes.Length;
            _recentProbeCount = Math.Min(_recentProbeCount + 1, _recentProbes.Length);
            _consecutiveFailures = 0;
            _consecutiveSuccesses++;
            _consecutiveProbeSuccesses++;
            _streakStartTimestamp = null;
            _connectionDown = false;
            _lastCheckAt = _time.GetUtcNow();
            _probesSucceeded++;
            CurrentSlice().ProbesSucceeded++;
        }
    }

    /// <summary>Records a failed probe that began at <paramref name="startedTimestamp"/>.</summary>
    public void RecordProbeFailure(long startedTimestamp, CacheFailureKind kind, string error)
    {
        lock (_lock)
        {
            _anyObservation = true;
            _streakStartTimestamp ??= startedTimestamp;
            NoteFailure(kind, error);
            _lastCheckAt = _time.GetUtcNow();
            _probesFailed++;
            CurrentSlice().ProbesFailed++;
        }
    }

    /// <summary>The backend reported its connection lost (before any probe saw it).</summary>
    public void MarkConnectionDown(string error)
    {
        lock (_lock)
        {
            _anyObservation = true;
            _connectionDown = true;
            _consecutiveSuccesses = 0;
            _consecutiveProbeSuccesses = 0;
            _streakStartTimestamp ??= _time.GetTimestamp();
            _lastError = error;
        }
    }

    /// <summary>
    /// Forgets recent latencies and the run of successful probes but keeps the learned baseline:
    /// called when the service stops or starts serving, so that it is judged on fresh samples
    /// against how fast it used to be. A primary failed over for slowness must pass
    /// recovery_threshold probes after the switch, and one that comes back still slow is caught again.
    /// </summary>
    public void ForgetRecentSamples()
    {
        lock (_lock)
        {
            _recentCount = 0;
            _recentNext = 0;
            _recentSum = 0;
            _recentProbeCount = 0;
            _recentProbeNext = 0;
            _consecutiveProbeSuccesses = 0;
            _degradedSince = 0;
        }
    }

    public int ConsecutiveFailures
    {
        get
        {
            lock (_lock)
            {
                return _consecutiveFailures;
            }
        }
    }

    public int ConsecutiveSuccesses
    {
        get
        {
            lock (_lock)
            {
                return _consecutiveSuccesses;
            }
        }
    }

    /// <summary>Consecutive successful probes only (what recovery_threshold counts).</summary>
    public int ConsecutiveProbeSuccesses
    {
        get
        {
            lock (_lock)
            {
                return _consecutiveProbeSuccesses;
            }
        }
    }

    /// <summary>
    /// True when the median of the last few probes is measurably slower than the learned baseline
    /// (same rule as for operations): a primary that was failed over for slowness and is still slow
    /// is not switched back to. The median, so that one late probe (e.g. released by a server that
    /// resumed) does not hold recovery back.
    /// </summary>
    public bool IsProbeLatencyDegraded(FailoverOptions options)
    {
        lock (_lock)
        {
            return IsProbeLatencyDegradedLocked(options);
        }
    }

    /// <summary>When the current failure streak began (a <see cref="TimeProvider"/> timestamp), or null when there is none.</summary>
    public long? FailureStreakStart
    {
        get
        {
            lock (_lock)
            {
                return _streakStartTimestamp;
            }
        }
    }

    /// <summary>Judges health now.</summary>
    public ServiceHealth Evaluate(FailoverOptions options)
    {
        lock (_lock)
        {
            return EvaluateLocked(options);
        }
    }

    /// <summary>True when the service is measurably slower than its baseline, per the options.</summary>
    public bool IsDegraded(FailoverOptions options)
    {
        lock (_lock)
        {
            return IsDegradedLocked(options);
        }
    }

    /// <summary>
    /// How long the service has been degraded without a break, as seen by checks at
    /// <paramref name="nowTimestamp"/>; zero when it is not degraded now (which also ends the run).
    /// A failover for slowness needs a run of at least <c>degradation_sustain_ms</c>, so that a GC
    /// pause or a burst of the application's own load is not mistaken for a slow server.
    /// </summary>
    public TimeSpan? DegradedFor(long nowTimestamp, FailoverOptions options)
    {
        lock (_lock)
        {
            // Operations alone under-weigh stalls (a closed loop of clients completes many fast
            // operations between two stalls); probes arrive at arbitrary moments, like real traffic.
            if (!IsDegradedLocked(options) && !IsProbeLatencyDegradedLocked(options))
            {
                _degradedSince = 0;
                return null;
            }

            if (_degradedSince == 0)
            {
                _degradedSince = nowTimestamp;
            }

            return _time.GetElapsedTime(_degradedSince, nowTimestamp);
        }
    }

    /// <summary>The best latency estimate for choosing between services: recent operations, else probes; null when unknown.</summary>
    public TimeSpan? LatencyEstimate
    {
        get
        {
            lock (_lock)
            {
                if (_recentCount > 0)
                {
                    return TimeSpan.FromTicks(_recentSum / _recentCount);
                }

                return _probeLatencyTicks is { } probe ? TimeSpan.FromTicks((long)probe) : null;
            }
        }
    }

    /// <summary>The worse of recent operations' mean latency and recent probes' median: how slow the service is when judging degradation.</summary>
    public TimeSpan? WorstRecentLatency
    {
        get
        {
            lock (_lock)
            {
                long? operations = _recentCount > 0 ? _recentSum / _recentCount : null;
                var probes = RecentProbeMedianLocked();

                var worst = Math.Max(operations ?? 0, probes ?? 0);
                return operations is null && probes is null ? null : TimeSpan.FromTicks(worst);
            }
        }
    }

    /// <summary>Success rate over the rolling window; 1 when nothing was recorded.</summary>
    public double SuccessRate
    {
        get
        {
            lock (_lock)
            {
                return SuccessRateLocked();
            }
        }
    }

    /// <summary>An immutable picture for the status tool. Response times come from operations, or from probes while the service has served none.</summary>
    public HealthSnapshot Snapshot(FailoverOptions options)
    {
        lock (_lock)
        {
            var histogram = new LatencyHistogram();
            double sum = 0;
            var successes = 0;
            for (var i = 0; i < _windowCount; i++)
            {
                if (_windowSuccess[i])
                {
                    histogram.Record(_windowLatency[i]);
                    sum += _windowLatency[i];
                    successes++;
                }
            }

            return new HealthSnapshot(
                EvaluateLocked(options),
                _consecutiveFailures,
                _consecutiveSuccesses,
                SuccessRateLocked(),
                successes == 0 ? (_probeLatencyTicks ?? 0) / TimeSpan.TicksPerMillisecond : sum / successes / TimeSpan.TicksPerMillisecond,
                successes == 0 ? (_probeLatencyTicks ?? 0) / TimeSpan.TicksPerMillisecond : histogram.Percentile(0.95).TotalMilliseconds,
                _baselineTicks is { } b ? b / TimeSpan.TicksPerMillisecond : null,
                _lastCheckAt,
                _lastError);
        }
    }

    /// <summary>Adds this service's operations of the last <paramref name="window"/> to <paramref name="into"/>.</summary>
    public void CollectWindow(TimeSpan window, WindowTotals into)
    {
        var currentIndex = SliceIndex(_time.GetTimestamp());
        var slices = (long)Math.Ceiling(window.Ticks / (double)SliceLength.Ticks);
        slices = Math.Clamp(slices, 1, SliceCount);
        lock (_lock)
        {
            foreach (var slice in _slices)
            {
                if (slice.Index > currentIndex - slices && slice.Index <= currentIndex)
                {
                    slice.Latency.AddTo(into.Latency);
                    into.Succeeded += slice.Succeeded;
                    into.Failed += slice.Failed;
                    into.Retried += slice.Retried;
                    into.ProbesSucceeded += slice.ProbesSucceeded;
                    into.ProbesFailed += slice.ProbesFailed;
                }
            }
        }
    }

    private void NoteFailure(CacheFailureKind kind, string error)
    {
        _consecutiveSuccesses = 0;
        _consecutiveProbeSuccesses = 0;
        _consecutiveFailures++;
        _streakStartTimestamp ??= _time.GetTimestamp();
        _lastError = error;
        if (kind == CacheFailureKind.Connection)
        {
            _connectionDown = true;
        }
    }

    private ServiceHealth EvaluateLocked(FailoverOptions options)
    {
        if (!_anyObservation)
        {
            return ServiceHealth.Unknown;
        }

        if (_connectionDown || _consecutiveFailures >= options.FailureThreshold)
        {
            return ServiceHealth.Unhealthy;
        }

        if (_consecutiveFailures > 0 || IsDegradedLocked(options) || IsProbeLatencyDegradedLocked(options)
            || (_windowCount >= options.DegradationMinimumSamples && SuccessRateLocked() < 0.9))
        {
            return ServiceHealth.Degraded;
        }

        return ServiceHealth.Healthy;
    }

    private bool IsDegradedLocked(FailoverOptions options)
    {
        if (_baselineTicks is not { } baseline || _recentCount < _recentLatency.Length)
        {
            return false;
        }

        var recent = (double)_recentSum / _recentCount;
        var minimumDelta = options.DegradationMinimumDeltaMs * TimeSpan.TicksPerMillisecond;
        return recent > baseline * (1 + options.PerformanceDegradationThreshold) && recent - baseline >= minimumDelta;
    }

    private bool IsProbeLatencyDegradedLocked(FailoverOptions options)
    {
        if (_baselineTicks is not { } baseline || _recentProbeCount < 3 || RecentProbeMedianLocked() is not { } median)
        {
            return false;
        }

        var minimumDelta = options.DegradationMinimumDeltaMs * TimeSpan.TicksPerMillisecond;
        return median > baseline * (1 + options.PerformanceDegradationThreshold) && median - baseline >= minimumDelta;
    }

    /// <summary>The median of the last few probe latencies, in ticks; null before the first probe.</summary>
    private long? RecentProbeMedianLocked()
    {
        if (_recentProbeCount == 0)
        {
            return null;
        }

        Span<long> sorted = stackalloc long[_recentProbeCount];
        _recentProbes.AsSpan(0, _recentProbeCount).CopyTo(sorted);
        sorted.Sort();
        return sorted[sorted.Length / 2];
    }

    private double SuccessRateLocked() => _windowCount == 0 ? 1 : (_windowCount - _windowFailures) / (double)_windowCount;

    private void PushWindow(bool success, long ticks)
    {
        if (_windowCount == _windowSuccess.Length && !_windowSuccess[_windowNext])
        {
            _windowFailures--;
        }

        _windowSuccess[_windowNext] = success;
        _windowLatency[_windowNext] = ticks;
        if (!success)
        {
            _windowFailures++;
        }

        _windowNext = (_windowNext + 1) % _windowSuccess.Length;
        _windowCount = Math.Min(_windowCount + 1, _windowSuccess.Length);
    }

    private void PushRecent(long ticks)
    {
        if (_recentCount == _recentLatency.Length)
        {
            _recentSum -= _recentLatency[_recentNext];
        }
        else
        {
            _recentCount++;
        }

        _recentLatency[_recentNext] = ticks;
        _recentSum += ticks;
        _recentNext = (_recentNext + 1) % _recentLatency.Length;
    }

    /// <summary>
    /// The baseline is the mean of the first samples, then drifts slowly with samples that are not
    /// themselves slow, so a gradual slowdown cannot teach the engine that slow is normal.
    /// </summary>
    private void LearnBaseline(long ticks, FailoverOptions options)
    {
        if (_baselineTicks is not { } baseline)
        {
            _baselineSum += ticks;
            _samplesTowardBaseline++;
            if (_samplesTowardBaseline >= _recentLatency.Length)
            {
                _baselineTicks = (double)_baselineSum / _samplesTowardBaseline;
            }

            return;
        }

        if (ticks <= baseline * (1 + options.PerformanceDegradationThreshold))
        {
            _baselineTicks = baseline + ((ticks - baseline) / _windowSuccess.Length);
        }
    }

    // Slices are cut on the monotonic timestamp (cheaper than the UTC clock on the hot path, and immune to clock changes).
    private long SliceIndex(long timestamp) => timestamp / _sliceTimestampTicks;

    private Slice CurrentSlice() => SliceAt(_time.GetTimestamp());

    private Slice SliceAt(long timestamp)
    {
        var index = SliceIndex(timestamp);
        var slice = _slices[index % SliceCount];
        if (slice.Index != index)
        {
            slice.Reset(index);
        }

        return slice;
    }

    private sealed class Slice
    {
        public long Index { get; private set; } = -1;

        public LatencyHistogram Latency { get; } = new();

        public long Succeeded { get; set; }

        public long Failed { get; set; }

        public long Retried { get; set; }

        public long ProbesSucceeded { get; set; }

        public long ProbesFailed { get; set; }

        public void Reset(long index)
        {
            Index = index;
            Latency.Clear();
            Succeeded = 0;
            Failed = 0;
            Retried = 0;
            ProbesSucceeded = 0;
            ProbesFailed = 0;
        }
    }
}

/// <summary>One service's health at one moment.</summary>
internal sealed record HealthSnapshot(
    ServiceHealth Health,
    int ConsecutiveFailures,
    int ConsecutiveSuccesses,
    double SuccessRate,
    double AvgResponseMs,
    double P95ResponseMs,
    double? BaselineResponseMs,
    DateTimeOffset? LastCheckAt,
    string? LastError);

/// <summary>Accumulates a window of operations across slices.</summary>
internal sealed class WindowTotals
{
    public LatencyHistogram Latency { get; } = new();

    public long Succeeded { get; set; }

    public long Failed { get; set; }

    public long Retried { get; set; }

    public long ProbesSucceeded { get; set; }

    public long ProbesFailed { get; set; }
}
