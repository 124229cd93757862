using System.Diagnostics;
using CacheFailover.Drills.Chaos;
using CacheFailover.Engine;
using CacheFailover.Options;
using Xunit.Abstractions;

namespace CacheFailover.Drills.Tests;

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class LiveDrillsDefinition
{
    /// <summary>Live drills run in real time: alone, so that a busy machine does not stretch their timings.</summary>
    public const string Name = "Live failover drills";
}

/// <summary>Live drills on a real-time engine over in-memory services behind fault injectors, with options that keep each drill to about a second.</summary>
[Collection(LiveDrillsDefinition.Name)]
public sealed class FailoverDrillRunnerLiveTests(ITestOutputHelper output)
{
    [Fact]
    public async Task RunLiveAsync_PrimaryDown_FailsOverRecoversAndLeavesNothingBehind()
    {
        await using var live = new DrillTestEngine(DrillTestEngine.FastLiveOptions());
        live.Engine.Start();
        var runner = new FailoverDrillRunner(live.Engine);

        var report = await RunAsync(runner, DrillScenario.PrimaryDown);

        Assert.True(report.Passed, report.Summary);
        Assert.Equal("live", report.Mode);
        Assert.Contains(report.Timeline, e => e.Event.Contains("(connection_failure, epoch 1, automatic)", StringComparison.Ordinal));
        Assert.NotNull(report.DetectionMs);
        Assert.NotNull(report.FailoverMs);
        Assert.NotNull(report.RecoveryMs);
        Assert.Equal(0, report.StaleReads);
        Assert.True(report.Operations > 0);
        AssertLeftClean(live);
        Assert.Equal(FailoverStatus.Recovered, live.Engine.Status);
        Assert.Contains(live.Events, e => e.Kind == FailoverEventKind.Failover && e.Success && e.Trigger == FailoverTrigger.ConnectionFailure);
        Assert.Contains(live.Events, e => e.Kind == FailoverEventKind.Recovery && e.Success && e.IsAutomatic);
    }

    [Fact]
    public async Task RunLiveAsync_PrimaryTimeout_FailsOverOnTheDeadlineAndRecovers()
    {
        await using var live = new DrillTestEngine(DrillTestEngine.FastLiveOptions());
        live.Engine.Start();
        var runner = new FailoverDrillRunner(live.Engine);

        var report = await RunAsync(runner, DrillScenario.PrimaryTimeout);

        Assert.True(report.Passed, report.Summary);
        Assert.Contains(report.Timeline, e => e.Event.Contains("(timeout_exceeded, epoch 1", StringComparison.Ordinal) || e.Event.Contains("(health_check_failure, epoch 1", StringComparison.Ordinal));
        Assert.Equal(0, report.StaleReads);
        AssertLeftClean(live);
    }

    [Fact]
    public async Task RunLiveAsync_AllDown_FailsFastAndClearsEveryFault()
    {
        await using var live = new DrillTestEngine(DrillTestEngine.FastLiveOptions());
        live.Engine.Start();
        var runner = new FailoverDrillRunner(live.Engine);

        var report = await RunAsync(runner, DrillScenario.AllDown);

        Assert.True(report.Passed, report.Summary);
        Assert.True(report.ErrorsSeen > 0);
        Assert.Null(report.FailoverMs);
        AssertLeftClean(live);
        Assert.DoesNotContain(live.Events, e => e.Success);
    }

    [Fact]
    public async Task RunLiveAsync_RecoveryDelayBeyondTheCap_RecoversManuallyAndSaysSo()
    {
        await using var live = new DrillTestEngine(DrillTestEngine.FastLiveOptions() with { AutoRecoveryDelaySeconds = 300 });
        live.Engine.Start();
        var runner = new FailoverDrillRunner(live.Engine);

        var report = await RunAsync(runner, DrillScenario.PrimaryDown);

        Assert.True(report.Passed, report.Summary);
        Assert.Contains(report.Timeline, e => e.Event.StartsWith("manual recovery requested", StringComparison.Ordinal) && e.Event.Contains("cap", StringComparison.Ordinal));
        Assert.Contains(live.Events, e => e.Kind == FailoverEventKind.Recovery && e.Success && !e.IsAutomatic);
        AssertLeftClean(live);
    }

    [Fact]
    public async Task RunLiveAsync_BackendsWithoutFaultInjection_ThrowsAClearErrorAndChangesNothing()
    {
        await using var live = new DrillTestEngine(DrillTestEngine.FastLiveOptions(), faultInjection: false);
        var runner = new FailoverDrillRunner(live.Engine);

        var error = await Assert.ThrowsAsync<DrillRefusedException>(() => runner.RunLiveAsync(DrillScenario.PrimaryDown, null, CancellationToken.None));

        Assert.Contains("'primary'", error.Message, StringComparison.Ordinal);
        Assert.Contains("not a FaultInjectingBackend", error.Message, StringComparison.Ordinal);
        Assert.Contains("simulate", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, live.Engine.Epoch);
        Assert.Equal(0, live.Primary.Count);
    }

    [Fact]
    public async Task RunLiveAsync_PrimaryNotServing_Throws()
    {
        await using var live = new DrillTestEngine(DrillTestEngine.FastLiveOptions());
        await live.Engine.RunHealthChecksAsync();
        await live.Engine.TriggerManualFailoverAsync("operator test");
        var runner = new FailoverDrillRunner(live.Engine);

        var error = await Assert.ThrowsAsync<DrillRefusedException>(() => runner.RunLiveAsync(DrillScenario.PrimaryDown, null, CancellationToken.None));

        Assert.Contains("failed_over", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunLiveAsync_FaultAlreadyInjected_Throws()
    {
        await using var live = new DrillTestEngine(DrillTestEngine.FastLiveOptions());
        live.BackupFaults[1].AddLatency(TimeSpan.FromMilliseconds(5));
        var runner = new FailoverDrillRunner(live.Engine);

        var error = await Assert.ThrowsAsync<DrillRefusedException>(() => runner.RunLiveAsync(DrillScenario.PrimaryDown, null, CancellationToken.None));

        Assert.Contains("'backup-2'", error.Message, StringComparison.Ordinal);
        Assert.NotNull(live.BackupFaults[1].ActiveFault);
    }

    [Fact]
    public async Task RunLiveAsync_SecondDrillWhileOneRuns_Throws()
    {
        await using var live = new DrillTestEngine(DrillTestEngine.FastLiveOptions());
        live.Engine.Start();
        var runner = new FailoverDrillRunner(live.Engine);

        var first = runner.RunLiveAsync(DrillScenario.BackupDown, null, CancellationToken.None);
        var error = await Assert.ThrowsAsync<DrillRefusedException>(() => runner.RunLiveAsync(DrillScenario.PrimaryDown, null, CancellationToken.None));
        var report = await first;

        Assert.Contains("already running", error.Message, StringComparison.Ordinal);
        Assert.True(report.Passed, report.Summary);
        AssertLeftClean(live);
    }

    [Fact]
    public async Task RunLiveAsync_CancelledDuringTheFault_ClearsTheFaultRecoversAndRemovesDrillKeys()
    {
        await using var live = new DrillTestEngine(DrillTestEngine.FastLiveOptions() with { AutoRecoveryDelaySeconds = 300 });
        live.Engine.Start();
        var runner = new FailoverDrillRunner(live.Engine);
        using var cts = new CancellationTokenSource();
        var progress = new RecordingProgress(p =>
        {
            if (p.Step == 5)
            {
                cts.Cancel();
            }
        });

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => runner.RunLiveAsync(DrillScenario.PrimaryDown, progress, cts.Token));

        AssertLeftClean(live);
        Assert.Contains(live.Events, e => e.Kind == FailoverEventKind.Failover && e.Success);
    }

    private static void AssertLeftClean(DrillTestEngine live)
    {
        Assert.Null(live.PrimaryFaults.ActiveFault);
        Assert.All(live.BackupFaults, b => Assert.Null(b.ActiveFault));
        Assert.Equal("primary", live.Engine.ActiveServiceId);
        Assert.Equal(0, live.Primary.Count);
        Assert.All(live.Backups, b => Assert.Equal(0, b.Count));
    }

    private async Task<DrillReport> RunAsync(FailoverDrillRunner runner, DrillScenario scenario)
    {
        var watch = Stopwatch.StartNew();
        var report = await runner.RunLiveAsync(scenario, null, CancellationToken.None);
        DrillOutput.Write(output, report, watch.Elapsed);
        return report;
    }
}
