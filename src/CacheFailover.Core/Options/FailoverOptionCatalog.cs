using System.Collections.Frozen;

namespace CacheFailover.Options;

/// <summary>
/// The one list of failover options: one <see cref="FailoverOptionDescriptor"/> per
/// <see cref="FailoverOptions"/> property, in documentation order (the eleven options of the wire
/// protocol first, then the project's own).
/// </summary>
/// <remarks>
/// Whether an option is runtime-changeable follows what the engine does with it: every option it
/// reads afresh on each use (or resizes, like the journal and the event history, or re-times,
/// like the probe timer) can change at runtime; <c>health_window_size</c> and
/// <c>degradation_minimum_samples</c> size each service's sample arrays when the service is
/// created, so only a restart changes them.
/// </remarks>
public static class FailoverOptionCatalog
{
    private const bool Runtime = true;
    private const bool StartupOnly = false;
    private const string Seconds = "seconds";
    private const string Milliseconds = "milliseconds";

    private static readonly FailoverOptionDescriptor[] Descriptors =
    [
        new BooleanOptionDescriptor(
            FailoverOptionNames.EnableFailover, nameof(FailoverOptions.EnableFailover),
            o => o.EnableFailover, (o, v) => o with { EnableFailover = v }, Runtime,
            "Whether failures lead to failover at all (when false they are only reported)."),
        new NumberOptionDescriptor(
            FailoverOptionNames.HealthCheckIntervalSeconds, nameof(FailoverOptions.HealthCheckIntervalSeconds),
            o => o.HealthCheckIntervalSeconds, (o, v) => o with { HealthCheckIntervalSeconds = v }, 0.1, 3600, Runtime, Seconds,
            "Time between health probes of every service."),
        new NumberOptionDescriptor(
            FailoverOptionNames.HealthCheckTimeoutSeconds, nameof(FailoverOptions.HealthCheckTimeoutSeconds),
            o => o.HealthCheckTimeoutSeconds, (o, v) => o with { HealthCheckTimeoutSeconds = v }, 0.1, 300, Runtime, Seconds,
            "How long a probe may take before it counts as failed; at most health_check_interval_seconds."),
        new IntegerOptionDescriptor(
            FailoverOptionNames.FailureThreshold, nameof(FailoverOptions.FailureThreshold),
            o => o.FailureThreshold, (o, v) => o with { FailureThreshold = v }, 1, 100, Runtime, null,
            "Consecutive failures (probes or operations) that make a service unhealthy."),
        new IntegerOptionDescriptor(
            FailoverOptionNames.RecoveryThreshold, nameof(FailoverOptions.RecoveryThreshold),
            o => o.RecoveryThreshold, (o, v) => o with { RecoveryThreshold = v }, 1, 100, Runtime, null,
            "Consecutive successful probes a failed primary needs before it may serve again."),
        new IntegerOptionDescriptor(
            FailoverOptionNames.TimeoutThresholdMs, nameof(FailoverOptions.TimeoutThresholdMs),
            o => o.TimeoutThresholdMs, (o, v) => o with { TimeoutThresholdMs = v }, 10, 60000, Runtime, Milliseconds,
            "Deadline the engine enforces on every cache operation."),
        new NumberOptionDescriptor(
            FailoverOptionNames.PerformanceDegradationThreshold, nameof(FailoverOptions.PerformanceDegradationThreshold),
            o => o.PerformanceDegradationThreshold, (o, v) => o with { PerformanceDegradationThreshold = v }, 0.05, 10, Runtime, null,
            "How much slower than its learned baseline a service may get before it counts as degraded (0.5 = 50% slower)."),
        new BooleanOptionDescriptor(
            FailoverOptionNames.AutoRecoveryEnabled, nameof(FailoverOptions.AutoRecoveryEnabled),
            o => o.AutoRecoveryEnabled, (o, v) => o with { AutoRecoveryEnabled = v }, Runtime,
            "Whether the primary is switched back automatically once healthy again."),
        new NumberOptionDescriptor(
            FailoverOptionNames.AutoRecoveryDelaySeconds, nameof(FailoverOptions.AutoRecoveryDelaySeconds),
            o => o.AutoRecoveryDelaySeconds, (o, v) => o with { AutoRecoveryDelaySeconds = v }, 0, 86400, Runtime, Seconds,
            "Minimum time between a failover and the automatic recovery (doubled for a primary that keeps failing, up to max_hold_down_seconds)."),
        new BooleanOptionDescriptor(
            FailoverOptionNames.CascadeFailoverEnabled, nameof(FailoverOptions.CascadeFailoverEnabled),
            o => o.CascadeFailoverEnabled, (o, v) => o with { CascadeFailoverEnabled = v }, Runtime,
            "Whether a failing backup fails over to the next backup."),
        new IntegerOptionDescriptor(
            FailoverOptionNames.MaxFailoverAttempts, nameof(FailoverOptions.MaxFailoverAttempts),
            o => o.MaxFailoverAttempts, (o, v) => o with { MaxFailoverAttempts = v }, 1, 10, Runtime, null,
            "How many candidates one failover (or one operation's retries) tries."),
        new IntegerOptionDescriptor(
            FailoverOptionNames.JournalCapacity, nameof(FailoverOptions.JournalCapacity),
            o => o.JournalCapacity, (o, v) => o with { JournalCapacity = v }, 1, 100_000_000, Runtime, null,
            "Most keys the failback journal remembers; past that it overflows and the primary is marked dirty."),
        new IntegerOptionDescriptor(
            FailoverOptionNames.InvalidationBatchSize, nameof(FailoverOptions.InvalidationBatchSize),
            o => o.InvalidationBatchSize, (o, v) => o with { InvalidationBatchSize = v }, 1, 100_000, Runtime, null,
            "Keys per invalidation batch during failback."),
        new IntegerOptionDescriptor(
            FailoverOptionNames.HealthWindowSize, nameof(FailoverOptions.HealthWindowSize),
            o => o.HealthWindowSize, (o, v) => o with { HealthWindowSize = v }, 16, 65536, StartupOnly, null,
            "Operation outcomes kept per service for its success rate and latency."),
        new IntegerOptionDescriptor(
            FailoverOptionNames.DegradationMinimumSamples, nameof(FailoverOptions.DegradationMinimumSamples),
            o => o.DegradationMinimumSamples, (o, v) => o with { DegradationMinimumSamples = v }, 5, 10000, StartupOnly, null,
            "Samples needed before a baseline is learned or degradation is judged; at most health_window_size."),
        new NumberOptionDescriptor(
            FailoverOptionNames.DegradationMinimumDeltaMs, nameof(FailoverOptions.DegradationMinimumDeltaMs),
            o => o.DegradationMinimumDeltaMs, (o, v) => o with { DegradationMinimumDeltaMs = v }, 0, 10000, Runtime, Milliseconds,
            "Slowdowns smaller than this never count as degradation, so noise and client-side queueing on a fast baseline are not mistaken for a slow server."),
        new NumberOptionDescriptor(
            FailoverOptionNames.DegradationSustainMs, nameof(FailoverOptions.DegradationSustainMs),
            o => o.DegradationSustainMs, (o, v) => o with { DegradationSustainMs = v }, 0, 600_000, Runtime, Milliseconds,
            "How long degradation must last without a break before it fails over, so a GC pause or a load burst does not."),
        new NumberOptionDescriptor(
            FailoverOptionNames.RetryBaseDelayMs, nameof(FailoverOptions.RetryBaseDelayMs),
            o => o.RetryBaseDelayMs, (o, v) => o with { RetryBaseDelayMs = v }, 0, 10000, Runtime, Milliseconds,
            "First retry backoff (it doubles per attempt, with jitter)."),
        new IntegerOptionDescriptor(
            FailoverOptionNames.EventHistoryCapacity, nameof(FailoverOptions.EventHistoryCapacity),
            o => o.EventHistoryCapacity, (o, v) => o with { EventHistoryCapacity = v }, 10, 100_000, Runtime, null,
            "Failover and recovery events kept in the history."),
        new NumberOptionDescriptor(
            FailoverOptionNames.MaxHoldDownSeconds, nameof(FailoverOptions.MaxHoldDownSeconds),
            o => o.MaxHoldDownSeconds, (o, v) => o with { MaxHoldDownSeconds = v }, 0, 86400, Runtime, Seconds,
            "The longest anti-flapping hold-down (it doubles per repeated failure up to this)."),
    ];

    private static readonly FrozenDictionary<string, FailoverOptionDescriptor> ByName =
        Descriptors.ToFrozenDictionary(d => d.Name, StringComparer.Ordinal);

    /// <summary>Every option, in documentation order.</summary>
    public static IReadOnlyList<FailoverOptionDescriptor> All => Descriptors;

    /// <summary>The option with this exact wire name, or null.</summary>
    public static FailoverOptionDescriptor? Find(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return ByName.GetValueOrDefault(name);
    }

    /// <summary>The option with this exact wire name.</summary>
    /// <exception cref="ArgumentException">No option has that name.</exception>
    public static FailoverOptionDescriptor Get(string name) =>
        Find(name) ?? throw new ArgumentException($"'{name}' is not a failover option.", nameof(name));

    /// <summary>The message that refuses a runtime change of a start-up-only option.</summary>
    public static string StartupOnlyMessage(FailoverOptionDescriptor descriptor)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        return $"{descriptor.Name} can only be set at start-up.";
    }
}
