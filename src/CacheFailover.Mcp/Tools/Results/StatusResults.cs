using System.ComponentModel;
using System.Text.Json;

namespace CacheFailover.Mcp.Tools.Results;

/// <summary>Output of <c>get_cache_failover_status</c>. Field names are snake_case on the wire.</summary>
public sealed record FailoverStatusResult(
    [property: Description("active (primary serving, no failover since start), failing_over, failed_over (a backup serves), recovering, or recovered (primary serving again after a failover).")] string Status,
    [property: Description("Grows by one at every switch of the serving service.")] long Epoch,
    string ActiveServiceId,
    string PrimaryServiceId,
    DateTimeOffset StatusSince,
    bool FailoverEnabled,
    bool AutoRecoveryEnabled,
    [property: Description("True after a manual failover: automatic recovery waits for trigger_manual_recovery.")] bool AutoRecoverySuspended,
    [property: Description("Earliest time an automatic recovery may happen (anti-flapping hold-down), or null.")] DateTimeOffset? PrimaryHeldDownUntil,
    [property: Description("Why the hold-down lasts what it does (the delay, any doubling for repeated failovers, the cap), or null.")] string? HoldDownReason,
    bool ReadOnly,
    IReadOnlyList<ServiceStatusResult> Services,
    JournalStatusResult Journal,
    [property: Description("Keys from the last failback still to be removed from each backup (retried until done; a failover to that backup removes them first). Empty when nothing is pending.")] IReadOnlyDictionary<string, int> PendingBackupCleanup,
    IReadOnlyList<FailoverEventResult> RecentEvents,
    [property: Description("The failover group this process is a member of: the record every member follows (kept in the caches) and the members' heartbeats.")] GroupStatusResult Group,
    [property: Description("The Redis-protocol front door (--resp), or null when it is off.")] RespFrontDoorResult? RespFrontDoor = null);

/// <summary>The failover group as the status shows it.</summary>
public sealed record GroupStatusResult(
    string Name,
    [property: Description("This process's member id.")] string MemberId,
    [property: Description("False for a control-only member (an assistant's stdio server) that carries no application traffic.")] bool CarriesTraffic,
    [property: Description("The group's record as this member last read it, or null when no member has recorded a decision yet.")] GroupRecordResult? Record,
    IReadOnlyList<GroupMemberResult> Members,
    [property: Description("Why this member may see the group differently from others (e.g. the record's serving service is unreachable from here); empty when nothing suggests a partition.")] IReadOnlyList<string> Divergence,
    DateTimeOffset? LastRefreshAt);

/// <summary>The group's one decision.</summary>
public sealed record GroupRecordResult(
    [property: Description("Grows by one with every change of the record; members show which version they follow.")] long Version,
    long Epoch,
    string Status,
    string ServingServiceId,
    string? TargetServiceId,
    string Reason,
    string Trigger,
    [property: Description("member id (host, pid) that decided.")] string DecidedBy,
    DateTimeOffset DecidedAt,
    [property: Description("Journal sets (service@epoch) to reconcile on the primary before it serves again.")] IReadOnlyList<string> Journal,
    string? DirtyReason,
    [property: Description("Journal sets (service@epoch) of failovers already failed back whose keys may still be on that backup: invalidated there before it serves again.")] IReadOnlyList<string> Leftovers);

/// <summary>One member of the group, from its last heartbeat.</summary>
public sealed record GroupMemberResult(
    string MemberId,
    string Host,
    int Pid,
    bool CarriesTraffic,
    [property: Description("Record version it follows.")] long AdoptedVersion,
    long AdoptedEpoch,
    string ServingServiceId,
    DateTimeOffset LastHeartbeat,
    [property: Description("False when its heartbeat is older than three probe intervals (at least 3 s): it may have ended, and is no longer waited for.")] bool Live,
    [property: Description("True when it follows an older record version than this member knows.")] bool Lagging,
    bool IsThisMember);


/// <summary>The Redis-protocol front door as the status shows it.</summary>
public sealed record RespFrontDoorResult(
    [property: Description("Where Redis clients connect (host:port).")] string Address,
    [property: Description("Whether clients must AUTH first.")] bool PasswordRequired,
    [property: Description("Client connections open now.")] int Connections,
    [property: Description("Connections accepted since start.")] long ConnectionsTotal,
    [property: Description("Commands received since start, answered or refused.")] long CommandsTotal,
    [property: Description("Commands per second since the previous status reading (or since start), over at least one second.")] double CommandsPerSecond);

/// <summary>One cache service as the status shows it; <c>endpoint</c> has secrets redacted.</summary>
public sealed record ServiceStatusResult(
    string ServiceId,
    string Role,
    int Priority,
    [property: Description("Where the service is, with passwords and tokens replaced by ***.")] string Endpoint,
    [property: Description("healthy, degraded, unhealthy or unknown.")] string Health,
    bool IsActive,
    [property: Description("Consecutive failures of operations and probes together; failure_threshold of them make the service unhealthy.")] int ConsecutiveFailures,
    int ConsecutiveSuccesses,
    [property: Description("Share of successful operations over the recent window; null when the service carried no operations (see probe_success_rate).")] double? SuccessRate,
    [property: Description("Mean response time of recent operations, or of probes while it carried none.")] double AvgResponseMs,
    double P95ResponseMs,
    [property: Description("Learned operation latency baseline, or null while still learning.")] double? BaselineResponseMs,
    int ConsecutiveProbeFailures,
    [property: Description("Share of successful probes since start; null before the first.")] double? ProbeSuccessRate,
    [property: Description("Median of the recent probes, measured on the probe path (not queued behind operations).")] double? ProbeLatencyMs,
    [property: Description("Learned probe latency baseline: what probe_latency_ms is compared with to judge slowness.")] double? ProbeBaselineMs,
    DateTimeOffset? LastCheckAt,
    string? LastError,
    [property: Description("When last_error happened, or null.")] DateTimeOffset? LastErrorAt,
    [property: Description("The fault a live drill is injecting into this service, or null.")] string? InjectedFault);

/// <summary>The failback journal: keys written while a backup served, to invalidate on the primary before it serves again.</summary>
public sealed record JournalStatusResult(
    [property: Description("Keys written or deleted while a backup served; they are invalidated on the primary before it serves again.")] int PendingKeys,
    int Capacity,
    bool Overflowed,
    [property: Description("True when the primary may hold stale values it cannot be reconciled from (journal overflowed); it serves again only after a recovery with flush_dirty_primary.")] bool PrimaryDirty,
    string? DirtyReason);

/// <summary>One failover or recovery, successful or not.</summary>
public sealed record FailoverEventResult(
    long EventId,
    string Kind,
    bool Success,
    string Trigger,
    string FromServiceId,
    string? ToServiceId,
    long Epoch,
    string Reason,
    DateTimeOffset StartedAt,
    [property: Description("From the first failure seen to the decision; null for manual events.")] double? DetectionMs,
    [property: Description("From the decision to the new service serving (or to giving up).")] double DurationMs,
    string? Error,
    long ReconciledKeys,
    bool Automatic,
    [property: Description("The group member that decided, as member id (host, pid), when it was another process; null for this process's own decisions.")] string? DecidedBy,
    [property: Description("Only in the answer of a manual failover: the live group members (member id (host, pid)) that did not follow the decision within 2 s; empty when all did. Null elsewhere.")] IReadOnlyList<string>? MembersNotFollowing = null);

/// <summary>Output of <c>get_failover_events</c>.</summary>
public sealed record FailoverEventsResult(int Count, IReadOnlyList<FailoverEventResult> Events, IReadOnlyList<AuditEntryResult>? Audit);

/// <summary>One call of a mutating tool, as the audit trail keeps it.</summary>
public sealed record AuditEntryResult(
    long AuditId,
    DateTimeOffset At,
    string Tool,
    IReadOnlyDictionary<string, JsonElement> Arguments,
    string Outcome,
    string? Message,
    long EpochBefore,
    long EpochAfter,
    [property: Description("The authenticated user who called, when the transport authenticates (HTTP with authentication); null otherwise.")] string? User = null,
    [property: Description("The MCP client that called, as it named itself in initialize (name and version); null when unknown.")] string? Client = null,
    [property: Description("The caller's network address over HTTP; null over stdio.")] string? RemoteAddress = null);
