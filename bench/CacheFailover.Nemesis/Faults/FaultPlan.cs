using System.Globalization;

namespace CacheFailover.Nemesis.Faults;

/// <summary>The faults the nemesis injects.</summary>
public enum FaultKind
{
    /// <summary>SIGKILL of a redis-server, then a fresh (empty) one on the same port.</summary>
    KillRestart,

    /// <summary>SIGSTOP, then SIGCONT: a hung host whose queued commands are answered late.</summary>
    Freeze,

    /// <summary>Repeated <c>DEBUG SLEEP</c> bursts: a server that stalls again and again.</summary>
    SlowBursts,

    /// <summary><c>CLIENT PAUSE ms ALL</c>: every client of the server waits.</summary>
    ClientPause,

    /// <summary>Several short freezes in a row: a server that comes and goes.</summary>
    FlapFreeze,

    /// <summary>Several short kill-and-restart cycles in a row.</summary>
    FlapKill,

    /// <summary>An operator's failover through one member's engine API (to a chosen backup or the best one).</summary>
    ManualFailover,

    /// <summary>An operator's recovery through one member's engine API.</summary>
    ManualRecovery,

    /// <summary>One member misses every announcement of the group's record for a while (pub/sub drops messages).</summary>
    DropAnnouncements,

    /// <summary>One member's engine ends as on SIGTERM (leaving the group, its in-memory journal lost) and a new one starts after a while.</summary>
    RestartMember,

    /// <summary>SIGKILL of a server process of the product (no goodbye to the group), then the same command line again after a pause.</summary>
    KillProcess,

    /// <summary>SIGTERM of a server process (it shuts down and leaves the group), then the same command line again after a pause.</summary>
    TerminateProcess,

    /// <summary>An operator's failover through a server process's MCP tool <c>trigger_manual_failover</c> (HTTP transport).</summary>
    McpFailover,

    /// <summary>An operator's recovery through a server process's MCP tool <c>trigger_manual_recovery</c>.</summary>
    McpRecovery,
}

/// <summary>One fault of the schedule: when it starts (from the run's start), what, on which target, for how long.</summary>
/// <param name="At">Offset from the start of the run.</param>
/// <param name="Kind">What is injected.</param>
/// <param name="Target">A service id (primary, backup-1, backup-2), a member id for control faults, or a server process's id (p1, p2, …).</param>
/// <param name="Duration">How long the fault lasts (zero for an instant decision).</param>
/// <param name="Option">A second choice some faults need: the failover target (or null for the best one), the flap count.</param>
public sealed record ScheduledFault(TimeSpan At, FaultKind Kind, string Target, TimeSpan Duration, string? Option)
{
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{At.TotalSeconds,7:0.000}s {Kind} {Target}{(Option is null ? string.Empty : " " + Option)} for {Duration.TotalMilliseconds:0} ms");
}

/// <summary>
/// The seeded fault schedule: one seed gives one list of faults, so a failing run is replayed by
/// its seed. Three lanes run side by side, so faults overlap: the primary's faults, the backups'
/// faults, and the operators' decisions and lost announcements; with server processes, a fourth:
/// their restarts and the decisions made through their MCP tools. Each lane has a random of its
/// own, so the first three lanes of a seed are the same with or without processes.
/// </summary>
public static class FaultPlan
{
    private static readonly string[] AllBackups = ["backup-1", "backup-2"];

    /// <summary>The backups' service ids, in priority order, for a run with <paramref name="count"/> of them (1 or 2).</summary>
    public static string[] Backups(int count) => [.. AllBackups.Take(count)];

    /// <summary>The ids of <paramref name="count"/> server processes: p1, p2, ….</summary>
    public static string[] Processes(int count) => [.. Enumerable.Range(1, count).Select(i => string.Create(CultureInfo.InvariantCulture, $"p{i}"))];

    public static IReadOnlyList<ScheduledFault> Create(int seed, TimeSpan faultPhase, IReadOnlyList<string> members, int backupCount = 2, IReadOnlyList<string>? processes = null)
    {
        ArgumentNullException.ThrowIfNull(members);
        var backups = Backups(backupCount);
        var faults = new List<ScheduledFault>();
        faults.AddRange(Lane(new Random(seed), faultPhase, (random, at) => ServerFault(random, at, "primary")));
        faults.AddRange(Lane(new Random(unchecked(seed * 31 + 7)), faultPhase, (random, at) => ServerFault(random, at, backups[random.Next(backups.Length)]), meanGapSeconds: 4));
        faults.AddRange(Lane(new Random(unchecked(seed * 31 + 13)), faultPhase, (random, at) => ControlFault(random, at, members, backups)));
        if (processes is { Count: > 0 })
        {
            faults.AddRange(Lane(new Random(unchecked(seed * 31 + 17)), faultPhase, (random, at) => ProcessFault(random, at, processes, backups), meanGapSeconds: 3));
        }

        return [.. faults.OrderBy(f => f.At)];
    }

    private static IEnumerable<ScheduledFault> Lane(Random random, TimeSpan faultPhase, Func<Random, TimeSpan, ScheduledFault> next, double meanGapSeconds = 2.5)
    {
        var at = TimeSpan.FromSeconds(1 + random.NextDouble() * 2);
        while (at < faultPhase)
        {
            var fault = next(random, at);
            if (fault.At + fault.Duration > faultPhase)
            {
                yield break;
            }

            yield return fault;
            at = fault.At + fault.Duration + TimeSpan.FromSeconds(0.3 + random.NextDouble() * meanGapSeconds * 2);
        }
    }

    private static ScheduledFault ServerFault(Random random, TimeSpan at, string target)
    {
        var kind = random.Next(100) switch
        {
            < 22 => FaultKind.KillRestart,
            < 44 => FaultKind.Freeze,
            < 60 => FaultKind.SlowBursts,
            < 72 => FaultKind.ClientPause,
            < 88 => FaultKind.FlapFreeze,
            _ => FaultKind.FlapKill,
        };
        return kind switch
        {
            FaultKind.KillRestart => new(at, kind, target, Seconds(random, 0.3, 4), null),
            FaultKind.Freeze => new(at, kind, target, Seconds(random, 0.2, 3), null),
            FaultKind.SlowBursts => new(at, kind, target, Seconds(random, 1, 4), null),
            FaultKind.ClientPause => new(at, kind, target, Seconds(random, 0.1, 1.5), null),
            _ => new(at, kind, target, Seconds(random, 1.5, 4), random.Next(2, 6).ToString(CultureInfo.InvariantCulture)),
        };
    }

    private static ScheduledFault ControlFault(Random random, TimeSpan at, IReadOnlyList<string> members, string[] backups)
    {
        var member = members[random.Next(members.Count)];
        return random.Next(100) switch
        {
            < 30 => new(at, FaultKind.ManualFailover, member, TimeSpan.Zero, random.Next(3) switch { 0 => null, 1 => backups[0], _ => backups[^1] }),
            < 60 => new(at, FaultKind.ManualRecovery, member, TimeSpan.Zero, null),
            < 85 => new(at, FaultKind.DropAnnouncements, member, Seconds(random, 1, 5), null),
            _ => new(at, FaultKind.RestartMember, member, Seconds(random, 0.2, 2), null),
        };
    }

    /// <summary>A restart's duration is the pause between the end of one process and the start of the next.</summary>
    private static ScheduledFault ProcessFault(Random random, TimeSpan at, IReadOnlyList<string> processes, string[] backups)
    {
        var process = processes[random.Next(processes.Count)];
        return random.Next(100) switch
        {
            < 25 => new(at, FaultKind.KillProcess, process, Seconds(random, 0.1, 2), null),
            < 50 => new(at, FaultKind.TerminateProcess, process, Seconds(random, 0.1, 2), null),
            < 75 => new(at, FaultKind.McpFailover, process, TimeSpan.Zero, random.Next(3) switch { 0 => null, 1 => backups[0], _ => backups[^1] }),
            _ => new(at, FaultKind.McpRecovery, process, TimeSpan.Zero, null),
        };
    }

    private static TimeSpan Seconds(Random random, double min, double max) => TimeSpan.FromSeconds(Math.Round(min + random.NextDouble() * (max - min), 3));
}
