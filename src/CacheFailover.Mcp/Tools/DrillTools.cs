using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using CacheFailover.Drills;
using CacheFailover.Mcp;
using CacheFailover.Mcp.Audit;
using CacheFailover.Mcp.Filters;
using CacheFailover.Mcp.Tools.Results;
using ModelContextProtocol;
using ModelContextProtocol.Server;

namespace CacheFailover.Mcp.Tools;

/// <summary>Failover drills: simulated on a sandbox, or live against the real primary path.</summary>
#pragma warning disable CA1707 // Identifiers should not contain underscores: parameter names are the tool's wire names.
#pragma warning disable IDE1006
[McpServerToolType]
public sealed class DrillTools(FailoverDrillRunner runner, DrillCoordinator coordinator)
{
    private const string Simulate = "simulate";
    private const string Live = "live";

    [McpServerTool(Name = "test_cache_failover_scenario", Title = "Run a failover drill",
        ReadOnly = false, Destructive = true, Idempotent = false, OpenWorld = false, UseStructuredContent = true)]
    [Description("Runs a failover drill and reports whether the engine behaved as its options promise: a timeline, detection, failover and recovery times, "
        + "operations, errors seen and stale reads. mode 'simulate' (default, always available) runs the scenario on a sandbox engine that mirrors this server's "
        + "services (same ids, number of backups and priorities) with the current options, in-memory caches and a virtual clock: instant, touches nothing live; "
        + "with no backup, a primary failure reports passed false because failover cannot work. mode 'live' (needs confirm: true, and a server started with "
        + "--allow-live-drills; refused otherwise) injects the fault into the live primary for a bounded time, lets the real engine fail over and recover, "
        + "then removes the fault; it needs the primary serving. Sends progress notifications while it runs.")]
    public async Task<DrillResult> TestCacheFailoverScenario(
        [Description("What goes wrong: primary_down, primary_timeout, primary_slow, primary_flapping, backup_down or all_down."), DrillScenarioNames] string scenario,
        [Description("simulate (default: sandbox mirroring this server, virtual clock, nothing live touched) or live (real fault on the live primary path; needs confirm: true and a server started with --allow-live-drills)."), AllowedValues(Simulate, Live)] string mode = Simulate,
        [Description("Must be true for mode live, which really fails over live traffic for a short time. Ignored by simulate.")] bool confirm = false,
        IProgress<ProgressNotificationValue>? progress = null,
        CancellationToken cancellationToken = default)
    {
        var problems = new List<string>();
        mode = mode.Trim().ToLowerInvariant();
        var known = DrillScenarios.TryParse(scenario, out var parsed);
        if (!known)
        {
            problems.Add($"scenario '{scenario}' is not a drill; allowed: {string.Join(", ", Enum.GetValues<DrillScenario>().Select(s => s.ToWireName()))}");
        }

        if (mode is not (Simulate or Live))
        {
            problems.Add($"mode '{mode}' is not a mode; allowed: {Simulate}, {Live}");
        }

        if (problems.Count > 0)
        {
            throw new ToolArgumentException(string.Join("; ", problems) + ".");
        }

        IProgress<DrillProgress>? drillProgress = ProgressRelay.For(progress);

        if (mode == Simulate)
        {
            return ToResult(await runner.SimulateAsync(parsed, drillProgress, cancellationToken));
        }

        if (!coordinator.LiveDrillsAllowed)
        {
            throw new ToolRefusedException($"live drills are not allowed on this server (its caches are not wrapped for fault injection, so nothing can be injected); to allow them, {coordinator.HowToAllow}; mode simulate always works");
        }

        if (!confirm)
        {
            throw new ToolRefusedException($"mode live injects a real {parsed.ToWireName()} fault into the live cache path and fails over live traffic; call again with confirm: true to run it, or use mode simulate");
        }

        using var lease = coordinator.TryBeginLiveDrill()
            ?? throw new ToolRefusedException("a live drill is already running; wait for it to finish");
        try
        {
            return ToResult(await runner.RunLiveAsync(parsed, drillProgress, cancellationToken));
        }
        catch (DrillRefusedException refused)
        {
            // The drill checked the engine before injecting anything: a refusal the client must read, not an internal error.
            throw new ToolRefusedException(refused.Message, refused);
        }
    }

    private static DrillResult ToResult(DrillReport report) => new(
        report.Scenario,
        report.Mode,
        report.Passed,
        [.. report.Timeline.Select(t => new DrillTimelineItem(ResultMapper.Round(t.TMs), t.Event))],
        ResultMapper.Round(report.DetectionMs),
        ResultMapper.Round(report.FailoverMs),
        ResultMapper.Round(report.RecoveryMs),
        report.Operations,
        report.ErrorsSeen,
        report.StaleReads,
        report.Expected,
        report.Summary);
}
