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
        var plan = FaultPlan.Create(7, phase, Members);

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
}
