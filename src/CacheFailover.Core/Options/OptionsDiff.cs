using CacheFailover.Engine;

namespace CacheFailover.Options;

/// <summary>Lists the options that differ between two sets, by wire name.</summary>
internal static class OptionsDiff
{
    private static readonly (string Name, Func<FailoverOptions, object> Get)[] Fields =
    [
        (FailoverOptionNames.EnableFailover, o => o.EnableFailover),
        (FailoverOptionNames.HealthCheckIntervalSeconds, o => o.HealthCheckIntervalSeconds),
        (FailoverOptionNames.HealthCheckTimeoutSeconds, o => o.HealthCheckTimeoutSeconds),
        (FailoverOptionNames.FailureThreshold, o => o.FailureThreshold),
        (FailoverOptionNames.RecoveryThreshold, o => o.RecoveryThreshold),
        (FailoverOptionNames.TimeoutThresholdMs, o => o.TimeoutThresholdMs),
        (FailoverOptionNames.PerformanceDegradationThreshold, o => o.PerformanceDegradationThreshold),
        (FailoverOptionNames.AutoRecoveryEnabled, o => o.AutoRecoveryEnabled),
        (FailoverOptionNames.AutoRecoveryDelaySeconds, o => o.AutoRecoveryDelaySeconds),
        (FailoverOptionNames.CascadeFailoverEnabled, o => o.CascadeFailoverEnabled),
        (FailoverOptionNames.MaxFailoverAttempts, o => o.MaxFailoverAttempts),
        ("journal_capacity", o => o.JournalCapacity),
        ("invalidation_batch_size", o => o.InvalidationBatchSize),
        ("degradation_minimum_delta_ms", o => o.DegradationMinimumDeltaMs),
        ("degradation_sustain_ms", o => o.DegradationSustainMs),
        ("retry_base_delay_ms", o => o.RetryBaseDelayMs),
        ("event_history_capacity", o => o.EventHistoryCapacity),
        ("max_hold_down_seconds", o => o.MaxHoldDownSeconds),
    ];

    public static IReadOnlyList<OptionChange> Compare(FailoverOptions old, FailoverOptions next)
    {
        var changes = new List<OptionChange>();
        foreach (var (name, get) in Fields)
        {
            var before = get(old);
            var after = get(next);
            if (!before.Equals(after))
            {
                changes.Add(new OptionChange(name, before, after));
            }
        }

        return changes;
    }
}
