using System.ComponentModel;
using System.Text.Json;

namespace CacheFailover.Mcp.Tools.Results;

/// <summary>Output of <c>configure_cache_failover</c>.</summary>
public sealed record ConfigureResult(bool Applied, IReadOnlyDictionary<string, OptionChangeResult> Changed, IReadOnlyDictionary<string, JsonElement> Configuration);

/// <summary>One option that changed: its value before and after.</summary>
public sealed record OptionChangeResult(JsonElement Old, JsonElement New);

/// <summary>Output of <c>trigger_manual_recovery</c>.</summary>
public sealed record RecoveryToolResult(
    bool Success,
    IReadOnlyList<ProbeResultItem> Verification,
    long ReconciledKeys,
    bool Flushed,
    long Epoch,
    FailoverEventResult? Event,
    [property: Description("The live group members (member id (host, pid)) that did not follow the recovery within 2 s; empty when all did.")] IReadOnlyList<string> MembersNotFollowing);

/// <summary>One verification probe of the primary.</summary>
public sealed record ProbeResultItem(int Attempt, bool Success, double LatencyMs, string? Error);

/// <summary>Output of <c>unregister_failover_service</c>.</summary>
public sealed record UnregisterResult(string ServiceId, bool Unregistered, IReadOnlyList<string> RemainingServiceIds);

/// <summary>Output of <c>test_cache_failover_scenario</c>.</summary>
public sealed record DrillResult(
    string Scenario,
    string Mode,
    bool Passed,
    IReadOnlyList<DrillTimelineItem> Timeline,
    [property: Description("Fault injected to failover decided; null when no failover was decided.")] double? DetectionMs,
    [property: Description("Fault injected to the first operation served by a backup; null when none was.")] double? FailoverMs,
    [property: Description("Fault removed to the primary serving again; null when it never stopped serving or never returned.")] double? RecoveryMs,
    int Operations,
    int ErrorsSeen,
    [property: Description("Reads that returned a value other than the last one written; must be 0.")] int StaleReads,
    [property: Description("What the current options promise for this scenario.")] string Expected,
    string Summary);

/// <summary>One moment of a drill, in milliseconds from its start.</summary>
public sealed record DrillTimelineItem(
    [property: Description("Milliseconds from the drill's start (virtual milliseconds in simulate mode).")] double TMs,
    string Event);

/// <summary>Body of <c>/healthz</c>: ok, degraded or down, why, and who serves (endpoint redacted).</summary>
public sealed record HealthzResult(
    [property: Description("ok (the primary serves and every service is healthy), degraded (failed over, a switch in progress, or a service not healthy) or down (nothing can serve).")] string Status,
    string EngineStatus,
    long Epoch,
    string ActiveServiceId,
    [property: Description("Where the serving service is, with passwords and tokens replaced by ***.")] string ServingEndpoint,
    [property: Description("Why the status is not ok; empty when it is.")] IReadOnlyList<string> Reasons,
    IReadOnlyList<HealthzServiceResult> Services);

/// <summary>One service in the <c>/healthz</c> body (no endpoint: only the serving one is shown).</summary>
public sealed record HealthzServiceResult(string ServiceId, string Role, string Health);
