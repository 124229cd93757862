namespace CacheFailover.Drills;

/// <summary>Where a running drill is: phase <paramref name="Step"/> of <paramref name="TotalSteps"/>.</summary>
public readonly record struct DrillProgress(int Step, int TotalSteps, string Message);

/// <summary>One notable moment of a drill, <paramref name="TMs"/> milliseconds after it started (virtual milliseconds in simulate mode).</summary>
public sealed record DrillTimelineEntry(double TMs, string Event);

/// <summary>What a failover drill saw, and whether that matched what the options promise.</summary>
/// <param name="Scenario">The scenario's wire name.</param>
/// <param name="Mode"><c>simulate</c> (sandbox engine on a virtual clock) or <c>live</c> (the real engine, real time).</param>
/// <param name="Passed">Whether what happened matched <paramref name="Expected"/> and no stale read was seen.</param>
/// <param name="Timeline">Notable moments in order.</param>
/// <param name="DetectionMs">Fault injected to failover decided; null when no failover was decided.</param>
/// <param name="FailoverMs">Fault injected to the first successful operation served by a backup; null when none was.</param>
/// <param name="RecoveryMs">Fault removed to the primary serving again; null when it never stopped serving or never returned.</param>
/// <param name="Operations">Drill operations issued (reads, writes and deletes of drill keys).</param>
/// <param name="ErrorsSeen">Drill operations that failed.</param>
/// <param name="StaleReads">Reads that returned a value other than the last one written (or a value after a delete); misses are not stale.</param>
/// <param name="Expected">What the options promise for this scenario, in one sentence.</param>
/// <param name="Summary">What happened, in one or two sentences.</param>
public sealed record DrillReport(
    string Scenario,
    string Mode,
    bool Passed,
    IReadOnlyList<DrillTimelineEntry> Timeline,
    double? DetectionMs,
    double? FailoverMs,
    double? RecoveryMs,
    int Operations,
    int ErrorsSeen,
    int StaleReads,
    string Expected,
    string Summary);
