using System.ComponentModel;
using System.Text.Json;
using CacheFailover.Engine;
using CacheFailoverMcp.Tools.Results;
using ModelContextProtocol.Server;

namespace CacheFailoverMcp.Tools;

/// <summary>Changes the engine's runtime options.</summary>
#pragma warning disable CA1707 // Identifiers should not contain underscores: parameter names are the tool's wire names.
#pragma warning disable IDE1006
[McpServerToolType]
public sealed class ConfigurationTools(FailoverEngine engine)
{
    [McpServerTool(Name = "configure_cache_failover", Title = "Configure cache failover",
        ReadOnly = false, Destructive = false, Idempotent = true, OpenWorld = false, UseStructuredContent = true)]
    [Description("Changes failover options at runtime, all or nothing: give only the options to change; the whole set is validated and either applied entirely "
        + "or rejected with every problem listed, changing nothing. Returns what changed (old and new values) and the configuration now in force. "
        + "Call with no arguments to read the configuration.")]
    public ConfigureResult ConfigureCacheFailover(
        [Description("Whether failures lead to failover at all (when false they are only reported).")] bool? enable_failover = null,
        [Description("Seconds between health probes of every service. 0.1 to 3600; default 30.")] double? health_check_interval_seconds = null,
        [Description("Seconds a probe may take before it counts as failed. 0.1 to 300 and at most health_check_interval_seconds; default 10.")] double? health_check_timeout_seconds = null,
        [Description("Consecutive failures that make a service unhealthy. 1 to 100; default 3.")] int? failure_threshold = null,
        [Description("Consecutive successful probes a failed primary needs before it may serve again. 1 to 100; default 5.")] int? recovery_threshold = null,
        [Description("Deadline for every cache operation, in milliseconds. 10 to 60000; default 5000.")] int? timeout_threshold_ms = null,
        [Description("How much slower than its baseline a service may get before it counts as degraded (0.5 = 50% slower). 0.05 to 10; default 0.5.")] double? performance_degradation_threshold = null,
        [Description("Whether the primary is switched back automatically once healthy again.")] bool? auto_recovery_enabled = null,
        [Description("Minimum seconds between a failover and the automatic recovery. 0 to 86400; default 300.")] double? auto_recovery_delay_seconds = null,
        [Description("Whether a failing backup fails over to the next backup.")] bool? cascade_failover_enabled = null,
        [Description("How many candidates one failover (or one operation's retries) tries. 1 to 10; default 3.")] int? max_failover_attempts = null)
    {
        var result = engine.UpdateOptions(o => o with
        {
            EnableFailover = enable_failover ?? o.EnableFailover,
            HealthCheckIntervalSeconds = health_check_interval_seconds ?? o.HealthCheckIntervalSeconds,
            HealthCheckTimeoutSeconds = health_check_timeout_seconds ?? o.HealthCheckTimeoutSeconds,
            FailureThreshold = failure_threshold ?? o.FailureThreshold,
            RecoveryThreshold = recovery_threshold ?? o.RecoveryThreshold,
            TimeoutThresholdMs = timeout_threshold_ms ?? o.TimeoutThresholdMs,
            PerformanceDegradationThreshold = performance_degradation_threshold ?? o.PerformanceDegradationThreshold,
            AutoRecoveryEnabled = auto_recovery_enabled ?? o.AutoRecoveryEnabled,
            AutoRecoveryDelaySeconds = auto_recovery_delay_seconds ?? o.AutoRecoveryDelaySeconds,
            CascadeFailoverEnabled = cascade_failover_enabled ?? o.CascadeFailoverEnabled,
            MaxFailoverAttempts = max_failover_attempts ?? o.MaxFailoverAttempts,
        });

        var changed = result.Changes.ToDictionary(
            c => c.Name,
            c => new OptionChangeResult(ToJson(c.OldValue), ToJson(c.NewValue)),
            StringComparer.Ordinal);
        return new ConfigureResult(result.Applied, changed, ResultMapper.ToConfiguration(result.Options));
    }

    private static JsonElement ToJson(object value) => value switch
    {
        bool b => JsonSerializer.SerializeToElement(b, ToolJsonContext.Default.Boolean),
        int i => JsonSerializer.SerializeToElement(i, ToolJsonContext.Default.Int32),
        double d => JsonSerializer.SerializeToElement(d, ToolJsonContext.Default.Double),
        _ => JsonSerializer.SerializeToElement(value.ToString(), ToolJsonContext.Default.String),
    };
}
