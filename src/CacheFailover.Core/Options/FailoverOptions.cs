namespace CacheFailover.Options;

/// <summary>
/// How the engine detects failures, fails over and recovers. The first eleven properties are the
/// options of the wire protocol, the rest the project's own. The defaults are the initializers
/// below; each option's wire name, range, unit and whether it can change at runtime are in
/// <see cref="FailoverOptionCatalog"/> (one place, so that no reader states them differently).
/// </summary>
/// <remarks>Validated as a whole by <see cref="FailoverOptionsValidator"/>; an invalid set is rejected whole.</remarks>
public sealed record FailoverOptions
{
    /// <summary>Whether failures lead to failover at all.</summary>
    public bool EnableFailover { get; init; } = true;

    /// <summary>Seconds between health probes of every service.</summary>
    public double HealthCheckIntervalSeconds { get; init; } = 30;

    /// <summary>Seconds a probe may take before it counts as failed.</summary>
    public double HealthCheckTimeoutSeconds { get; init; } = 10;

    /// <summary>Consecutive failures (probes or operations) that make a service unhealthy.</summary>
    public int FailureThreshold { get; init; } = 3;

    /// <summary>Consecutive successful probes a failed primary needs before it may serve again.</summary>
    public int RecoveryThreshold { get; init; } = 5;

    /// <summary>Deadline the engine enforces on every operation, in milliseconds.</summary>
    public int TimeoutThresholdMs { get; init; } = 5000;

    /// <summary>
    /// How much slower than its learned baseline a service may get before it counts as degraded:
    /// 0.5 means 50 % slower.
    /// </summary>
    public double PerformanceDegradationThreshold { get; init; } = 0.5;

    /// <summary>Whether the primary is switched back automatically once healthy again.</summary>
    public bool AutoRecoveryEnabled { get; init; } = true;

    /// <summary>Minimum seconds between a failover and the automatic recovery.</summary>
    public double AutoRecoveryDelaySeconds { get; init; } = 300;

    /// <summary>Whether a failing backup fails over to the next backup.</summary>
    public bool CascadeFailoverEnabled { get; init; }

    /// <summary>How many candidates one failover (or one operation's retries) tries.</summary>
    public int MaxFailoverAttempts { get; init; } = 3;

    /// <summary>Most keys the failback journal remembers before it overflows and the primary becomes dirty.</summary>
    public int JournalCapacity { get; init; } = 1_000_000;

    /// <summary>Keys per invalidation batch during failback.</summary>
    public int InvalidationBatchSize { get; init; } = 1000;

    /// <summary>Operation outcomes kept per service for success rate and latency.</summary>
    public int HealthWindowSize { get; init; } = 256;

    /// <summary>Samples needed before a baseline is learned or degradation is judged.</summary>
    public int DegradationMinimumSamples { get; init; } = 20;

    /// <summary>
    /// Slowdowns smaller than this many milliseconds never count as degradation, so that noise and
    /// client-side queueing on a sub-millisecond baseline are not mistaken for a slow server.
    /// </summary>
    public double DegradationMinimumDeltaMs { get; init; } = 5;

    /// <summary>How long degradation must last without a break before it fails over, in milliseconds.</summary>
    public double DegradationSustainMs { get; init; } = 500;

    /// <summary>First retry backoff in milliseconds (doubles per attempt, with jitter).</summary>
    public double RetryBaseDelayMs { get; init; } = 5;

    /// <summary>Events kept in the history ring.</summary>
    public int EventHistoryCapacity { get; init; } = 1000;

    /// <summary>The longest anti-flapping hold-down, in seconds (it doubles per repeated failure up to this).</summary>
    public double MaxHoldDownSeconds { get; init; } = 3600;

    internal TimeSpan HealthCheckInterval => TimeSpan.FromSeconds(HealthCheckIntervalSeconds);

    internal TimeSpan HealthCheckTimeout => TimeSpan.FromSeconds(HealthCheckTimeoutSeconds);

    internal TimeSpan OperationTimeout => TimeSpan.FromMilliseconds(TimeoutThresholdMs);

    internal TimeSpan AutoRecoveryDelay => TimeSpan.FromSeconds(AutoRecoveryDelaySeconds);
}

/// <summary>The wire (snake_case) names of every option, in documentation order; <see cref="FailoverOptionCatalog"/> describes each.</summary>
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
    public const string JournalCapacity = "journal_capacity";
    public const string InvalidationBatchSize = "invalidation_batch_size";
    public const string HealthWindowSize = "health_window_size";
    public const string DegradationMinimumSamples = "degradation_minimum_samples";
    public const string DegradationMinimumDeltaMs = "degradation_minimum_delta_ms";
    public const string DegradationSustainMs = "degradation_sustain_ms";
    public const string RetryBaseDelayMs = "retry_base_delay_ms";
    public const string EventHistoryCapacity = "event_history_capacity";
    public const string MaxHoldDownSeconds = "max_hold_down_seconds";
}
