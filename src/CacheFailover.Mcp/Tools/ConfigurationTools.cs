using System.ComponentModel;
using System.Text.Json;
using CacheFailover.Engine;
using CacheFailover.Options;
using CacheFailover.Mcp.Tools.Results;
using ModelContextProtocol.Server;
using Names = CacheFailover.Options.FailoverOptionNames;

namespace CacheFailover.Mcp.Tools;

/// <summary>
/// Changes the engine's options at runtime. One parameter per option of
/// <see cref="FailoverOptionCatalog"/> (the SDK builds the input schema from parameters); each
/// parameter's description and range are taken from the catalog, and the tests check that the
/// parameters are exactly the catalog's options.
/// </summary>
#pragma warning disable CA1707 // Identifiers should not contain underscores: parameter names are the tool's wire names.
#pragma warning disable IDE1006
[McpServerToolType]
public sealed class ConfigurationTools(FailoverEngine engine)
{
    [McpServerTool(Name = "configure_cache_failover", Title = "Configure cache failover",
        ReadOnly = false, Destructive = false, Idempotent = true, OpenWorld = false, UseStructuredContent = true)]
    [Description("Changes failover options at runtime, all or nothing: give only the options to change; the whole set is validated and either applied entirely "
        + "or rejected with every problem listed, changing nothing. Options marked start-up only are refused. Returns what changed (old and new values) "
        + "and every option now in force. Call with no arguments to read the configuration.")]
    public ConfigureResult ConfigureCacheFailover(
        [FailoverOptionDescription(Names.EnableFailover)] bool? enable_failover = null,
        [FailoverOptionDescription(Names.HealthCheckIntervalSeconds), FailoverOptionRange(Names.HealthCheckIntervalSeconds)] double? health_check_interval_seconds = null,
        [FailoverOptionDescription(Names.HealthCheckTimeoutSeconds), FailoverOptionRange(Names.HealthCheckTimeoutSeconds)] double? health_check_timeout_seconds = null,
        [FailoverOptionDescription(Names.FailureThreshold), FailoverOptionRange(Names.FailureThreshold)] int? failure_threshold = null,
        [FailoverOptionDescription(Names.RecoveryThreshold), FailoverOptionRange(Names.RecoveryThreshold)] int? recovery_threshold = null,
        [FailoverOptionDescription(Names.TimeoutThresholdMs), FailoverOptionRange(Names.TimeoutThresholdMs)] int? timeout_threshold_ms = null,
        [FailoverOptionDescription(Names.PerformanceDegradationThreshold), FailoverOptionRange(Names.PerformanceDegradationThreshold)] double? performance_degradation_threshold = null,
        [FailoverOptionDescription(Names.AutoRecoveryEnabled)] bool? auto_recovery_enabled = null,
        [FailoverOptionDescription(Names.AutoRecoveryDelaySeconds), FailoverOptionRange(Names.AutoRecoveryDelaySeconds)] double? auto_recovery_delay_seconds = null,
        [FailoverOptionDescription(Names.CascadeFailoverEnabled)] bool? cascade_failover_enabled = null,
        [FailoverOptionDescription(Names.MaxFailoverAttempts), FailoverOptionRange(Names.MaxFailoverAttempts)] int? max_failover_attempts = null,
        [FailoverOptionDescription(Names.JournalCapacity), FailoverOptionRange(Names.JournalCapacity)] int? journal_capacity = null,
        [FailoverOptionDescription(Names.InvalidationBatchSize), FailoverOptionRange(Names.InvalidationBatchSize)] int? invalidation_batch_size = null,
        [FailoverOptionDescription(Names.HealthWindowSize)] int? health_window_size = null,
        [FailoverOptionDescription(Names.DegradationMinimumSamples)] int? degradation_minimum_samples = null,
        [FailoverOptionDescription(Names.DegradationMinimumDeltaMs), FailoverOptionRange(Names.DegradationMinimumDeltaMs)] double? degradation_minimum_delta_ms = null,
        [FailoverOptionDescription(Names.DegradationSustainMs), FailoverOptionRange(Names.DegradationSustainMs)] double? degradation_sustain_ms = null,
        [FailoverOptionDescription(Names.RetryBaseDelayMs), FailoverOptionRange(Names.RetryBaseDelayMs)] double? retry_base_delay_ms = null,
        [FailoverOptionDescription(Names.EventHistoryCapacity), FailoverOptionRange(Names.EventHistoryCapacity)] int? event_history_capacity = null,
        [FailoverOptionDescription(Names.MaxHoldDownSeconds), FailoverOptionRange(Names.MaxHoldDownSeconds)] double? max_hold_down_seconds = null)
    {
        (string Name, object? Value)[] arguments =
        [
            (Names.EnableFailover, enable_failover),
            (Names.HealthCheckIntervalSeconds, health_check_interval_seconds),
            (Names.HealthCheckTimeoutSeconds, health_check_timeout_seconds),
            (Names.FailureThreshold, failure_threshold),
            (Names.RecoveryThreshold, recovery_threshold),
            (Names.TimeoutThresholdMs, timeout_threshold_ms),
            (Names.PerformanceDegradationThreshold, performance_degradation_threshold),
            (Names.AutoRecoveryEnabled, auto_recovery_enabled),
            (Names.AutoRecoveryDelaySeconds, auto_recovery_delay_seconds),
            (Names.CascadeFailoverEnabled, cascade_failover_enabled),
            (Names.MaxFailoverAttempts, max_failover_attempts),
            (Names.JournalCapacity, journal_capacity),
            (Names.InvalidationBatchSize, invalidation_batch_size),
            (Names.HealthWindowSize, health_window_size),
            (Names.DegradationMinimumSamples, degradation_minimum_samples),
            (Names.DegradationMinimumDeltaMs, degradation_minimum_delta_ms),
            (Names.DegradationSustainMs, degradation_sustain_ms),
            (Names.RetryBaseDelayMs, retry_base_delay_ms),
            (Names.EventHistoryCapacity, event_history_capacity),
            (Names.MaxHoldDownSeconds, max_hold_down_seconds),
        ];
        var given = arguments
            .Where(a => a.Value is not null)
            .Select(a => (Descriptor: FailoverOptionCatalog.Get(a.Name), Value: a.Value!))
            .ToList();

        RefuseStartupOnly(given);
        var result = engine.UpdateOptions(o => given.Aggregate(o, (options, g) => g.Descriptor.Write(options, g.Value)));

        var changed = result.Changes.ToDictionary(
            c => c.Name,
            c => new OptionChangeResult(ToJson(c.OldValue), ToJson(c.NewValue)),
            StringComparer.Ordinal);
        return new ConfigureResult(result.Applied, changed, ToConfiguration(result.Options));
    }

    /// <summary>Every option in force, by wire name, in catalog order.</summary>
    internal static IReadOnlyDictionary<string, JsonElement> ToConfiguration(FailoverOptions options)
    {
        var configuration = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var descriptor in FailoverOptionCatalog.All)
        {
            configuration[descriptor.Name] = ToJson(descriptor.Read(options));
        }

        return configuration;
    }

    /// <summary>
    /// A start-up-only option given here is refused even when it equals the value in force: the
    /// caller asked to set something this tool cannot set. Every other problem of the same call is
    /// listed with it, so that one answer names all of them.
    /// </summary>
    private void RefuseStartupOnly(List<(FailoverOptionDescriptor Descriptor, object Value)> given)
    {
        var startupOnly = given.Where(g => !g.Descriptor.RuntimeChangeable).Select(g => g.Descriptor).ToList();
        if (startupOnly.Count == 0)
        {
            return;
        }

        var current = engine.Options;
        var next = given.Where(g => g.Descriptor.RuntimeChangeable).Aggregate(current, (options, g) => g.Descriptor.Write(options, g.Value));
        throw new InvalidFailoverOptionsException(
        [
            .. FailoverOptionsValidator.ValidateChange(current, next),
            .. startupOnly.Select(FailoverOptionCatalog.StartupOnlyMessage),
        ]);
    }

    private static JsonElement ToJson(object value) => value switch
    {
        bool b => JsonSerializer.SerializeToElement(b, ToolJsonContext.Default.Boolean),
        int i => JsonSerializer.SerializeToElement(i, ToolJsonContext.Default.Int32),
        double d => JsonSerializer.SerializeToElement(d, ToolJsonContext.Default.Double),
        _ => JsonSerializer.SerializeToElement(value.ToString(), ToolJsonContext.Default.String),
    };
}
