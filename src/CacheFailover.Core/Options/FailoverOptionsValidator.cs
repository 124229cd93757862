using System.Globalization;

namespace CacheFailover.Options;

/// <summary>
/// Checks a whole <see cref="FailoverOptions"/> and lists every problem, each naming the option by
/// its wire name, the value given and what is allowed.
/// </summary>
public static class FailoverOptionsValidator
{
    /// <summary>Every problem with the options; empty when they are valid.</summary>
    public static IReadOnlyList<string> Validate(FailoverOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = new List<string>();

        Range(problems, FailoverOptionNames.HealthCheckIntervalSeconds, options.HealthCheckIntervalSeconds, 0.1, 3600);
        Range(problems, FailoverOptionNames.HealthCheckTimeoutSeconds, options.HealthCheckTimeoutSeconds, 0.1, 300);
        Range(problems, FailoverOptionNames.FailureThreshold, options.FailureThreshold, 1, 100);
        Range(problems, FailoverOptionNames.RecoveryThreshold, options.RecoveryThreshold, 1, 100);
        Range(problems, FailoverOptionNames.TimeoutThresholdMs, options.TimeoutThresholdMs, 10, 60000);
        Range(problems, FailoverOptionNames.PerformanceDegradationThreshold, options.PerformanceDegradationThreshold, 0.05, 10);
        Range(problems, FailoverOptionNames.AutoRecoveryDelaySeconds, options.AutoRecoveryDelaySeconds, 0, 86400);
        Range(problems, FailoverOptionNames.MaxFailoverAttempts, options.MaxFailoverAttempts, 1, 10);
        Range(problems, "journal_capacity", options.JournalCapacity, 1, 100_000_000);
        Range(problems, "invalidation_batch_size", options.InvalidationBatchSize, 1, 100_000);
        Range(problems, "health_window_size", options.HealthWindowSize, 16, 65536);
        Range(problems, "degradation_minimum_samples", options.DegradationMinimumSamples, 5, 10000);
        Range(problems, "degradation_minimum_delta_ms", options.DegradationMinimumDeltaMs, 0, 10000);
        Range(problems, "degradation_sustain_ms", options.DegradationSustainMs, 0, 600_000);
        Range(problems, "retry_base_delay_ms", options.RetryBaseDelayMs, 0, 10000);
        Range(problems, "event_history_capacity", options.EventHistoryCapacity, 10, 100_000);
        Range(problems, "max_hold_down_seconds", options.MaxHoldDownSeconds, 0, 86400);

        if (IsFinite(options.HealthCheckTimeoutSeconds) && IsFinite(options.HealthCheckIntervalSeconds)
            && options.HealthCheckTimeoutSeconds > options.HealthCheckIntervalSeconds)
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture,
                $"{FailoverOptionNames.HealthCheckTimeoutSeconds} ({options.HealthCheckTimeoutSeconds}) must not exceed {FailoverOptionNames.HealthCheckIntervalSeconds} ({options.HealthCheckIntervalSeconds}): a probe has to finish before the next one starts."));
        }

        if (options.DegradationMinimumSamples > options.HealthWindowSize)
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture,
                $"degradation_minimum_samples ({options.DegradationMinimumSamples}) must not exceed health_window_size ({options.HealthWindowSize})."));
        }

        return problems;
    }

    /// <summary>Throws <see cref="InvalidFailoverOptionsException"/> listing every problem when the options are invalid.</summary>
    public static void ThrowIfInvalid(FailoverOptions options)
    {
        var problems = Validate(options);
        if (problems.Count > 0)
        {
            throw new InvalidFailoverOptionsException(problems);
        }
    }

    private static bool IsFinite(double value) => double.IsFinite(value);

    private static void Range(List<string> problems, string name, double value, double min, double max)
    {
        if (!double.IsFinite(value) || value < min || value > max)
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"{name} must be between {min} and {max} (got {value})."));
        }
    }

    private static void Range(List<string> problems, string name, int value, int min, int max)
    {
        if (value < min || value > max)
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"{name} must be an integer between {min} and {max} (got {value})."));
        }
    }
}

/// <summary>Options were rejected; <see cref="Problems"/> lists every reason.</summary>
public sealed class InvalidFailoverOptionsException : ArgumentException
{
    public InvalidFailoverOptionsException()
        : this(Array.Empty<string>())
    {
    }

    public InvalidFailoverOptionsException(string message)
        : base(message)
    {
        Problems = [message];
    }

    public InvalidFailoverOptionsException(string message, Exception innerException)
        : base(message, innerException)
    {
        Problems = [message];
    }

    public InvalidFailoverOptionsException(IReadOnlyList<string> problems)
        : base("Invalid failover options: " + string.Join(" ", problems))
    {
        Problems = problems;
    }

    /// <summary>Every problem, one sentence each.</summary>
    public IReadOnlyList<string> Problems { get; }
}
