using System.Globalization;
using CacheFailover.Engine;
using CacheFailover.Group;
using CacheFailover.Options;
using CacheFailover.Mcp.Tools.Results;

namespace CacheFailover.Mcp.Tools;

/// <summary>Engine snapshots → wire records (snake_case names, enums as their wire names).</summary>
internal static class ResultMapper
{
    /// <param name="snapshot">The engine's status.</param>
    /// <param name="group">The failover group as this member sees it.</param>
    /// <param name="readOnly">Whether the server runs read-only.</param>
    /// <param name="activeFault">The fault injected into a service, by id (the engine does not know about fault injection).</param>
    public static FailoverStatusResult ToStatus(FailoverStatusSnapshot snapshot, GroupSnapshot group, bool readOnly, Func<string, string?> activeFault) => new(
        snapshot.Status.ToWireName(),
        snapshot.Epoch,
        snapshot.ActiveServiceId,
        snapshot.PrimaryServiceId,
        snapshot.StatusSince,
        snapshot.Options.EnableFailover,
        snapshot.Options.AutoRecoveryEnabled,
        snapshot.AutoRecoverySuspended,
        snapshot.PrimaryHeldDownUntil,
        snapshot.HoldDownReason,
        readOnly,
        [.. snapshot.Services.Select(s => ToService(s, activeFault(s.ServiceId)))],
        new JournalStatusResult(snapshot.Journal.PendingKeys, snapshot.Journal.Capacity, snapshot.Journal.Overflowed, snapshot.Journal.PrimaryDirty, snapshot.Journal.DirtyReason),
        snapshot.PendingBackupCleanup ?? new Dictionary<string, int>(),
        [.. snapshot.RecentEvents.Select(ToEvent)],
        ToGroup(group));

    public static GroupStatusResult ToGroup(GroupSnapshot group) => new(
        group.Name,
        group.MemberId,
        group.CarriesTraffic,
        group.Record is { } r
            ? new GroupRecordResult(r.Version, r.Epoch, r.Status.ToWireName(), r.ServingServiceId, r.TargetServiceId, r.Reason, r.Trigger.ToWireName(), Who(r.DecidedBy), r.DecidedAt, Locations(r.Journal), r.DirtyReason, Locations(r.Leftovers))
            : null,
        [.. group.Members.Select(m => new GroupMemberResult(m.MemberId, m.Host, m.Pid, m.CarriesTraffic, m.AdoptedVersion, m.AdoptedEpoch, m.ServingServiceId, m.LastHeartbeat, m.Live, m.Lagging, m.IsThisMember))],
        group.Divergence,
        group.LastRefreshAt);

    private static string Who(GroupMemberIdentity who) => string.Create(CultureInfo.InvariantCulture, $"{who.MemberId} ({who.Host}, pid {who.Pid})");

    private static List<string> Locations(IReadOnlyList<JournalLocation> locations) => [.. locations.Select(j => string.Create(CultureInfo.InvariantCulture, $"{j.ServiceId}@{j.Epoch}"))];

    public static ServiceStatusResult ToService(ServiceSnapshot service, string? activeFault) => new(
        service.ServiceId,
        service.Role.ToWireName(),
        service.Priority,
        service.Endpoint,
        service.Health.ToWireName(),
        service.IsActive,
        service.ConsecutiveFailures,
        service.ConsecutiveSuccesses,
        Round(service.SuccessRate),
        Round(service.AvgResponseMs),
        Round(service.P95ResponseMs),
        Round(service.BaselineResponseMs),
        service.ConsecutiveProbeFailures,
        Round(service.ProbeSuccessRate),
        Round(service.ProbeLatencyMs),
        Round(service.ProbeBaselineMs),
        service.LastCheckAt,
        service.LastError,
        service.LastErrorAt,
        activeFault);

    public static FailoverEventResult ToEvent(FailoverEvent e) => new(
        e.Id,
        e.Kind.ToWireName(),
        e.Success,
        e.Trigger.ToWireName(),
        e.FromServiceId,
        e.ToServiceId,
        e.Epoch,
        e.Reason,
        e.StartedAt,
        Round(e.Detection?.TotalMilliseconds),
        Round(e.Duration.TotalMilliseconds),
        e.Error,
        e.ReconciledKeys,
        e.IsAutomatic,
        e.DecidedBy is { } who ? Who(who) : null);

    public static PerformanceMetricsResult ToMetrics(PerformanceSnapshot snapshot, int pendingKeys)
    {
        var services = snapshot.Services.Select(s => new ServicePerformanceResult(
            s.ServiceId, s.Total, s.Succeeded, s.Failed, s.Retried,
            Round(s.P50Ms), Round(s.P95Ms), Round(s.P99Ms), Round(s.MaxMs), Round(s.MeanMs),
            s.HealthChecksSucceeded, s.HealthChecksFailed)).ToList();
        return new PerformanceMetricsResult(
            snapshot.WindowSeconds,
            new OperationTotalsResult(services.Sum(s => s.Total), services.Sum(s => s.Succeeded), services.Sum(s => s.Failed), services.Sum(s => s.Retried)),
            services,
            ToSwitch(snapshot.Failovers),
            ToSwitch(snapshot.Recoveries),
            new HealthCheckTotalsResult(services.Sum(s => s.HealthChecksSucceeded), services.Sum(s => s.HealthChecksFailed)),
            new JournalMetricsResult(snapshot.JournalInvalidatedKeys, Round(snapshot.LastInvalidationMs), pendingKeys),
            snapshot.SecondsInStatus.ToDictionary(p => p.Key, p => Round(p.Value), StringComparer.Ordinal));
    }

    private static SwitchMetricsResult ToSwitch(SwitchPerformance s) => new(
        s.Count, s.Succeeded, s.Failed, s.ByTrigger,
        Round(s.LastDetectionMs), Round(s.AvgDetectionMs), Round(s.MaxDetectionMs),
        Round(s.LastSwitchMs), Round(s.AvgSwitchMs), Round(s.MaxSwitchMs));

    /// <summary>Three decimals are plenty for milliseconds and rates, and keep the JSON readable.</summary>
    public static double Round(double value) => double.IsFinite(value) ? Math.Round(value, 3) : 0;

    public static double? Round(double? value) => value is { } v ? Round(v) : null;
}
