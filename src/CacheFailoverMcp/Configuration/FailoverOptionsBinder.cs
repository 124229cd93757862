using System.Globalization;
using CacheFailover.Options;

namespace CacheFailoverMcp.Configuration;

/// <summary>
/// Reads failover options by their wire names from configuration text, without reflection (the
/// door stays open for Native AOT) and with one message per bad value.
/// </summary>
public static class FailoverOptionsBinder
{
    /// <summary>The value kinds an option can have.</summary>
    public enum OptionKind
    {
        /// <summary>true or false.</summary>
        Switch,

        /// <summary>A whole number.</summary>
        WholeNumber,

        /// <summary>Any finite number.</summary>
        RealNumber,
    }

    /// <summary>How the kind is written in help texts.</summary>
    public static string Placeholder(OptionKind kind) => kind switch
    {
        OptionKind.Switch => "true|false",
        OptionKind.WholeNumber => "integer",
        _ => "number",
    };

    /// <summary>One option: wire name, kind, whether it can change at runtime, and how to set it.</summary>
    public sealed record OptionDefinition(string Name, OptionKind Kind, bool RuntimeTunable, Func<FailoverOptions, object> Get, Func<FailoverOptions, object, FailoverOptions> Set);

    /// <summary>Every option, runtime-tunable ones first, in documentation order.</summary>
    public static IReadOnlyList<OptionDefinition> Definitions { get; } =
    [
        new(FailoverOptionNames.EnableFailover, OptionKind.Switch, true, o => o.EnableFailover, (o, v) => o with { EnableFailover = (bool)v }),
        new(FailoverOptionNames.HealthCheckIntervalSeconds, OptionKind.RealNumber, true, o => o.HealthCheckIntervalSeconds, (o, v) => o with { HealthCheckIntervalSeconds = (double)v }),
        new(FailoverOptionNames.HealthCheckTimeoutSeconds, OptionKind.RealNumber, true, o => o.HealthCheckTimeoutSeconds, (o, v) => o with { HealthCheckTimeoutSeconds = (double)v }),
        new(FailoverOptionNames.FailureThreshold, OptionKind.WholeNumber, true, o => o.FailureThreshold, (o, v) => o with { FailureThreshold = (int)v }),
        new(FailoverOptionNames.RecoveryThreshold, OptionKind.WholeNumber, true, o => o.RecoveryThreshold, (o, v) => o with { RecoveryThreshold = (int)v }),
        new(FailoverOptionNames.TimeoutThresholdMs, OptionKind.WholeNumber, true, o => o.TimeoutThresholdMs, (o, v) => o with { TimeoutThresholdMs = (int)v }),
        new(FailoverOptionNames.PerformanceDegradationThreshold, OptionKind.RealNumber, true, o => o.PerformanceDegradationThreshold, (o, v) => o with { PerformanceDegradationThreshold = (double)v }),
        new(FailoverOptionNames.AutoRecoveryEnabled, OptionKind.Switch, true, o => o.AutoRecoveryEnabled, (o, v) => o with { AutoRecoveryEnabled = (bool)v }),
        new(FailoverOptionNames.AutoRecoveryDelaySeconds, OptionKind.RealNumber, true, o => o.AutoRecoveryDelaySeconds, (o, v) => o with { AutoRecoveryDelaySeconds = (double)v }),
        new(FailoverOptionNames.CascadeFailoverEnabled, OptionKind.Switch, true, o => o.CascadeFailoverEnabled, (o, v) => o with { CascadeFailoverEnabled = (bool)v }),
        new(FailoverOptionNames.MaxFailoverAttempts, OptionKind.WholeNumber, true, o => o.MaxFailoverAttempts, (o, v) => o with { MaxFailoverAttempts = (int)v }),
        new("journal_capacity", OptionKind.WholeNumber, false, o => o.JournalCapacity, (o, v) => o with { JournalCapacity = (int)v }),
        new("invalidation_batch_size", OptionKind.WholeNumber, false, o => o.InvalidationBatchSize, (o, v) => o with { InvalidationBatchSize = (int)v }),
        new("health_window_size", OptionKind.WholeNumber, false, o => o.HealthWindowSize, (o, v) => o with { HealthWindowSize = (int)v }),
        new("degradation_minimum_samples", OptionKind.WholeNumber, false, o => o.DegradationMinimumSamples, (o, v) => o with { DegradationMinimumSamples = (int)v }),
        new("degradation_minimum_delta_ms", OptionKind.RealNumber, false, o => o.DegradationMinimumDeltaMs, (o, v) => o with { DegradationMinimumDeltaMs = (double)v }),
        new("degradation_sustain_ms", OptionKind.RealNumber, false, o => o.DegradationSustainMs, (o, v) => o with { DegradationSustainMs = (double)v }),
        new("retry_base_delay_ms", OptionKind.RealNumber, false, o => o.RetryBaseDelayMs, (o, v) => o with { RetryBaseDelayMs = (double)v }),
        new("event_history_capacity", OptionKind.WholeNumber, false, o => o.EventHistoryCapacity, (o, v) => o with { EventHistoryCapacity = (int)v }),
        new("max_hold_down_seconds", OptionKind.RealNumber, false, o => o.MaxHoldDownSeconds, (o, v) => o with { MaxHoldDownSeconds = (double)v }),
    ];

    /// <summary>Finds an option by wire name; hyphens are accepted for underscores and case is ignored.</summary>
    public static OptionDefinition? Find(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var normalized = name.Replace('-', '_');
        return Definitions.FirstOrDefault(d => string.Equals(d.Name, normalized, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>Parses one option's text; returns null and a problem naming <paramref name="source"/> when it is not of the right kind.</summary>
    public static object? Parse(OptionDefinition definition, string text, string source, out string? problem)
    {
        ArgumentNullException.ThrowIfNull(definition);
        ArgumentNullException.ThrowIfNull(text);
        problem = null;
        var trimmed = text.Trim();
        switch (definition.Kind)
        {
            case OptionKind.Switch when bool.TryParse(trimmed, out var flag):
                return flag;
            case OptionKind.WholeNumber when int.TryParse(trimmed, NumberStyles.Integer, CultureInfo.InvariantCulture, out var integer):
                return integer;
            case OptionKind.RealNumber when double.TryParse(trimmed, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) && double.IsFinite(number):
                return number;
            default:
                var expected = definition.Kind switch
                {
                    OptionKind.Switch => "true or false",
                    OptionKind.WholeNumber => "a whole number",
                    _ => "a number (use '.' for decimals)",
                };
                problem = $"{source} must be {expected} (got '{trimmed}').";
                return null;
        }
    }
}
