using CacheFailover.Options;
using CacheFailoverMcp.Configuration;

namespace CacheFailoverMcp.Tests.Configuration;

public sealed class UsageTests
{
    public static TheoryData<string> Names => [.. FailoverOptionCatalog.All.Select(d => d.Name)];

    [Theory]
    [MemberData(nameof(Names))]
    public void Text_EveryFailoverOption_ShowsItsTypeRangeDefaultAndWhetherStartupOnly(string name)
    {
        var descriptor = FailoverOptionCatalog.Get(name);
        var lines = Usage.Text.Split('\n');

        var at = Array.FindIndex(lines, l => l.StartsWith($"  --{name} <", StringComparison.Ordinal));

        Assert.True(at >= 0, $"--help does not list --{name}");
        Assert.Equal(!descriptor.RuntimeChangeable, lines[at].EndsWith("  (start-up only)", StringComparison.Ordinal));
        Assert.Contains($"default {descriptor.DefaultText}.", lines[at + 1], StringComparison.OrdinalIgnoreCase);
        if (descriptor.RangeText is { } range)
        {
            Assert.Contains(range, lines[at + 1], StringComparison.OrdinalIgnoreCase);
        }
    }

    [Fact]
    public void Text_StartupOnlyOptions_AreExactlyTheTwoThatSizeServiceState()
    {
        var marked = Usage.Text.Split('\n').Where(l => l.StartsWith("  --", StringComparison.Ordinal) && l.EndsWith("(start-up only)", StringComparison.Ordinal));

        Assert.Equal(["  --health_window_size <integer>  (start-up only)", "  --degradation_minimum_samples <integer>  (start-up only)"], marked);
        Assert.Contains(
            "  --failure_threshold <integer>\n      Consecutive failures (probes or operations) that make a service unhealthy. 1 to 100; default 3.\n",
            Usage.Text,
            StringComparison.Ordinal);
    }
}
