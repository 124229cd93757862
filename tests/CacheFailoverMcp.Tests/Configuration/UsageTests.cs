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

    public static TheoryData<string> HostFlags => [.. HostOptionCatalog.All.Select(o => o.Flag)];

    [Theory]
    [MemberData(nameof(HostFlags))]
    public void Text_EveryHostOption_ShowsItsVariableAllowedValuesAndDefault(string flag)
    {
        var option = HostOptionCatalog.Get(flag);
        var lines = Usage.Text.Split('\n');

        var at = Array.FindIndex(lines, l => l.StartsWith($"  {flag} ", StringComparison.Ordinal) || l == "  " + flag);

        Assert.True(at >= 0, $"--help does not list {flag}");
        Assert.EndsWith("env " + option.Environment, lines[at], StringComparison.Ordinal);
        Assert.Equal(option.TakesValue, lines[at].Contains($"{flag} <{option.ValueName}>", StringComparison.Ordinal));
        Assert.Contains($"default {option.DefaultText}.", lines[at + 1], StringComparison.OrdinalIgnoreCase);
        if (option.AllowedText is { } allowed)
        {
            Assert.Contains(allowed, lines[at + 1], StringComparison.OrdinalIgnoreCase);
        }
    }

    [Fact]
    public void Text_TransportAndAuditCapacity_ReadTheirChoicesAndRangeFromTheCatalog()
    {
        Assert.Contains(
            "  --transport <stdio|http>           env CACHEFAILOVER_TRANSPORT\n      stdio: JSON-RPC on stdin/stdout, logs on stderr; http: MCP Streamable HTTP at /mcp, Prometheus metrics at /metrics (same token as /mcp) and /healthz (no auth). One of stdio, http; default stdio.\n",
            Usage.Text,
            StringComparison.Ordinal);
        Assert.Contains("Mutating-tool calls kept in the in-memory audit trail. 1 to 100000; default 1000.\n", Usage.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Text_EveryFlagTheParserAccepts_IsListed()
    {
        // Whatever the parser takes without complaint must be in the help (and nothing in the help may be refused).
        foreach (var line in Usage.Text.Split('\n').Where(l => l.StartsWith("  --", StringComparison.Ordinal)))
        {
            var flag = line.Trim().Split(' ', ',')[0];
            var parsed = CommandLineShortcuts.Parse(flag.StartsWith("--help", StringComparison.Ordinal) || flag == "--version" || HostOptionCatalog.Find(flag) is { TakesValue: false }
                ? [flag]
                : [flag, "1"]);
            Assert.DoesNotContain(parsed.Problems, p => p.StartsWith("unknown option", StringComparison.Ordinal));
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
