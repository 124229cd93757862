using CacheFailover.Nemesis.Faults;

namespace CacheFailover.Nemesis.Tests;

public sealed class FaultPlanTests
{
    private static readonly string[] Members = ["m1", "m2", "ops"];

    [Fact]
    public void Create_SameSeed_SameSchedule()
    {
        var first = FaultPlan.Create(42, TimeSpan.FromMinutes(2), Members);
        var second = FaultPlan.Create(42, TimeSpan.FromMinutes(2), Members);

        Assert.NotEmpty(first);
        Assert.Equal(first, second);
    }

    [Fact]
    public void Create_AnotherSeed_AnotherSchedule()
    {
        Assert.NotEqual(FaultPlan.Create(1, TimeSpan.FromMinutes(2), Members), FaultPlan.Create(2, TimeSpan.FromMinutes(2), Members));
    }

    [Fact]
    public void Create_LongRun_EveryFaultKindAndTargetInsideThePhaseWithoutOverlapOnOneTarget()
    {
        var phase = TimeSpan.FromMinutes(10);
        var plan = FaultPlan.Create(7, phase, Members, processes: FaultPlan.Processes(2));

        Assert.Equal(Enum.GetValues<FaultKind>().ToHashSet(), plan.Select(f => f.Kind).ToHashSet());
        Assert.Contains(plan, f => f.Target == "primary");
        Assert.Contains(plan, f => f.Target == "backup-1");
        Assert.Contains(plan, f => f.Target == "backup-2");
        Assert.All(plan, f => Assert.True(f.At >= TimeSpan.Zero && f.At + f.Duration <= phase, f.ToString()));
        foreach (var target in plan.Where(f => f.Target.StartsWith("backup", StringComparison.Ordinal) || f.Target == "primary").GroupBy(f => f.Target))
        {
            var ordered = target.OrderBy(f => f.At).ToArray();
            for (var i = 1; i < ordered.Length; i++)
            {
                Assert.True(ordered[i].At >= ordered[i - 1].At + ordered[i - 1].Duration, $"{ordered[i - 1]} overlaps {ordered[i]}");
            }
        }
    }

    [Fact]
    public void Create_OneBackup_NoFaultOrFailoverNamesTheSecond()
    {
        var plan = FaultPlan.Create(7, TimeSpan.FromMinutes(10), Members, backupCount: 1);

        Assert.Contains(plan, f => f.Target == "backup-1");
        Assert.DoesNotContain(plan, f => f.Target == "backup-2" || f.Option == "backup-2");
    }

    [Fact]
    public void Processes_Two_NamedP1AndP2()
    {
        Assert.Equal(["p1", "p2"], FaultPlan.Processes(2));
        Assert.Empty(FaultPlan.Processes(0));
    }

    [Fact]
    public void Create_WithProcesses_TheOtherLanesAreTheScheduleWithout()
    {
        var without = FaultPlan.Create(3, TimeSpan.FromSeconds(45), Members);
        var with = FaultPlan.Create(3, TimeSpan.FromSeconds(45), Members, processes: FaultPlan.Processes(2));

        Assert.Equal(without, FaultPlan.Create(3, TimeSpan.FromSeconds(45), Members, processes: []));
        Assert.Equal(without, with.Where(f => !IsProcessFault(f.Kind)).ToArray());
        Assert.Contains(with, f => IsProcessFault(f.Kind));
    }

    [Fact]
    public void Create_WithProcesses_RestartsAndMcpDecisionsOnlyOnProcessesOneAtATime()
    {
        var processes = FaultPlan.Processes(2);
        var plan = FaultPlan.Create(11, TimeSpan.FromMinutes(10), Members, backupCount: 1, processes: processes);
        var lane = plan.Where(f => IsProcessFault(f.Kind)).OrderBy(f => f.At).ToArray();

        Assert.Equal([FaultKind.KillProcess, FaultKind.TerminateProcess, FaultKind.McpFailover, FaultKind.McpRecovery], lane.Select(f => f.Kind).Distinct().Order());
        Assert.Equal(processes, lane.Select(f => f.Target).Distinct().Order(StringComparer.Ordinal));
        Assert.DoesNotContain(plan, f => !IsProcessFault(f.Kind) && processes.Contains(f.Target));
        Assert.All(lane.Where(f => f.Kind is FaultKind.KillProcess or FaultKind.TerminateProcess), f => Assert.InRange(f.Duration, TimeSpan.FromSeconds(0.1), TimeSpan.FromSeconds(2)));
        Assert.All(lane.Where(f => f.Kind is FaultKind.McpFailover), f => Assert.True(f.Option is null or "backup-1", f.ToString()));
        for (var i = 1; i < lane.Length; i++)
        {
            Assert.True(lane[i].At >= lane[i - 1].At + lane[i - 1].Duration, $"{lane[i - 1]} overlaps {lane[i]}");
        }
    }

    private static bool IsProcessFault(FaultKind kind) => kind is FaultKind.KillProcess or FaultKind.TerminateProcess or FaultKind.McpFailover or FaultKind.McpRecovery;
}
