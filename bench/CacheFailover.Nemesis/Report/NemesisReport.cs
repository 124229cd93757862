using System.Globalization;
using System.Text;
using CacheFailover.Nemesis.Checking;
using CacheFailover.Nemesis.Faults;
using CacheFailover.Nemesis.History;

namespace CacheFailover.Nemesis.Report;

/// <summary>The run's report in Markdown: seed, duration, faults, operations, every count of the checker, availability.</summary>
public static class NemesisReport
{
    private const int ViolationsShown = 25;

    public static string Render(NemesisOutcome run)
    {
        ArgumentNullException.ThrowIfNull(run);
        var s = new StringBuilder();
        var check = run.Check;
        s.Line($"# Nemesis run, seed {run.Settings.Seed}");
        s.Line();
        s.Line($"Replay: `bash bench/run-nemesis.sh --seconds {run.Settings.Duration.TotalSeconds:0} --seed {run.Settings.Seed} --members {run.Settings.Members} --clients {run.Settings.ClientsPerMember} --backups {run.Settings.Backups}{(run.Settings.Processes > 0 ? $" --processes {run.Settings.Processes}" : string.Empty)}`");
        s.Line();
        s.Line($"- Duration: {run.Elapsed.TotalSeconds:0.0} s ({run.Settings.FaultPhase.TotalSeconds:0} s of faults, then heal, fail back, {run.Settings.QuietPhase.TotalSeconds:0} s quiet, a final read of every key)");
        s.Line($"- Cluster: {run.Settings.Backups + 1} real redis-servers (primary, {string.Join(", ", FaultPlan.Backups(run.Settings.Backups))}); {run.Settings.Members} in-process engines carrying traffic ({run.Settings.ClientsPerMember} client(s) each, alternating between the engine API and the member's RESP front door) and 1 control-only member"
            + (run.Settings.Processes > 0 ? $"; {run.Settings.Processes} server process(es) of the product (HTTP transport, RESP front door; {run.Settings.ClientsPerMember} client(s) each through the front door; SIGKILL/SIGTERM restarts, failovers and recoveries over MCP)" : string.Empty)
            + "; one group");
        s.Line($"- Verdict: **{(check.Passed ? "PASS" : "FAIL")}** — {check.StaleReads} stale read(s), {check.Resurrections} resurrection(s), {check.DishonestResults} dishonest result(s)");
        s.Line($"- Every member serving the primary after the faults: {(run.Converged ? "yes" : "NO")}");
        if (run.Settings.Processes > 0)
        {
            s.Line($"- Server processes that exited by themselves: {run.UnexpectedExits.Count}");
        }
        s.Line();

        s.Line("## Checker");
        s.Line();
        s.Line("| count | value |");
        s.Line("|---|---:|");
        s.Line($"| string reads checked (acknowledged) | {check.ReadsChecked} |");
        s.Line($"| list reads checked (acknowledged) | {check.ListReadsChecked} |");
        s.Line($"| stale reads (I1, F2) | {check.StaleReads} |");
        s.Line($"| resurrections (I2) | {check.Resurrections} |");
        s.Line($"| dishonest: values no operation wrote (or wrote after the read) | {check.Count(ViolationKind.PhantomValue)} |");
        s.Line($"| dishonest: effect of an operation reported as not applied (I4) | {check.Count(ViolationKind.FailedWriteApplied)} |");
        s.Line($"| dishonest: RPUSH applied twice (I4) | {check.Count(ViolationKind.AppliedTwice)} |");
        s.Line($"| misses after an acknowledged write (data lost to a failover or an empty restart; allowed for a cache) | {check.MissesAfterAcknowledgedWrite} |");
        s.Line();
        if (!check.Passed)
        {
            s.Line($"### Violations (first {Math.Min(ViolationsShown, check.Violations.Count)} of {check.Violations.Count})");
            s.Line();
            foreach (var v in check.Violations.Take(ViolationsShown))
            {
                s.Line($"- **{v.Kind}** on `{v.Read.Key}`: read #{v.Read.Id} by client {v.Read.Client} [{Us(v.Read.InvokedUs)} → {Us(v.Read.CompletedUs)}] saw `{v.Seen}`; {v.Explanation}."
                    + $" Served by {v.Read.ServedBy ?? "?"}."
                    + (Producer(run, v) is { } p ? $" Its value's write: #{p.Id} by client {p.Client} [{Us(p.InvokedUs)} → {Us(p.CompletedUs)}] {p.Outcome}, served by {p.ServedBy ?? "?"}." : string.Empty)
                    + (v.Because is { } b ? $" That operation: #{b.Id} {b.Kind} by client {b.Client} [{Us(b.InvokedUs)} → {Us(b.CompletedUs)}] {b.Outcome}, served by {b.ServedBy ?? "?"}." : string.Empty)
                    + $" Faults active: {ActiveFaults(run.Injected, v.Read.InvokedUs)}");
            }

            s.Line();
            var first = check.Violations.Min(v => v.Read.InvokedUs);
            s.Line($"Engine events from 2 s before the first violation's read ({Us(first)}) to 1 s after:");
            s.Line();
            s.Line("```");
            foreach (var e in run.Events.Where(e => e.AtUs >= first - 2_000_000 && e.AtUs <= first + 1_000_000).OrderBy(e => e.AtUs))
            {
                s.Line($"{Us(e.AtUs)} {e.Member}: {e.Event.Kind} {(e.Event.Success ? "ok" : "FAILED")} {e.Event.FromServiceId} -> {e.Event.ToServiceId} epoch {e.Event.Epoch} trigger {e.Event.Trigger}{(e.Event.DecidedBy is { } d ? $" decided by {d.MemberId}" : string.Empty)}: {e.Event.Reason}");
            }

            s.Line("```");
            s.Line();
            if (run.Settings.Processes > 0)
            {
                s.Line("Server processes' events (p1, p2, …) come from their `get_failover_events`: a decision a process followed is timed when it was decided, not when the process followed it; their member ids are host-pid-suffix.");
                s.Line();
            }
        }

        if (run.UnexpectedExits.Count > 0)
        {
            s.Line("### Server processes that exited by themselves");
            s.Line();
            s.Line("```");
            foreach (var exit in run.UnexpectedExits)
            {
                s.Line(exit);
            }

            s.Line("```");
            s.Line();
        }

        s.Line("## Operations");
        s.Line();
        s.Line("| kind | ok | failed (not applied) | unknown |");
        s.Line("|---|---:|---:|---:|");
        foreach (var kind in Enum.GetValues<OperationKind>())
        {
            var ops = run.History.Where(e => e.Kind == kind).ToArray();
            s.Line($"| {kind} | {ops.Count(o => o.Outcome == Outcome.Ok)} | {ops.Count(o => o.Outcome == Outcome.Failed)} | {ops.Count(o => o.Outcome == Outcome.Unknown)} |");
        }

        s.Line($"| all | {run.History.Count(o => o.Outcome == Outcome.Ok)} | {run.History.Count(o => o.Outcome == Outcome.Failed)} | {run.History.Count(o => o.Outcome == Outcome.Unknown)} |");
        s.Line();
        s.Line("Failures by kind (exception / failure kind / outcome):");
        s.Line();
        foreach (var (kind, count) in run.Availability.FailuresByKind)
        {
            s.Line($"- {kind}: {count}");
        }

        if (run.Availability.FailuresByKind.Count == 0)
        {
            s.Line("- none");
        }

        s.Line();
        s.Line("## Faults and availability");
        s.Line();
        s.Line($"{run.Plan.Count} planned, {run.Injected.Count} injected. Longest gap without any successful operation: {Ms(run.Availability.LongestGap)} over the whole run; per fault, from its start to {NemesisRun.Grace.TotalSeconds:0} s after its end:");
        s.Line();
        s.Line("| fault | injected | refused / error | longest gap, median | longest gap, max | failures in windows |");
        s.Line("|---|---:|---:|---:|---:|---:|");
        foreach (var group in run.Availability.PerFault.GroupBy(f => f.Fault.Planned.Kind).OrderBy(g => g.Key))
        {
            var gaps = group.Select(f => f.LongestGap).Order().ToArray();
            var refused = group.Count(f => f.Fault.Result.StartsWith("refused", StringComparison.Ordinal) || f.Fault.Result.StartsWith("failed:", StringComparison.Ordinal) || f.Fault.Result.StartsWith("nemesis error", StringComparison.Ordinal));
            s.Line($"| {group.Key} | {gaps.Length} | {refused} | {Ms(gaps[gaps.Length / 2])} | {Ms(gaps[^1])} | {group.Sum(f => f.Failures)} |");
        }

        s.Line();
        s.Line("## Engine events");
        s.Line();
        s.Line("| member | failovers | recoveries | failed attempts | triggers |");
        s.Line("|---|---:|---:|---:|---|");
        foreach (var member in run.FinalStates)
        {
            var mine = run.Events.Where(e => e.Member == member.Member).Select(e => e.Event).ToArray();
            var triggers = string.Join(", ", mine.Where(e => e.Success).GroupBy(e => $"{e.Kind}/{e.Trigger}").OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key} {g.Count()}"));
            s.Line($"| {member.Member} | {mine.Count(e => e.Success && e.Kind == CacheFailover.Engine.FailoverEventKind.Failover)} | {mine.Count(e => e.Success && e.Kind == CacheFailover.Engine.FailoverEventKind.Recovery)} | {mine.Count(e => !e.Success)} | {triggers} |");
        }

        s.Line();
        var events = run.Events.Select(e => (e.AtUs, e.Member, e.Event)).ToArray();
        var splits = GroupObservations.SplitEpochs(events);
        var reentries = GroupObservations.Reentries(events, "primary");
        s.Line($"Epochs at which members served different services (the group split under one epoch, F1): {splits.Count}"
            + (splits.Count == 0 ? string.Empty : " — " + string.Join("; ", splits.Take(10).Select(x => $"epoch {x.Epoch} at {Us(x.FirstAtUs)}: {string.Join(", ", x.ServiceByMember.Select(m => $"{m.Key} on {m.Value}"))}"))));
        s.Line();
        var reentered = reentries.GroupBy(r => (r.Epoch, r.Backup)).Select(g => g.First()).ToArray();
        s.Line($"Epochs that switched back to a backup which had already served in the same failover episode: {reentered.Length}"
            + (reentered.Length == 0 ? string.Empty : " — " + string.Join("; ", reentered.Take(10).Select(r => $"epoch {r.Epoch} to {r.Backup} at {Us(r.AtUs)}"))));
        s.Line();
        s.Line("Final state: " + string.Join("; ", run.FinalStates.Select(m => $"{m.Member} {m.Status} epoch {m.Epoch} on {m.Serving} ({m.DroppedAnnouncements} announcement(s) dropped, {m.Restarts} restart(s))")));
        s.Line();
        s.Line("## Fault log");
        s.Line();
        s.Line("```");
        foreach (var f in run.Availability.PerFault)
        {
            s.Line($"{f.Fault.Planned} | at {Us(f.Fault.StartedUs)}..{Us(f.Fault.EndedUs)} | {f.Fault.Result} | gap {Ms(f.LongestGap)}, {f.Failures} failure(s)");
        }

        s.Line("```");
        return s.ToString();
    }

    private static HistoryEntry? Producer(NemesisOutcome run, Violation v)
        => run.History.FirstOrDefault(e => e.Key == v.Read.Key && e.Kind is OperationKind.Write or OperationKind.Push && e.Value == v.Seen);

    private static string ActiveFaults(IReadOnlyList<InjectedFault> faults, long us)
    {
        var active = faults.Where(f => f.StartedUs <= us && us <= f.EndedUs + (long)NemesisRun.Grace.TotalMicroseconds).Select(f => $"{f.Planned.Kind} {f.Planned.Target}").ToArray();
        return active.Length == 0 ? "none" : string.Join(", ", active);
    }

    private static string Us(long us) => us == long.MaxValue ? "∞" : (us / 1e6).ToString("0.000000", CultureInfo.InvariantCulture) + " s";

    private static string Ms(TimeSpan span) => span.TotalMilliseconds.ToString("0", CultureInfo.InvariantCulture) + " ms";

    private static void Line(this StringBuilder s, string text = "") => s.Append(text).Append('\n');
}
