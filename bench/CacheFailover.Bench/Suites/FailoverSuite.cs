using System.Globalization;
using CacheFailover.Bench.Contenders;
using CacheFailover.Bench.Infrastructure;
using CacheFailover.Bench.Load;
using CacheFailover.Bench.Report;

namespace CacheFailover.Bench.Suites;

/// <summary>The faults injected into the primary under load.</summary>
internal enum Fault
{
    /// <summary>SIGKILL: the process dies, its sockets close.</summary>
    Kill,

    /// <summary>SIGSTOP: the process freezes with its sockets open (a hung host); it keeps its data.</summary>
    Hang,

    /// <summary>SIGSTOP/SIGCONT duty cycle: every reply delayed up to 40 ms, never long enough to time out.</summary>
    Slow,

    /// <summary>An operator moves traffic to the backup (maintenance); the primary stays healthy.</summary>
    Manual,
}

/// <summary>One repetition of one fault against one contender.</summary>
internal sealed record Repetition(
    int Index,
    double FaultAtTimerMs,
    double InjectMs,
    double FirstBackupSuccessMs,
    double LongestGapMs,
    long Operations,
    long OperationsAfterFault,
    long GetErrors,
    long SetErrors,
    long DeleteErrors,
    long UnknownOutcome,
    long ErrorsBeforeFault,
    double SwitchSeenMs,
    string SwitchDetail,
    IReadOnlyList<string> SwitchesBeforeFault,
    string? FaultError);

/// <summary>A fault against a contender over all repetitions: median and max.</summary>
internal sealed record FaultFigures(
    string Fault,
    string Contender,
    double FirstBackupSuccessMedianMs,
    double FirstBackupSuccessMaxMs,
    double LongestGapMedianMs,
    double LongestGapMaxMs,
    double ErrorsMedian,
    double ErrorsMax,
    long GetErrors,
    long SetErrors,
    long DeleteErrors,
    double UnknownMedian,
    double UnknownMax,
    int RepetitionsWithoutSwitch,
    int SwitchesBeforeFault,
    int Attempts,
    IReadOnlyList<Repetition> Repetitions,
    IReadOnlyList<Repetition> Discarded,
    IReadOnlyList<string> FirstErrors);

internal sealed record FailoverFigures(string Load, double WindowSeconds, int Repetitions, string SlowFault, IReadOnlyList<FaultFigures> Faults);

/// <summary>
/// Faults under load: for SIGKILL, SIGSTOP, a slowed primary and a manual failover, how long until the
/// first successful operation on the backup, the longest stretch without any success, and what the
/// client saw fail — for the engine and the group, each on fresh servers every repetition.
/// </summary>
internal static class FailoverSuite
{
    private static readonly string[] ContenderNames = ["engine", "group"];

    public static async Task<SuiteResult> RunAsync(BenchSettings settings)
    {
        var started = Clock.Now;
        var faults = new List<FaultFigures>();
        var configurations = new Dictionary<string, string>();
        var random = new Random(20261105);
        foreach (var fault in Enum.GetValues<Fault>())
        {
            foreach (var name in ContenderNames)
            {
                var repetitions = new List<Repetition>();
                var discarded = new List<Repetition>();
                for (var rep = 0; rep < settings.FailoverRepetitions; rep++)
                {
                    var offset = TimeSpan.FromMilliseconds(random.NextDouble() * Tuning.Failover.HealthCheckInterval.TotalMilliseconds);
                    var (repetition, configuration) = await RunRepetitionAsync(settings, fault, name, rep, offset);
                    configurations[name] = configuration;

                    // A contender that left the healthy primary before the fault did not meet the fault at all:
                    // the attempt is discarded (and counted) and the repetition run again (at most FailoverReruns times).
                    for (var retry = 0; retry < settings.FailoverReruns && repetition.SwitchesBeforeFault.Count > 0; retry++)
                    {
                        discarded.Add(repetition);
                        Progress.Line($"failover: {fault.ToString().ToLowerInvariant()} / {name} rep {rep + 1}: switched away from the healthy primary before the fault ({string.Join("; ", repetition.SwitchesBeforeFault)}); running it again");
                        (repetition, _) = await RunRepetitionAsync(settings, fault, name, rep, offset);
                    }

                    if (repetition.SwitchesBeforeFault.Count > 0)
                    {
                        // Every attempt left the healthy primary before the fault: no valid measurement of the fault.
                        discarded.Add(repetition);
                        Progress.Line($"failover: {fault.ToString().ToLowerInvariant()} / {name} rep {rep + 1}: no valid attempt in {settings.FailoverReruns + 1}; the repetition is left out of the figures");
                        continue;
                    }

                    repetitions.Add(repetition);
                    Progress.Line(string.Create(CultureInfo.InvariantCulture, $"failover: {fault.ToString().ToLowerInvariant()} / {name} rep {rep + 1}/{settings.FailoverRepetitions}: first backup success {Markdown.F(repetition.FirstBackupSuccessMs)} ms, longest gap {repetition.LongestGapMs:0.0} ms, errors {repetition.GetErrors}/{repetition.SetErrors}/{repetition.DeleteErrors}, unknown {repetition.UnknownOutcome}; {repetition.SwitchDetail}; fault injected in {repetition.InjectMs:0.0} ms{(repetition.FaultError is null ? string.Empty : "; " + repetition.FaultError)}"));
                }

                faults.Add(Summarize(fault, name, repetitions, discarded));
            }
        }

        var figures = new FailoverFigures(
            $"{settings.FailoverWorkers} workers, one operation in flight each: 45 % GET of {settings.FailoverKeys} tagged keys, 45 % SET and 10 % DELETE of {settings.FailoverKeys} other keys, {settings.FailoverValueSize} B values",
            settings.FailoverWindow.TotalSeconds,
            settings.FailoverRepetitions,
            $"primary frozen {SlowDriver.Frozen.TotalMilliseconds:0} ms of every {(SlowDriver.Frozen + SlowDriver.Running).TotalMilliseconds:0} ms (SIGSTOP/SIGCONT), so replies wait up to {SlowDriver.Frozen.TotalMilliseconds:0} ms: about 100x the healthy latency, below every timeout",
            faults);
        var targets = Judge(settings, figures);
        var notes = new List<string>
        {
            $"Load: {figures.Load}. After a {settings.FailoverWarmup.TotalSeconds:0.#} s warm-up the fault is injected at a random point of the 250 ms health-check timer and the run goes on for {figures.WindowSeconds:0.#} s.",
            "first success on backup: from the fault to the first GET answered by the backup (the tagged keys hold 'P…' on the primary and 'B…' on the backup, so a read says who answered). Longest gap: the longest stretch after the fault with no successful operation of any kind. Errors: every call that threw (GET/SET/DELETE, summed over repetitions; per repetition as median / max). Unknown outcome: writes that threw and may nevertheless have been applied.",
            $"slow: {figures.SlowFault}. A contender that never moved traffic to the backup within the window shows ∞ / 'no switch'.",
            "Every repetition uses fresh redis-server processes and a fresh contender; 'switch seen' is when the engine recorded its failover event, or the group raised ActiveChanged.",
            $"An attempt in which the contender left the still-healthy primary on its own before the fault (for the engine: a performance_degradation or timeout_exceeded failover under the warm-up load) never met the fault: it is discarded, counted in the last column, and the repetition is run again (at most {settings.FailoverReruns + 1} attempts). Figures are over the valid repetitions only (column 'valid reps'); the discarded attempts' reasons are in the JSON.",
        };
        foreach (var f in faults.Where(f => f.FirstErrors.Count > 0))
        {
            notes.Add($"first errors, {f.Fault} / {f.Contender}: {string.Join(" | ", f.FirstErrors)}");
        }

        var seconds = Clock.Ms(Clock.Now - started) / 1000;
        return new SuiteResult("failover", seconds, figures, targets, configurations, notes, Render(figures, targets, configurations, notes));
    }

    private static async Task<(Repetition Repetition, string Configuration)> RunRepetitionAsync(BenchSettings settings, Fault fault, string name, int index, TimeSpan timerOffset)
    {
        var servers = await ServerPair.StartAsync();
        var readKeys = Values.Keys("fo:r", settings.FailoverKeys);
        var writeKeys = Values.Keys("fo:w", settings.FailoverKeys);
        await ServerPair.SeedAsync(servers.PrimarySetup, readKeys, Values.Payload(settings.FailoverValueSize, (byte)'P'));
        await ServerPair.SeedAsync(servers.BackupSetup, readKeys, Values.Payload(settings.FailoverValueSize, (byte)'B'));
        IContender contender = name == "engine"
            ? await EngineContender.CreateAsync(servers, Tuning.Failover)
            : await GroupContender.CreateAsync(servers, Tuning.Failover);
        SlowDriver? slow = null;
        List<OpRecord> records;
        long faultAt;
        long windowEnd;
        double injectMs;
        string? faultError = null;
        try
        {
            var load = new FaultLoad(contender, readKeys, writeKeys, Values.Payload(settings.FailoverValueSize, (byte)'w'), settings.FailoverWorkers, 1000 * (index + 1));
            await Clock.Delay(settings.FailoverWarmup + timerOffset);
            faultAt = Clock.Now;
            switch (fault)
            {
                case Fault.Kill:
                    servers.Primary.Kill();
                    break;
                case Fault.Hang:
                    servers.Primary.Stop();
                    break;
                case Fault.Slow:
                    slow = SlowDriver.Start(servers.Primary);
                    break;
                default:
                    try
                    {
                        await contender.ManualFailoverAsync();
                    }
                    catch (Exception exception) when (exception is InvalidOperationException)
                    {
                        faultError = $"manual failover refused: {exception.Message}";
                    }

                    break;
            }

            injectMs = Clock.MsSince(faultAt);
            var remaining = settings.FailoverWindow - TimeSpan.FromMilliseconds(Clock.MsSince(faultAt));
            if (remaining > TimeSpan.Zero)
            {
                await Clock.Delay(remaining);
            }

            windowEnd = Clock.Now;
            records = await load.StopAsync();
        }
        finally
        {
            slow?.Stop();
            await contender.StopAsync();
            await servers.DisposeAsync();
            await contender.DisposeAsync();
        }

        var (switchMs, switchDetail) = SwitchSeen(contender, faultAt, windowEnd);
        var before = SwitchesBefore(contender, faultAt);
        return (Analyze(index, timerOffset, injectMs, records, faultAt, windowEnd, switchMs, switchDetail, before, faultError), contender.Configuration);
    }

    private static (double Ms, string Detail) SwitchSeen(IContender contender, long faultAt, long windowEnd)
    {
        switch (contender)
        {
            case EngineContender engine:
                var failover = engine.Events.FirstOrDefault(e => e.Timestamp >= faultAt && e.Timestamp <= windowEnd && e.Event.Kind == Engine.FailoverEventKind.Failover);
                if (failover.Event is null)
                {
                    return (double.NaN, "engine: no failover");
                }

                var e = failover.Event;
                var lost = engine.PrimaryConnectionLost.Where(t => t >= faultAt && t <= windowEnd).Select(t => Clock.Ms(t - faultAt)).DefaultIfEmpty(double.NaN).First();
                return (Clock.Ms(failover.Timestamp - faultAt), string.Create(CultureInfo.InvariantCulture, $"engine: {(e.Success ? "failover" : "failed failover")} by {e.Trigger} recorded at {Clock.Ms(failover.Timestamp - faultAt):0.0} ms (detection {e.Detection?.TotalMilliseconds:0.0} ms, switch took {e.Duration.TotalMilliseconds:0.0} ms); primary connection-lost event at {Markdown.F(lost)} ms"));
            case GroupContender group:
                var change = group.Changes.FirstOrDefault(c => c.Timestamp >= faultAt && c.Timestamp <= windowEnd && c.Change.StartsWith("ActiveChanged", StringComparison.Ordinal));
                var failed = group.Changes.FirstOrDefault(c => c.Timestamp >= faultAt && c.Timestamp <= windowEnd && c.Change.StartsWith("ConnectionFailed", StringComparison.Ordinal) && c.Change.Contains("Interactive", StringComparison.Ordinal));
                var failedText = failed.Change is null ? "no ConnectionFailed" : string.Create(CultureInfo.InvariantCulture, $"{failed.Change} at {Clock.Ms(failed.Timestamp - faultAt):0.0} ms");
                return change.Change is null
                    ? (double.NaN, $"group: no ActiveChanged; {failedText}")
                    : (Clock.Ms(change.Timestamp - faultAt), string.Create(CultureInfo.InvariantCulture, $"group: {change.Change} at {Clock.Ms(change.Timestamp - faultAt):0.0} ms; {failedText}"));
            default:
                return (double.NaN, string.Empty);
        }
    }

    private static List<string> SwitchesBefore(IContender contender, long faultAt) => contender switch
    {
        EngineContender engine => engine.Events.Where(e => e.Timestamp < faultAt).Select(e => string.Create(CultureInfo.InvariantCulture, $"{Clock.Ms(e.Timestamp - faultAt):0} ms: {e.Event.Kind} {e.Event.FromServiceId} -> {e.Event.ToServiceId ?? "-"} by {e.Event.Trigger}: {e.Event.Reason}")).ToList(),
        GroupContender group => group.Changes.Where(c => c.Timestamp < faultAt && c.Change.StartsWith("ActiveChanged", StringComparison.Ordinal)).Select(c => string.Create(CultureInfo.InvariantCulture, $"{Clock.Ms(c.Timestamp - faultAt):0} ms: {c.Change}")).ToList(),
        _ => [],
    };

    private static Repetition Analyze(int index, TimeSpan timerOffset, double injectMs, List<OpRecord> records, long faultAt, long windowEnd, double switchMs, string switchDetail, IReadOnlyList<string> before, string? faultError)
    {
        var firstBackup = records.FirstOrDefault(r => r.Ended >= faultAt && r.Kind == OpKind.Get && r.Result == OpResult.Success && r.ServedTag == (byte)'B');
        var firstBackupMs = firstBackup.Ended == 0 ? double.PositiveInfinity : Clock.Ms(firstBackup.Ended - faultAt);
        var previous = faultAt;
        long longest = 0;
        foreach (var record in records)
        {
            if (record.Result != OpResult.Success || record.Ended < faultAt || record.Ended > windowEnd)
            {
                continue;
            }

            longest = Math.Max(longest, record.Ended - previous);
            previous = record.Ended;
        }

        longest = Math.Max(longest, windowEnd - previous);
        long Errors(OpKind kind) => records.Count(r => r.Kind == kind && r.Result != OpResult.Success);
        return new Repetition(
            index + 1,
            Math.Round(timerOffset.TotalMilliseconds, 1),
            Math.Round(injectMs, 2),
            Math.Round(firstBackupMs, 2),
            Math.Round(Clock.Ms(longest), 2),
            records.Count,
            records.Count(r => r.Ended >= faultAt),
            Errors(OpKind.Get),
            Errors(OpKind.Set),
            Errors(OpKind.Delete),
            records.Count(r => r.Result == OpResult.Unknown),
            records.Count(r => r.Result != OpResult.Success && r.Ended < faultAt),
            Math.Round(switchMs, 2),
            switchDetail,
            before,
            faultError);
    }

    private static FaultFigures Summarize(Fault fault, string contender, List<Repetition> repetitions, List<Repetition> discarded)
    {
        var firsts = repetitions.Select(r => r.FirstBackupSuccessMs).ToList();
        var errors = repetitions.Select(r => (double)(r.GetErrors + r.SetErrors + r.DeleteErrors)).ToList();
        return new FaultFigures(
            fault.ToString().ToLowerInvariant(),
            contender,
            Stats.Median(firsts),
            Stats.Max(firsts),
            Stats.Median(repetitions.Select(r => r.LongestGapMs)),
            Stats.Max(repetitions.Select(r => r.LongestGapMs)),
            Stats.Median(errors),
            Stats.Max(errors),
            repetitions.Sum(r => r.GetErrors),
            repetitions.Sum(r => r.SetErrors),
            repetitions.Sum(r => r.DeleteErrors),
            Stats.Median(repetitions.Select(r => (double)r.UnknownOutcome)),
            Stats.Max(repetitions.Select(r => (double)r.UnknownOutcome)),
            repetitions.Count(r => double.IsPositiveInfinity(r.FirstBackupSuccessMs)),
            discarded.Count,
            discarded.Count + repetitions.Count,
            repetitions,
            discarded,
            FirstErrors.Take(contender));
    }

    private static List<TargetCheck> Judge(BenchSettings settings, FailoverFigures figures)
    {
        bool? Verdict(bool met) => settings.Quick ? null : met;
        FaultFigures Of(string fault, string contender) => figures.Faults.Single(f => f.Fault == fault && f.Contender == contender);
        static long Errors(FaultFigures f) => f.GetErrors + f.SetErrors + f.DeleteErrors;
        var targets = new List<TargetCheck>();

        var kill = Of("kill", "engine");
        targets.Add(new TargetCheck("SIGKILL: engine's first success on the backup ≤ 15 ms after the kill (median)", $"{Markdown.F(kill.FirstBackupSuccessMedianMs)} ms (max {Markdown.F(kill.FirstBackupSuccessMaxMs)} ms)", Verdict(kill.FirstBackupSuccessMedianMs <= 15)));
        targets.Add(new TargetCheck("SIGKILL: engine 0 client-visible errors (get/set/delete)", $"{kill.GetErrors}/{kill.SetErrors}/{kill.DeleteErrors} over {kill.Repetitions.Count} reps", Verdict(Errors(kill) == 0)));

        var hang = Of("hang", "engine");
        var hangGroup = Of("hang", "group");
        targets.Add(new TargetCheck("hang: engine's first success on the backup ≤ 150 ms after the hang (median)", $"{Markdown.F(hang.FirstBackupSuccessMedianMs)} ms (max {Markdown.F(hang.FirstBackupSuccessMaxMs)} ms)", Verdict(hang.FirstBackupSuccessMedianMs <= 150)));
        targets.Add(new TargetCheck("hang: engine sooner than the group (median)", $"{Markdown.F(hang.FirstBackupSuccessMedianMs)} ms vs {Markdown.F(hangGroup.FirstBackupSuccessMedianMs)} ms", Verdict(hang.FirstBackupSuccessMedianMs < hangGroup.FirstBackupSuccessMedianMs)));
        targets.Add(new TargetCheck("hang: engine 0 client-visible errors (get/set/delete)", $"{hang.GetErrors}/{hang.SetErrors}/{hang.DeleteErrors} over {hang.Repetitions.Count} reps", Verdict(Errors(hang) == 0)));

        var manual = Of("manual", "engine");
        targets.Add(new TargetCheck("manual: engine switch ≤ 10 ms (first success on the backup, median)", $"{Markdown.F(manual.FirstBackupSuccessMedianMs)} ms (max {Markdown.F(manual.FirstBackupSuccessMaxMs)} ms)", Verdict(manual.FirstBackupSuccessMedianMs <= 10)));
        targets.Add(new TargetCheck("manual: engine 0 errors", $"{manual.GetErrors}/{manual.SetErrors}/{manual.DeleteErrors} over {manual.Repetitions.Count} reps", Verdict(Errors(manual) == 0)));

        foreach (var fault in Enum.GetValues<Fault>().Select(f => f.ToString().ToLowerInvariant()))
        {
            var e = Of(fault, "engine");
            var g = Of(fault, "group");
            var beats = e.FirstBackupSuccessMedianMs <= g.FirstBackupSuccessMedianMs
                && e.FirstBackupSuccessMaxMs <= g.FirstBackupSuccessMaxMs
                && e.LongestGapMedianMs <= g.LongestGapMedianMs
                && e.LongestGapMaxMs <= g.LongestGapMaxMs
                && Errors(e) <= Errors(g)
                && e.UnknownMax <= g.UnknownMax
                && e.SwitchesBeforeFault <= g.SwitchesBeforeFault;
            targets.Add(new TargetCheck(
                $"{fault}: engine at least as good as the group on every figure",
                string.Create(CultureInfo.InvariantCulture, $"first success {Markdown.F(e.FirstBackupSuccessMedianMs)}/{Markdown.F(e.FirstBackupSuccessMaxMs)} vs {Markdown.F(g.FirstBackupSuccessMedianMs)}/{Markdown.F(g.FirstBackupSuccessMaxMs)} ms; gap {Markdown.F(e.LongestGapMedianMs)}/{Markdown.F(e.LongestGapMaxMs)} vs {Markdown.F(g.LongestGapMedianMs)}/{Markdown.F(g.LongestGapMaxMs)} ms; errors {Errors(e)} vs {Errors(g)}; unknown max {e.UnknownMax} vs {g.UnknownMax}; left healthy primary {e.SwitchesBeforeFault}/{e.Attempts} vs {g.SwitchesBeforeFault}/{g.Attempts} attempts"),
                Verdict(beats)));
        }

        return targets;
    }

    private static string Render(FailoverFigures figures, IReadOnlyList<TargetCheck> targets, IReadOnlyDictionary<string, string> contenders, IReadOnlyList<string> notes)
    {
        var markdown = new Markdown().Heading($"failover (faults under load): median / max of {figures.Repetitions} repetition(s)");
        markdown.Table(
            ["fault", "contender", "valid reps", "first success on backup, ms", "longest gap, ms", "errors get/set/del (total)", "errors per rep", "unknown outcome per rep", "switch seen, ms", "left healthy primary before fault"],
            figures.Faults.Select(f => (IReadOnlyList<string>)
            [
                f.Fault,
                f.Contender,
                f.Repetitions.Count.ToString(CultureInfo.InvariantCulture),
                $"{Markdown.F(f.FirstBackupSuccessMedianMs)} / {Markdown.F(f.FirstBackupSuccessMaxMs)}",
                $"{Markdown.F(f.LongestGapMedianMs)} / {Markdown.F(f.LongestGapMaxMs)}",
                $"{f.GetErrors}/{f.SetErrors}/{f.DeleteErrors}",
                $"{Markdown.F(f.ErrorsMedian, "0.#")} / {Markdown.F(f.ErrorsMax, "0")}",
                $"{Markdown.F(f.UnknownMedian, "0.#")} / {Markdown.F(f.UnknownMax, "0")}",
                SwitchCell(f),
                $"{f.SwitchesBeforeFault} of {f.Attempts} attempts",
            ]));
        markdown.Subheading("targets");
        markdown.Targets(targets);
        markdown.Subheading("how each contender was configured");
        markdown.Bullets(contenders.Values);
        markdown.Bullets(notes);
        return markdown.ToString();
    }

    private static string SwitchCell(FaultFigures f)
    {
        var seen = f.Repetitions.Select(r => r.SwitchSeenMs).Where(ms => !double.IsNaN(ms)).ToList();
        return seen.Count == 0 ? "no switch" : $"{Markdown.F(Stats.Median(seen))} / {Markdown.F(Stats.Max(seen))}{(seen.Count < f.Repetitions.Count ? $" ({f.Repetitions.Count - seen.Count} rep(s) none)" : string.Empty)}";
    }
}
