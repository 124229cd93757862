using System.Diagnostics;
using System.Diagnostics.Metrics;
using CacheFailover.Engine;
using CacheFailover.Options;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Time.Testing;
using Xunit.Abstractions;

namespace CacheFailover.Drills.Tests;

/// <summary>Simulated drills: the live engine's options on a sandbox engine and a virtual clock.</summary>
public sealed class FailoverDrillRunnerSimulateTests(ITestOutputHelper output)
{
    [Fact]
    public async Task SimulateAsync_PrimaryDownDefaultOptions_FailsOverAtOnceAndRecoversAfterTheHoldDown()
    {
        var report = await SimulateAsync(DrillScenario.PrimaryDown);

        Assert.True(report.Passed, report.Summary);
        Assert.Equal("primary_down", report.Scenario);
        Assert.Equal("simulate", report.Mode);
        Assert.Contains(report.Timeline, e => e.Event.Contains("(connection_failure, epoch 1, automatic)", StringComparison.Ordinal));
        Assert.InRange(report.DetectionMs!.Value, 0, 200);
        Assert.InRange(report.FailoverMs!.Value, 0, 200);
        Assert.InRange(report.RecoveryMs!.Value, 300_000, 331_000);
        Assert.Equal(0, report.StaleReads);
        Assert.Equal(0, report.ErrorsSeen);
        Assert.True(report.Operations > 500, $"{report.Operations} operations");
        Assert.Contains("fails over at once", report.Expected, StringComparison.Ordinal);
        Assert.Contains("300 s hold-down", report.Expected, StringComparison.Ordinal);
        Assert.Contains(report.Timeline, e => e.Event.StartsWith("reconciled ", StringComparison.Ordinal) && !e.Event.StartsWith("reconciled 0 ", StringComparison.Ordinal));
        AssertTimelineInOrder(report);
    }

    [Fact]
    public async Task SimulateAsync_PrimaryTimeoutDefaultOptions_FailsOverWhenAnOperationOverrunsTheDeadline()
    {
        var report = await SimulateAsync(DrillScenario.PrimaryTimeout);

        Assert.True(report.Passed, report.Summary);
        Assert.Contains(report.Timeline, e => e.Event.Contains("(timeout_exceeded, epoch 1, automatic)", StringComparison.Ordinal));
        Assert.InRange(report.DetectionMs!.Value, 5000, 5520); // timeout_threshold_ms, and at most one deadline slot (1/16) more
        Assert.InRange(report.FailoverMs!.Value, 5000, 5620);
        Assert.InRange(report.RecoveryMs!.Value, 295_000, 331_000);
        Assert.Equal(0, report.StaleReads);
    }

    [Fact]
    public async Task SimulateAsync_PrimarySlowDefaultOptions_FailsOverForPerformanceDegradationWithoutStaleReads()
    {
        var report = await SimulateAsync(DrillScenario.PrimarySlow);

        Assert.Contains(report.Timeline, e => e.Event.Contains("(performance_degradation, epoch 1, automatic)", StringComparison.Ordinal));
        Assert.InRange(report.DetectionMs!.Value, 550, 1200); // a few slow samples, then degradation_sustain_ms = 500
        Assert.NotNull(report.FailoverMs);
        Assert.InRange(report.RecoveryMs!.Value, 295_000, 331_000);
        Assert.Equal(0, report.StaleReads);
        Assert.Equal(0, report.ErrorsSeen);
    }

    [Fact]
    public async Task SimulateAsync_PrimarySlowDefaultOptions_PassesWithNoRelapseAfterRecovery()
    {
        var report = await SimulateAsync(DrillScenario.PrimarySlow);

        Assert.True(report.Passed, report.Summary);
        Assert.Single(report.Timeline, e => e.Event.StartsWith("failover '", StringComparison.Ordinal));
    }

    [Fact]
    public async Task SimulateAsync_HungOperationsCompletingSlowlyAfterTheFailover_NoRelapseAfterRecovery()
    {
        // Hung calls released by the clear complete on the old primary with seconds of latency; the
        // recovered primary must be judged on fresh samples, not on those.
        var options = new FailoverOptions
        {
            FailureThreshold = 1,
            HealthCheckIntervalSeconds = 2,
            HealthCheckTimeoutSeconds = 1,
            TimeoutThresholdMs = 60000,
        };

        var report = await SimulateAsync(DrillScenario.PrimaryTimeout, options);

        Assert.True(report.Passed, report.Summary);
    }

    [Fact]
    public async Task SimulateAsync_PrimaryFlappingDefaultOptions_FailsOverAndIsNotSwitchedBackWhileItFlaps()
    {
        var report = await SimulateAsync(DrillScenario.PrimaryFlapping);

        Assert.True(report.Passed, report.Summary);
        Assert.InRange(report.DetectionMs!.Value, 45_000, 45_200);
        var cleared = report.Timeline.First(e => e.Event.StartsWith("fault cleared", StringComparison.Ordinal)).TMs;
        var recoveries = report.Timeline.Where(e => e.Event.StartsWith("recovery '", StringComparison.Ordinal)).ToList();
        var recovery = Assert.Single(recoveries);
        Assert.True(recovery.TMs > cleared, "the only recovery comes after the flapping stopped");
        Assert.InRange(report.RecoveryMs!.Value, 4 * 30_000, 331_000);
        Assert.Equal(0, report.StaleReads);
    }

    [Fact]
    public async Task SimulateAsync_BackupDownDefaultOptions_NoFailoverAndNoErrors()
    {
        var report = await SimulateAsync(DrillScenario.BackupDown);

        Assert.True(report.Passed, report.Summary);
        Assert.Null(report.DetectionMs);
        Assert.Null(report.FailoverMs);
        Assert.Null(report.RecoveryMs);
        Assert.Equal(0, report.ErrorsSeen);
        Assert.Equal(0, report.StaleReads);
        Assert.DoesNotContain(report.Timeline, e => e.Event.StartsWith("failover '", StringComparison.Ordinal));
        Assert.Contains(report.Timeline, e => e.Event.Contains("'backup-1' is unhealthy, 'primary' serves", StringComparison.Ordinal));
    }

    [Fact]
    public async Task SimulateAsync_AllDownDefaultOptions_FailsFastWithClearErrorsAndNoSwitch()
    {
        var report = await SimulateAsync(DrillScenario.AllDown);

        Assert.True(report.Passed, report.Summary);
        Assert.True(report.ErrorsSeen > 0);
        Assert.Null(report.DetectionMs);
        Assert.Null(report.FailoverMs);
        Assert.InRange(report.RecoveryMs!.Value, 0, 1000);
        Assert.Equal(0, report.StaleReads);
        Assert.DoesNotContain(report.Timeline, e => e.Event.StartsWith("failover '", StringComparison.Ordinal));
        Assert.Contains(report.Timeline, e => e.Event.StartsWith("first error:", StringComparison.Ordinal) && e.Event.Contains("no healthy candidate", StringComparison.Ordinal));
    }

    [Fact]
    public async Task SimulateAsync_EveryScenarioDefaultOptions_FinishesWellUnderASecondOfRealTime()
    {
        await using var live = new DrillTestEngine();
        var runner = new FailoverDrillRunner(live.Engine);
        await runner.SimulateAsync(DrillScenario.PrimaryDown, null, CancellationToken.None); // JIT warm-up

        foreach (var scenario in Enum.GetValues<DrillScenario>())
        {
            var watch = Stopwatch.StartNew();
            var report = await runner.SimulateAsync(scenario, null, CancellationToken.None);
            watch.Stop();
            output.WriteLine($"{report.Scenario}: {watch.Elapsed.TotalMilliseconds:0} ms real, timeline ends at {report.Timeline[^1].TMs / 1000:0} virtual s");
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(1), $"{report.Scenario} took {watch.Elapsed.TotalMilliseconds:0} ms");
        }
    }

    [Fact]
    public async Task SimulateAsync_RecoveryDelayOf10Seconds_RecoversAbout10SecondsAfterTheClear()
    {
        var options = new FailoverOptions
        {
            AutoRecoveryDelaySeconds = 10,
            HealthCheckIntervalSeconds = 1,
            HealthCheckTimeoutSeconds = 0.5,
            RecoveryThreshold = 2,
        };

        var report = await SimulateAsync(DrillScenario.PrimaryDown, options);

        Assert.True(report.Passed, report.Summary);
        Assert.InRange(report.RecoveryMs!.Value, 9_000, 12_000);
        Assert.Contains("10 s hold-down", report.Expected, StringComparison.Ordinal);
        Assert.Contains("2 consecutive successful probes every 1 s", report.Expected, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SimulateAsync_AutoRecoveryDisabled_SaysSoAndRecoversManuallyAtTheEnd()
    {
        var report = await SimulateAsync(DrillScenario.PrimaryDown, new FailoverOptions { AutoRecoveryEnabled = false });

        Assert.True(report.Passed, report.Summary);
        Assert.Contains("auto_recovery_enabled is false", report.Expected, StringComparison.Ordinal);
        Assert.Contains(report.Timeline, e => e.Event.StartsWith("manual recovery requested: auto_recovery_enabled is false", StringComparison.Ordinal));
        Assert.Contains(report.Timeline, e => e.Event.Contains("(manual, epoch 2)", StringComparison.Ordinal));
        Assert.Contains("manual recovery", report.Summary, StringComparison.Ordinal);
        Assert.NotNull(report.RecoveryMs);
    }

    [Fact]
    public async Task SimulateAsync_RecoveryDelayBeyondTheCap_RecoversManuallyAndSaysWhy()
    {
        var report = await SimulateAsync(DrillScenario.PrimaryDown, new FailoverOptions { AutoRecoveryDelaySeconds = 86400 });

        Assert.True(report.Passed, report.Summary);
        Assert.Contains("beyond this drill's", report.Expected, StringComparison.Ordinal);
        Assert.Contains(report.Timeline, e => e.Event.StartsWith("manual recovery requested", StringComparison.Ordinal));
    }

    [Fact]
    public async Task SimulateAsync_FailoverDisabled_NothingSwitchesAndOperationsFail()
    {
        var report = await SimulateAsync(DrillScenario.PrimaryDown, new FailoverOptions { EnableFailover = false });

        Assert.True(report.Passed, report.Summary);
        Assert.Contains("enable_failover is false", report.Expected, StringComparison.Ordinal);
        Assert.Null(report.DetectionMs);
        Assert.True(report.ErrorsSeen > 0);
        Assert.NotNull(report.RecoveryMs);
    }

    [Fact]
    public async Task SimulateAsync_ProbesFasterThanTheDeadline_FailsOverOnHealthChecks()
    {
        var options = new FailoverOptions
        {
            FailureThreshold = 1,
            HealthCheckIntervalSeconds = 2,
            HealthCheckTimeoutSeconds = 1,
            TimeoutThresholdMs = 60000,
        };

        var report = await SimulateAsync(DrillScenario.PrimaryTimeout, options);

        Assert.Contains(report.Timeline, e => e.Event.Contains("(health_check_failure, epoch 1, automatic)", StringComparison.Ordinal));
        Assert.InRange(report.DetectionMs!.Value, 1000, 3100);
        Assert.Contains("health_check_failure", report.Expected, StringComparison.Ordinal);
        Assert.Equal(0, report.StaleReads);
    }

    [Fact]
    public async Task SimulateAsync_SameScenarioTwice_GivesTheSameFigures()
    {
        var first = await SimulateAsync(DrillScenario.PrimaryDown);
        var second = await SimulateAsync(DrillScenario.PrimaryDown);

        Assert.Equal(first.DetectionMs, second.DetectionMs);
        Assert.Equal(first.FailoverMs, second.FailoverMs);
        Assert.Equal(first.RecoveryMs, second.RecoveryMs);
        Assert.Equal(first.Operations, second.Operations);
    }

    [Fact]
    public async Task SimulateAsync_AnyScenario_LeavesTheLiveEngineUntouched()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 5, 1, 8, 0, 0, TimeSpan.Zero));
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var meters = services.GetRequiredService<IMeterFactory>();
        await using var live = new DrillTestEngine(time: time, meters: meters);
        await live.Engine.SetAsync("app:key", new byte[] { 1, 2, 3 });
        await live.Engine.RunHealthChecksAsync();
        var before = live.Engine.GetStatus();
        using var failovers = new MetricCollector<long>(meters, "CacheFailover", "cachefailover.failovers");
        using var operations = new MetricCollector<long>(meters, "CacheFailover", "cachefailover.operations");
        var sandboxFailovers = 0;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "CacheFailover.Drills.Sandbox" && instrument.Name == "cachefailover.failovers")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, _, _, _) => Interlocked.Increment(ref sandboxFailovers));
        listener.Start();
        var operationsBefore = operations.GetMeasurementSnapshot().Count;
        var runner = new FailoverDrillRunner(live.Engine);

        foreach (var scenario in Enum.GetValues<DrillScenario>())
        {
            await runner.SimulateAsync(scenario, null, CancellationToken.None);
        }

        var after = live.Engine.GetStatus();
        Assert.Equal(before.Status, after.Status);
        Assert.Equal(before.Epoch, after.Epoch);
        Assert.Equal("primary", after.ActiveServiceId);
        Assert.Empty(live.Events);
        Assert.Empty(live.Engine.GetEvents());
        Assert.Equal(before.Journal, after.Journal);
        Assert.Null(live.PrimaryFaults.ActiveFault);
        Assert.All(live.BackupFaults, b => Assert.Null(b.ActiveFault));
        Assert.Equal(
            before.Services.Select(s => (s.ServiceId, s.Health, s.ConsecutiveFailures, s.ConsecutiveSuccesses)),
            after.Services.Select(s => (s.ServiceId, s.Health, s.ConsecutiveFailures, s.ConsecutiveSuccesses)));
        Assert.Equal(1, live.Primary.Count);
        Assert.All(live.Backups, b => Assert.Equal(0, b.Count));
        Assert.Equal(before.StatusSince, after.StatusSince);
        Assert.Empty(failovers.GetMeasurementSnapshot());
        Assert.Equal(operationsBefore, operations.GetMeasurementSnapshot().Count);
        Assert.True(Volatile.Read(ref sandboxFailovers) > 0, "the sandbox's failovers are counted under its own meter name");
    }

    [Fact]
    public async Task SimulateAsync_WithProgress_ReportsEveryPhaseInOrder()
    {
        await using var live = new DrillTestEngine();
        var runner = new FailoverDrillRunner(live.Engine);
        var progress = new RecordingProgress();

        await runner.SimulateAsync(DrillScenario.PrimaryDown, progress, CancellationToken.None);

        Assert.Equal([1, 2, 3, 4, 5, 6, 7], progress.Items.Select(p => p.Step));
        Assert.All(progress.Items, p => Assert.Equal(7, p.TotalSteps));
        Assert.All(progress.Items, p => Assert.False(string.IsNullOrWhiteSpace(p.Message)));
    }

    [Fact]
    public async Task SimulateAsync_CancelledToken_Throws()
    {
        await using var live = new DrillTestEngine();
        var runner = new FailoverDrillRunner(live.Engine);
        using var cts = new CancellationTokenSource();
        cts.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => runner.SimulateAsync(DrillScenario.PrimaryDown, null, cts.Token));
    }

    [Fact]
    public async Task SimulateAsync_CancelledWhileRunning_Throws()
    {
        await using var live = new DrillTestEngine();
        var runner = new FailoverDrillRunner(live.Engine);
        using var cts = new CancellationTokenSource();
        var progress = new RecordingProgress(p =>
        {
            if (p.Step == 4)
            {
                cts.Cancel();
            }
        });

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => runner.SimulateAsync(DrillScenario.PrimaryDown, progress, cts.Token));
    }

    [Fact]
    public async Task SimulateAsync_UndefinedScenario_ThrowsArgumentOutOfRange()
    {
        await using var live = new DrillTestEngine();
        var runner = new FailoverDrillRunner(live.Engine);

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => runner.SimulateAsync((DrillScenario)42, null, CancellationToken.None));
    }

    private async Task<DrillReport> SimulateAsync(DrillScenario scenario, FailoverOptions? options = null)
    {
        await using var live = new DrillTestEngine(options);
        var runner = new FailoverDrillRunner(live.Engine);
        var watch = Stopwatch.StartNew();
        var report = await runner.SimulateAsync(scenario, null, CancellationToken.None);
        DrillOutput.Write(output, report, watch.Elapsed);
        return report;
    }

    private static void AssertTimelineInOrder(DrillReport report)
    {
        for (var i = 1; i < report.Timeline.Count; i++)
        {
            Assert.True(report.Timeline[i].TMs >= report.Timeline[i - 1].TMs, $"timeline out of order at {i}");
        }
    }
}

/// <summary>Records progress synchronously, in order (Progress&lt;T&gt; would post to the thread pool).</summary>
internal sealed class RecordingProgress(Action<DrillProgress>? onReport = null) : IProgress<DrillProgress>
{
    private readonly Lock _lock = new();
    private readonly List<DrillProgress> _items = [];

    public IReadOnlyList<DrillProgress> Items
    {
        get
        {
            lock (_lock)
            {
                return [.. _items];
            }
        }
    }

    public void Report(DrillProgress value)
    {
        lock (_lock)
        {
            _items.Add(value);
        }

        onReport?.Invoke(value);
    }
}
