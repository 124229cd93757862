using CacheFailover.Backends;
using CacheFailover.Engine;
using CacheFailover.Options;
using CacheFailover.Telemetry;

namespace CacheFailover.Health;

/// <summary>
/// Everything the engine knows about one service's health, composed of small parts: the
/// <see cref="OperationWindow"/> (success rate), the operations' <see cref="RecentLatency"/> and
/// <see cref="LatencyBaseline"/>, the <see cref="ProbeStatistics"/> (with a baseline of their own),
/// and the <see cref="MetricSlices"/> history. One lock guards them; recording allocates nothing.
/// </summary>
/// <remarks>
/// Slowness is judged like against like: operations against the operations' baseline, probes
/// against the probes' baseline. Operations only raise suspicion (their latency includes queueing
/// inside this process under load); a failover for slowness needs the probes to agree (see
/// <c>DegradationWatcher</c>). Memory per service: <see cref="FootprintBytes"/>.
/// </remarks>
internal sealed class ServiceHealthTracker
{
    private readonly Lock _lock = new();
    private readonly TimeProvider _time;
    private readonly OperationWindow _window;
    private readonly RecentLatency _recent;
    private readonly LatencyBaseline _operationBaseline;
    private readonly ProbeStatistics _probes = new();
    private readonly MetricSlices _slices;
    private int _consecutiveFailures;
    private int _consecutiveSuccesses;
    private long? _streakStartTimestamp;
    private long _slowSince;
    private long _normalSince;
    private long _lastSuccessTimestamp = long.MinValue;
    private bool _connectionDown;
    private bool _anyObservation;
    private DateTimeOffset? _lastCheckAt;
    private string? _lastError;
    private DateTimeOffset? _lastErrorAt;

    public ServiceHealthTracker(FailoverOptions options, TimeProvider time)
    {
        _time = time;
        _window = new OperationWindow(options.HealthWindowSize);
        _recent = new RecentLatency(options.DegradationMinimumSamples);
        _operationBaseline = new LatencyBaseline(learnSamples: options.DegradationMinimumSamples, drift: options.HealthWindowSize);
        _slices = new MetricSlices(time);
    }

    /// <summary>Bytes one tracker holds, about 60 KB at the default options (most of it the metrics history).</summary>
    public int FootprintBytes => _window.FootprintBytes + _recent.FootprintBytes + MetricSlices.FootprintBytes;

    /// <summary>Records a successful operation; <paramref name="endedTimestamp"/> saves the hot path a clock read.</summary>
    public void RecordSuccess(TimeSpan latency, long endedTimestamp, FailoverOptions options, bool retried = false)
    {
        var ticks = latency.Ticks;
        lock (_lock)
        {
            _anyObservation = true;
            _window.Add(success: true, ticks);
            _recent.Add(ticks);
            _operationBaseline.Learn(ticks, options);
            _consecutiveFailures = 0;
            _consecutiveSuccesses++;
            _streakStartTimestamp = null;
            _connectionDown = false;
            _lastSuccessTimestamp = endedTimestamp;
            var slice = _slices.At(endedTimestamp);
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
            _window.Add(success: false, latency.Ticks);
            _streakStartTimestamp ??= startedTimestamp;
            NoteFailure(kind, error);
            _slices.At(_time.GetTimestamp()).Failed++;
        }
    }

    public void RecordProbeSuccess(TimeSpan latency, FailoverOptions options)
    {
        lock (_lock)
        {
            _anyObservation = true;
            var now = _time.GetTimestamp();
            var halfInterval = (long)(options.HealthCheckIntervalSeconds * _time.TimestampFrequency / 2);
            _probes.RecordSuccess(latency.Ticks, now, halfInterval, options);
            _consecutiveFailures = 0;
            _consecutiveSuccesses++;
            _streakStartTimestamp = null;
            _connectionDown = false;
            _lastCheckAt = _time.GetUtcNow();
            _slices.At(now).ProbesSucceeded++;
        }
    }

    public void RecordProbeFailure(long startedTimestamp, CacheFailureKind kind, string error)
    {
        lock (_lock)
        {
            _anyObservation = true;
            _probes.RecordFailure();
            _streakStartTimestamp ??= startedTimestamp;
            NoteFailure(kind, error);
            _lastCheckAt = _time.GetUtcNow();
            _slices.At(_time.GetTimestamp()).ProbesFailed++;
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
            _probes.BreakRun();
            _streakStartTimestamp ??= _time.GetTimestamp();
            _lastError = error;
            _lastErrorAt = _time.GetUtcNow();
        }
    }

    /// <summary>
    /// Forgets recent latencies and the run of successful probes but keeps both baselines: called
    /// when the service stops or starts serving, so that it is judged on fresh samples against how
    /// fast it used to be.
    /// </summary>
    public void ForgetRecentSamples()
    {
        lock (_lock)
        {
            _recent.Clear();
            _probes.ForgetRecent();
            _slowSince = 0;
            _normalSince = 0;
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

    /// <summary>Consecutive failed probes only (operations not counted): how long a service with its own failover has been down.</summary>
    public int ConsecutiveProbeFailures
    {
        get
        {
            lock (_lock)
            {
                return _probes.ConsecutiveFailures;
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
                return _probes.ConsecutiveSuccesses;
            }
        }
    }

    /// <summary>When the current failure streak began (a <see cref="TimeProvider"/> timestamp), or null.</summary>
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

    public string? LastError
    {
        get
        {
            lock (_lock)
            {
                return _lastError;
            }
        }
    }

    public ServiceHealth Evaluate(FailoverOptions options)
    {
        lock (_lock)
        {
            return EvaluateLocked(options);
        }
    }

    /// <summary>True when the recent probes are slower than the probes' baseline: the confirmation a failover for slowness needs.</summary>
    public bool ProbesSlow(FailoverOptions options)
    {
        lock (_lock)
        {
            return _probes.IsSlow(options);
        }
    }

    /// <summary>True when the latest probe alone was slow: the degradation watcher then looks closer.</summary>
    public bool LatestProbeSlow(FailoverOptions options)
    {
        lock (_lock)
        {
            return _probes.LatestIsSlow(options);
        }
    }

    /// <summary>
    /// How long the current run of slowness (its operations or its probes) has lasted, as seen at
    /// <paramref name="nowTimestamp"/>; null when there is none. A run ends only when the service
    /// has looked normal for <see cref="EngineTimings.DegradationRunGrace"/>: a server that stalls in
    /// bursts shows the odd fast median, and that alone must not restart the count.
    /// </summary>
    public TimeSpan? SlowFor(long nowTimestamp, FailoverOptions options)
    {
        lock (_lock)
        {
            if (!OperationsSlowLocked(options) && !_probes.IsSlow(options))
            {
                if (_slowSince == 0)
                {
                    return null;
                }

                if (_normalSince == 0)
                {
                    _normalSince = nowTimestamp;
                }

                if (_time.GetElapsedTime(_normalSince, nowTimestamp) >= EngineTimings.DegradationRunGrace)
                {
                    _slowSince = 0;
                    _normalSince = 0;
                    return null;
                }

                return _time.GetElapsedTime(_slowSince, nowTimestamp);
            }

            _normalSince = 0;
            if (_slowSince == 0)
            {
                _slowSince = nowTimestamp;
            }

            return _time.GetElapsedTime(_slowSince, nowTimestamp);
        }
    }

    /// <summary>
    /// True when an operation succeeded on this service after <paramref name="timestamp"/>: a
    /// deadline missed by an operation sent then is this process's queueing, not a hung server.
    /// </summary>
    public bool AnsweredSince(long timestamp)
    {
        lock (_lock)
        {
            return _lastSuccessTimestamp > timestamp;
        }
    }

    /// <summary>
    /// The latency for choosing between services: the probes' (measured the same way on every
    /// service, whether it carries traffic or not), else recent operations'; null when unknown.
    /// </summary>
    public TimeSpan? LatencyEstimate
    {
        get
        {
            lock (_lock)
            {
                return _probes.Smoothed ?? (_recent.MeanTicks is { } mean ? TimeSpan.FromTicks((long)mean) : null);
            }
        }
    }

    /// <summary>The operations' success rate, else the probes', else 1: a score input for choosing between services.</summary>
    public double SuccessRate
    {
        get
        {
            lock (_lock)
            {
                var probes = _probes.Succeeded + _probes.Failed;
                return _window.SuccessRate ?? (probes == 0 ? 1 : _probes.Succeeded / (double)probes);
            }
        }
    }

    /// <summary>The median of the recent probes; null before the first.</summary>
    public TimeSpan? ProbeLatency
    {
        get
        {
            lock (_lock)
            {
                return _probes.RecentMedianTicks() is { } t ? TimeSpan.FromTicks(t) : null;
            }
        }
    }

    /// <summary>An immutable picture for the status tool. Operation and probe figures are kept apart.</summary>
    public HealthSnapshot Snapshot(FailoverOptions options)
    {
        lock (_lock)
        {
            var latency = _window.SuccessLatency();
            var probeTotal = _probes.Succeeded + _probes.Failed;
            return new HealthSnapshot(
                EvaluateLocked(options),
                _consecutiveFailures,
                _consecutiveSuccesses,
                _window.SuccessRate,
                _window.Count,
                latency?.Mean.TotalMilliseconds,
                latency?.P95.TotalMilliseconds,
                _operationBaseline.Ticks is { } b ? b / TimeSpan.TicksPerMillisecond : null,
                _probes.ConsecutiveFailures,
                _probes.ConsecutiveSuccesses,
                probeTotal == 0 ? null : _probes.Succeeded / (double)probeTotal,
                _probes.RecentMedianTicks() is { } median ? median / (double)TimeSpan.TicksPerMillisecond : null,
                _probes.BaselineTicks is { } pb ? pb / TimeSpan.TicksPerMillisecond : null,
                _lastCheckAt,
                _lastError,
                _lastErrorAt);
        }
    }

    /// <summary>Adds this service's operations of the last <paramref name="window"/> to <paramref name="into"/>.</summary>
    public void CollectWindow(TimeSpan window, WindowTotals into)
    {
        var now = _time.GetTimestamp();
        lock (_lock)
        {
            _slices.Collect(window, now, into);
        }
    }

    private void NoteFailure(CacheFailureKind kind, string error)
    {
        _consecutiveSuccesses = 0;
        _consecutiveFailures++;
        _streakStartTimestamp ??= _time.GetTimestamp();
        _lastError = error;
        _lastErrorAt = _time.GetUtcNow();
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

        if (_consecutiveFailures > 0 || OperationsSlowLocked(options) || _probes.IsSlow(options)
            || (_window.Count >= options.DegradationMinimumSamples && _window.SuccessRate < 0.9))
        {
            return ServiceHealth.Degraded;
        }

        return ServiceHealth.Healthy;
    }

    private bool OperationsSlowLocked(FailoverOptions options) =>
        _recent.IsFull && _recent.MeanTicks is { } mean && _operationBaseline.IsSlower(mean, options);
}

/// <summary>One service's health at one moment; operation and probe figures apart.</summary>
internal sealed record HealthSnapshot(
    ServiceHealth Health,
    int ConsecutiveFailures,
    int ConsecutiveSuccesses,
    double? OperationSuccessRate,
    int OperationsInWindow,
    double? AvgResponseMs,
    double? P95ResponseMs,
    double? BaselineResponseMs,
    int ConsecutiveProbeFailures,
    int ConsecutiveProbeSuccesses,
    double? ProbeSuccessRate,
    double? ProbeLatencyMs,
    double? ProbeBaselineMs,
    DateTimeOffset? LastCheckAt,
    string? LastError,
    DateTimeOffset? LastErrorAt);
