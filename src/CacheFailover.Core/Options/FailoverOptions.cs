namespace CacheFailover.Options;

/// <summary>
/// How the engine detects failures, fails over and recovers. The first eleven properties are the
/// runtime-tunable options of the wire protocol (their snake_case names are in
/// <see cref="FailoverOptionNames"/>); the rest are start-up settings.
/// </summary>
/// <remarks>Validated as a whole by <see cref="FailoverOptionsValidator"/>; an invalid set is rejected whole.</remarks>
public sealed record FailoverOptions
{
    /// <summary>Whether failures lead to failover at all. Default true. When false, failures are only reported.</summary>
    public bool EnableFailover { get; init; } = true;

    /// <summary>Seconds between health probes of every service. Default 30; 0.1 to 3600.</summary>
    public double HealthCheckIntervalSeconds { get; init; } = 30;

    /// <summary>Seconds a probe may take before it counts as failed. Default 10; 0.1 to 300, at most the interval.</summary>
    public double HealthCheckTimeoutSeconds { get; init; } = 10;

    /// <summary>Consecutive failures (probes or operations) that make a service unhealthy. Default 3; 1 to 100.</summary>
    public int FailureThreshold { get; init; } = 3;

    /// <summary>Consecutive successful probes a failed primary needs before it may serve again. Default 5; 1 to 100.</summary>
    public int RecoveryThreshold { get; init; } = 5;

    /// <summary>Deadline the engine enforces on every operation, in milliseconds. Default 5000; 10 to 60000.</summary>
    public int TimeoutThresholdMs { get; init; } = 5000;

    /// <summary>
    /// How much slower than its learned baseline a service may get before it counts as degraded:
    /// 0.5 means 50 % slower. Default 0.5; 0.05 to 10.
    /// </summary>
    public double PerformanceDegradationThreshold { get; init; } = 0.5;

    /// <summary>Whether the primary is switched back automatically once healthy again. Default true.</summary>
    public bool AutoRecoveryEnabled { get; init; } = true;

    /// <summary>Minimum seconds between a failover and the automatic recovery. Default 300; 0 to 86400.</summary>
    public double AutoRecoveryDelaySeconds { get; init; } = 300;

    /// <summary>Whether a failing backup fails over to the next backup. Default false.</summary>
    public bool CascadeFailoverEnabled { get; init; }

    /// <summary>How many candidates one failover (or one operation's retries) tries. Default 3; 1 to 10.</summary>
    public int MaxFailoverAttempts { get; init; } = 3;

    /// <summary>Most keys the failback journal remembers before it overflows and the primary becomes dirty. Default 1,000,000; 1 to 100,000,000.</summary>
    public int JournalCapacity { get; init; } = 1_000_000;

    /// <summary>Keys per invalidation batch during failback. Default 1000; 1 to 100,000.</summary>
    public int InvalidationBatchSize { get; init; } = 1000;

    /// <summary>Operation outcomes kept per service for success rate and latency. Default 256; 16 to 65536.</summary>
    public int HealthWindowSize { get; init; } = 256;

    /// <summary>Samples needed before a baseline is learned or degradation is judged. Default 20; 5 to 10000.</summary>
    public int DegradationMinimumSamples { get; init; } = 20;

    /// <summary>
    /// Slowdowns smaller than this many milliseconds never count as degradation, so that noise and
    /// client-side queueing on a sub-millisecond baseline are not mistaken for a slow server.
    /// Default 5; 0 to 10000.
    /// </summary>
    public double DegradationMinimumDeltaMs { get; init; } = 5;

    /// <summary>How long degradation must last without a break before it fails over, in milliseconds. Default 500; 0 to 600000.</summary>
    public double DegradationSustainMs { get; init; } = 500;

    /// <summary>First retry backoff in milliseconds (doubles per attempt, with jitter). Default 5; 0 to 10000.</summary>
    public double RetryBaseDelayMs { get; init; } = 5;

    /// <summary>Events kept in the history ring. Default 1000; 10 to 100,000.</summary>
    public int EventHistoryCapacity { get; init; } = 1000;

    /// <summary>The longest anti-flapping hold-down, in seconds (it doubles per repeated failure up to this). Default 3600; 0 to 86400.</summary>
    public double MaxHoldDownSeconds { get; init; } = 3600;

    internal TimeSpan HealthCheckInterval => TimeSpan.FromSeconds(HealthCheckIntervalSeconds);

    internal TimeSpan HealthCheckTimeout => TimeSpan.FromSeconds(HealthCheckTimeoutSeconds);

    internal TimeSpan OperationTimeout => TimeSpan.FromMilliseconds(TimeoutThresholdMs);

    internal TimeSpan AutoRecoveryDelay => TimeSpan.FromSeconds(AutoRecoveryDelaySeconds);
}

/// <summary>The wire (snake_case) names of the runtime-tunable options, in documentation order.</summary>
public static class FailoverOptionNames
{
    public const string EnableFailover = "enable_failover";
    public const string HealthCheckIntervalSeconds = "health_check_interval_seconds";
    public const string HealthCheckTimeoutSeconds = "health_check_timeout_seconds";
    public const string FailureThreshold = "failure_threshold";
    public const string RecoveryThreshold = "recovery_threshold";
    public const string TimeoutThresholdMs = "timeout_threshold_ms";
    public const string PerformanceDegradationThreshold = "performance_degradation_threshold";
    public const string AutoRecoveryEnabled = "auto_recovery_enabled";
    public const string AutoRecoveryDelaySeconds = "auto_recovery_delay_seconds";
    public const string CascadeFailoverEnabled = "cascade_failover_enabled";
    public const string MaxFailoverAttempts = "max_failover_attempts";
}
