using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Globalization;
using CacheFailover.Engine;
using CacheFailover.Mcp;
using CacheFailover.Mcp.Filters;
using CacheFailover.Mcp.Tools.Results;
using ModelContextProtocol.Server;

namespace CacheFailover.Mcp.Tools;

/// <summary>Read-only tools that report what the failover engine is doing.</summary>
/// <remarks>
/// Parameter names are snake_case because the SDK uses C# parameter names as the wire names of
/// tool arguments (docs/architecture.md, "MCP wire conventions").
/// </remarks>
#pragma warning disable CA1707 // Identifiers should not contain underscores: they are wire names.
#pragma warning disable IDE1006 // Naming styles: same reason.
[McpServerToolType]
public sealed class StatusTools(FailoverEngine engine, FailoverReports reports)
{
    private const int MaxEventLimit = 1000;

    [McpServerTool(Name = "get_cache_failover_status", Title = "Cache failover status",
        ReadOnly = true, Destructive = false, Idempotent = true, OpenWorld = false, UseStructuredContent = true)]
    [Description("Shows which cache service is serving and why: the failover status (active, failing_over, failed_over, recovering, recovered), the epoch, "
        + "every service with its role, redacted endpoint, health, counters and latencies, the failback journal, the last 5 failover/recovery events, "
        + "and the failover group (the record every process over these caches follows, and its members with their heartbeats). "
        + "Call this first before steering failover, and again after any change to confirm it.")]
    public Task<FailoverStatusResult> GetCacheFailoverStatus(CancellationToken cancellationToken) => reports.StatusAsync(cancellationToken);

    [McpServerTool(Name = "get_failover_performance_metrics", Title = "Failover performance metrics",
        ReadOnly = true, Destructive = false, Idempotent = true, OpenWorld = false, UseStructuredContent = true)]
    [Description("Operation counts (total, succeeded, failed, retried) and latency p50/p95/p99/max per cache service, failover and recovery counts by trigger "
        + "with detection and switch durations, health-check counts, failback-journal invalidations and time spent in each status, over a recent window. "
        + "Use it to judge whether a service is slow or failing, or how fast the last failover was.")]
    public PerformanceMetricsResult GetFailoverPerformanceMetrics(
        [Description("Window to report, in seconds, counted back from now (whole 10-second slices). Default 300; 1 to 3600."), Range(1, 3600)] int? window_seconds = null)
    {
        var max = (int)FailoverEngine.MaxMetricsWindow.TotalSeconds;
        if (window_seconds is { } w && (w < 1 || w > max))
        {
            throw new ToolArgumentException(string.Create(CultureInfo.InvariantCulture, $"window_seconds must be between 1 and {max} (got {w}); omit it for the last 300 seconds."));
        }

        TimeSpan? window = window_seconds is { } seconds ? TimeSpan.FromSeconds(seconds) : null;
        return ResultMapper.ToMetrics(engine.GetPerformanceMetrics(window), engine.GetJournal().PendingKeys);
    }

    [McpServerTool(Name = "get_failover_events", Title = "Failover events",
        ReadOnly = true, Destructive = false, Idempotent = true, OpenWorld = false, UseStructuredContent = true)]
    [Description("Lists recorded failovers and recoveries, newest first, successful or not, with trigger, services, epoch, reason, detection and switch durations. "
        + "Optionally includes the audit trail of mutating tool calls (who changed what, outcome, epoch before/after).")]
    public FailoverEventsResult GetFailoverEvents(
        [Description("How many events to return, newest first. Default 20; 1 to 1000."), Range(1, MaxEventLimit)] int limit = 20,
        [Description("Only events with this trigger: health_check_failure, connection_failure, timeout_exceeded, performance_degradation, manual or cascade_failure."), TriggerNames] string? trigger = null,
        [Description("Only events at or after this time, ISO 8601 (e.g. 2026-11-29T18:00:00Z)."), DataType(DataType.DateTime)] string? since = null,
        [Description("Also return the audit trail of mutating tool calls (same limit and since). Default false.")] bool include_audit = false)
    {
        var problems = new List<string>();
        if (limit is < 1 or > MaxEventLimit)
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"limit must be between 1 and {MaxEventLimit} (got {limit})"));
        }

        FailoverTrigger? triggerFilter = null;
        if (trigger is not null)
        {
            if (WireNames.TryParseTrigger(trigger.Trim().ToLowerInvariant(), out var parsed))
            {
                triggerFilter = parsed;
            }
            else
            {
                problems.Add($"trigger '{trigger}' is not a trigger; allowed: {string.Join(", ", Enum.GetValues<FailoverTrigger>().Select(t => t.ToWireName()))}");
            }
        }

        DateTimeOffset? sinceFilter = null;
        if (since is not null)
        {
            if (DateTimeOffset.TryParse(since, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var parsedSince))
            {
                sinceFilter = parsedSince;
            }
            else
            {
                problems.Add($"since '{since}' is not a date and time; use ISO 8601 such as 2026-11-29T18:00:00Z");
            }
        }

        if (problems.Count > 0)
        {
            throw new ToolArgumentException(string.Join("; ", problems) + ".");
        }

        return reports.Events(limit, triggerFilter, sinceFilter, include_audit);
    }
}
