namespace CacheFailover.Mcp.Tools.Results;

/// <summary>Output of <c>get_failover_performance_metrics</c>.</summary>
public sealed record PerformanceMetricsResult(
    double WindowSeconds,
    OperationTotalsResult Operations,
    IReadOnlyList<ServicePerformanceResult> Services,
    SwitchMetricsResult Failovers,
    SwitchMetricsResult Recoveries,
    HealthCheckTotalsResult HealthChecks,
    JournalMetricsResult Journal,
    IReadOnlyDictionary<string, double> SecondsInStatus);

/// <summary>Operation counts over every service.</summary>
public sealed record OperationTotalsResult(long Total, long Succeeded, long Failed, long Retried);

/// <summary>Operation counts, latency percentiles and probe counts for one service.</summary>
public sealed record ServicePerformanceResult(
    string ServiceId,
    long Total,
    long Succeeded,
    long Failed,
    long Retried,
    double P50Ms,
    double P95Ms,
    double P99Ms,
    double MaxMs,
    double MeanMs,
    long HealthChecksSucceeded,
    long HealthChecksFailed);

/// <summary>Failover or recovery figures: counts, by trigger, detection and switch durations.</summary>
public sealed record SwitchMetricsResult(
    int Count,
    int Succeeded,
    int Failed,
    IReadOnlyDictionary<string, int> ByTrigger,
    double? LastDetectionMs,
    double? AvgDetectionMs,
    double? MaxDetectionMs,
    double? LastSwitchMs,
    double? AvgSwitchMs,
    double? MaxSwitchMs);

/// <summary>Health probes over every service.</summary>
public sealed record HealthCheckTotalsResult(long Succeeded, long Failed);

/// <summary>Failback journal invalidations.</summary>
public sealed record JournalMetricsResult(long InvalidatedKeys, double? LastInvalidationMs, int PendingKeys);
