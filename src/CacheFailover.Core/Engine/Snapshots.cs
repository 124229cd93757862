using CacheFailover.Options;

namespace CacheFailover.Engine;

/// <summary>The outcome of an operation through the engine: its value, who served it, how many attempts it took, under which epoch.</summary>
public readonly record struct CacheResult<T>(T Value, string ServedBy, int Attempts, long Epoch);

/// <summary>One service as the status tool shows it.</summary>
public sealed record ServiceSnapshot(
    string ServiceId,
    ServiceRole Role,
    int Priority,
    string Endpoint,
    ServiceHealth Health,
    bool IsActive,
    int ConsecutiveFailures,
    int ConsecutiveSuccesses,
    double? SuccessRate,
    double AvgResponseMs,
    double P95ResponseMs,
    double? BaselineResponseMs,
    DateTimeOffset? LastCheckAt,
    string? LastError,
    int ConsecutiveProbeFailures = 0,
    double? ProbeSuccessRate = null,
    double? ProbeLatencyMs = null,
    double? ProbeBaselineMs = null,
    DateTimeOffset? LastErrorAt = null);

/// <summary>The failback journal's state.</summary>
public sealed record JournalSnapshot(int PendingKeys, int Capacity, bool Overflowed, bool PrimaryDirty, string? DirtyReason, long RecordedTotal);

/// <summary>The whole engine at one moment.</summary>
public sealed record FailoverStatusSnapshot(
    FailoverStatus Status,
    long Epoch,
    string ActiveServiceId,
    string PrimaryServiceId,
    DateTimeOffset StatusSince,
    FailoverOptions Options,
    IReadOnlyList<ServiceSnapshot> Services,
    JournalSnapshot Journal,
    IReadOnlyList<FailoverEvent> RecentEvents,
    DateTimeOffset? PrimaryHeldDownUntil,
    bool AutoRecoverySuspended,
    string? HoldDownReason = null,
    IReadOnlyDictionary<string, int>? PendingBackupCleanup = null);

/// <summary>One probe made to verify the primary before a recovery.</summary>
public sealed record ProbeResult(int Attempt, bool Success, double LatencyMs, string? Error);

/// <summary>The outcome of a recovery request.</summary>
/// <param name="Success">Whether the primary serves again.</param>
/// <param name="Verification">The probes made before deciding.</param>
/// <param name="ReconciledKeys">Journaled keys invalidated on the primary first.</param>
/// <param name="Flushed">Whether the primary was flushed because it was dirty.</param>
/// <param name="Event">The recovery event, when a switch was attempted.</param>
/// <param name="RefusalReason">Why nothing was attempted, when refused.</param>
public sealed record RecoveryResult(bool Success, IReadOnlyList<ProbeResult> Verification, long ReconciledKeys, bool Flushed, FailoverEvent? Event, string? RefusalReason);

/// <summary>One option that changed.</summary>
public sealed record OptionChange(string Name, object OldValue, object NewValue);

/// <summary>The outcome of a runtime options update.</summary>
public sealed record OptionsUpdateResult(bool Applied, IReadOnlyList<OptionChange> Changes, FailoverOptions Options);

/// <summary>Operation figures for one service over a window.</summary>
public sealed record ServicePerformance(
    string ServiceId,
    long Total,
    long Succeeded,
    long Failed,
    long Retried,
    double P50Ms,
    double P95Ms,
    double P99Ms,
    double MaxMs,
    double MeanMs,
    long HealthChecksSucceeded,
    long HealthChecksFailed);

/// <summary>Failover or recovery figures over a window.</summary>
public sealed record SwitchPerformance(
    int Count,
    int Succeeded,
    int Failed,
    IReadOnlyDictionary<string, int> ByTrigger,
    double? LastDetectionMs,
    double? AvgDetectionMs,
    double? MaxDetectionMs,
    double? LastSwitchMs,
    double? AvgSwitchMs,
    double? MaxSwitchMs);

/// <summary>Everything the performance-metrics tool reports.</summary>
public sealed record PerformanceSnapshot(
    double WindowSeconds,
    IReadOnlyList<ServicePerformance> Services,
    SwitchPerformance Failovers,
    SwitchPerformance Recoveries,
    long JournalInvalidatedKeys,
    double? LastInvalidationMs,
    IReadOnlyDictionary<string, double> SecondsInStatus);
