using CacheFailover.Nemesis.Checking;
using CacheFailover.Nemesis.Faults;
using CacheFailover.Nemesis.History;

namespace CacheFailover.Nemesis.Tests;

public sealed class AvailabilityAnalyzerTests
{
    [Fact]
    public void Analyze_FaultWindow_LongestGapWithoutSuccessAndFailuresCounted()
    {
        var h = new HistoryBuilder();
        h.Read("k", null, 0, 1_000);
        h.Write("k", "v1", 1_000, 2_000);
        h.Write("k", "v2", 2_000, 9_000, Outcome.Unknown);
        h.Delete("k", 2_000, 9_500, Outcome.Failed);
        h.Read("k", null, 9_000, 10_000);
        h.Read("k", null, 10_000, 11_000);
        var fault = new InjectedFault(new ScheduledFault(TimeSpan.Zero, FaultKind.Freeze, "primary", TimeSpan.FromMilliseconds(8), null), 1_500, 9_600, "frozen, resumed");

        var result = AvailabilityAnalyzer.Analyze(h.Entries, [fault], grace: TimeSpan.Zero);

        var window = Assert.Single(result.PerFault);
        Assert.Equal(TimeSpan.FromMicroseconds(7_600), window.LongestGap); // the last success at 2_000 → the window's end at 9_600
        Assert.Equal(2, window.Failures);
        Assert.Equal(TimeSpan.FromMicroseconds(8_000), result.LongestGap); // 2_000 → 10_000 over the whole run
        Assert.Equal(2, result.FailuresByKind["test"]);
    }

    [Fact]
    public void Analyze_FaultWindowWithNoSuccessAtAll_GapIsTheWholeWindow()
    {
        var h = new HistoryBuilder();
        h.Read("k", null, 0, 100);
        h.Read("k", null, 5_000, 6_000);
        var fault = new InjectedFault(new ScheduledFault(TimeSpan.Zero, FaultKind.KillRestart, "primary", TimeSpan.FromMilliseconds(3), null), 1_000, 4_000, "killed, restarted empty");

        var result = AvailabilityAnalyzer.Analyze(h.Entries, [fault], grace: TimeSpan.FromMicroseconds(500));

        Assert.Equal(TimeSpan.FromMicroseconds(3_500), Assert.Single(result.PerFault).LongestGap);
        Assert.Empty(result.FailuresByKind);
    }
}
