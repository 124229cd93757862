using CacheFailover.Backends;
using CacheFailover.Engine;
using CacheFailover.Services;
using Xunit.Abstractions;

namespace CacheFailover.Drills.Tests;

/// <summary>Simulations run on a sandbox that mirrors the live engine's services, never on an imagined "primary and two backups".</summary>
public sealed class SandboxTopologyTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(DrillScenario.PrimaryDown)]
    [InlineData(DrillScenario.PrimaryTimeout)]
    [InlineData(DrillScenario.PrimarySlow)]
    [InlineData(DrillScenario.PrimaryFlapping)]
    public async Task SimulateAsync_NoBackup_FailsSayingFailoverCannotWork(DrillScenario scenario)
    {
        await using var live = new DrillTestEngine(backups: 0);
        var runner = new FailoverDrillRunner(live.Engine);

        var report = await runner.SimulateAsync(scenario, null, CancellationToken.None);
        DrillOutput.Write(output, report);

        Assert.False(report.Passed, report.Summary);
        Assert.Contains("no backup, so failover cannot work", report.Summary, StringComparison.Ordinal);
        Assert.Contains("there is no backup to fail over to", report.Expected, StringComparison.Ordinal);
        Assert.Null(report.DetectionMs);
        Assert.Null(report.FailoverMs);
        Assert.Contains(report.Timeline, e => e.Event.StartsWith("sandbox: primary 'primary' and no backup", StringComparison.Ordinal));
        Assert.DoesNotContain(report.Timeline, e => e.Event.StartsWith("failover '", StringComparison.Ordinal));
    }

    [Fact]
    public async Task SimulateAsync_NoBackupPrimaryDown_OperationsFailWhileTheFaultLasts()
    {
        await using var live = new DrillTestEngine(backups: 0);
        var runner = new FailoverDrillRunner(live.Engine);

        var report = await runner.SimulateAsync(DrillScenario.PrimaryDown, null, CancellationToken.None);

        Assert.True(report.ErrorsSeen > 0);
        Assert.NotNull(report.RecoveryMs);
        Assert.Equal(0, report.StaleReads);
    }

    [Fact]
    public async Task SimulateAsync_NoBackupBackupDown_FailsWithNothingToTakeDown()
    {
        await using var live = new DrillTestEngine(backups: 0);
        var runner = new FailoverDrillRunner(live.Engine);

        var report = await runner.SimulateAsync(DrillScenario.BackupDown, null, CancellationToken.None);
        DrillOutput.Write(output, report);

        Assert.False(report.Passed, report.Summary);
        Assert.Contains("backup_down needs a backup, and the engine has none", report.Summary, StringComparison.Ordinal);
        Assert.Contains("there is no backup to take down", report.Expected, StringComparison.Ordinal);
        Assert.Equal(0, report.ErrorsSeen);
        Assert.Contains(report.Timeline, e => e.Event == "no fault injected: the engine has no backup");
    }

    [Fact]
    public async Task SimulateAsync_NoBackupAllDown_StillPassesWithFastErrors()
    {
        await using var live = new DrillTestEngine(backups: 0);
        var runner = new FailoverDrillRunner(live.Engine);

        var report = await runner.SimulateAsync(DrillScenario.AllDown, null, CancellationToken.None);
        DrillOutput.Write(output, report);

        Assert.True(report.Passed, report.Summary);
        Assert.True(report.ErrorsSeen > 0);
        Assert.NotNull(report.RecoveryMs);
    }

    [Fact]
    public async Task SimulateAsync_LiveServiceIdsAndPriorities_SandboxMirrorsThemAndFailsOverToTheBestBackup()
    {
        await using var engine = new FailoverEngine(
            new CacheServiceRegistration("main", new InMemoryCacheBackend("main")),
            [
                new CacheServiceRegistration("far", new InMemoryCacheBackend("far"), 20),
                new CacheServiceRegistration("near", new InMemoryCacheBackend("near"), 5),
            ]);
        var runner = new FailoverDrillRunner(engine);

        var report = await runner.SimulateAsync(DrillScenario.PrimaryDown, null, CancellationToken.None);
        DrillOutput.Write(output, report);

        Assert.True(report.Passed, report.Summary);
        Assert.Contains(report.Timeline, e => e.Event.StartsWith("sandbox: primary 'main' and 2 backup(s) 'near' (priority 5), 'far' (priority 20)", StringComparison.Ordinal));
        Assert.Contains(report.Timeline, e => e.Event.StartsWith("failover 'main' -> 'near' (connection_failure", StringComparison.Ordinal));
    }

    [Fact]
    public async Task SimulateAsync_BackupDownWithPriorities_TakesDownTheBestBackup()
    {
        await using var engine = new FailoverEngine(
            new CacheServiceRegistration("main", new InMemoryCacheBackend("main")),
            [
                new CacheServiceRegistration("far", new InMemoryCacheBackend("far"), 20),
                new CacheServiceRegistration("near", new InMemoryCacheBackend("near"), 5),
            ]);
        var runner = new FailoverDrillRunner(engine);

        var report = await runner.SimulateAsync(DrillScenario.BackupDown, null, CancellationToken.None);

        Assert.True(report.Passed, report.Summary);
        Assert.Contains(report.Timeline, e => e.Event.Contains("'near' is unhealthy, 'main' serves", StringComparison.Ordinal));
    }

    [Fact]
    public async Task SimulateAsync_LiveEngineFailedOver_StartsFromThePrimaryServingAndSaysSo()
    {
        await using var live = new DrillTestEngine(DrillTestEngine.FastLiveOptions());
        await live.Engine.RunHealthChecksAsync();
        await live.Engine.TriggerManualFailoverAsync("operator test");
        var runner = new FailoverDrillRunner(live.Engine);

        var report = await runner.SimulateAsync(DrillScenario.PrimaryDown, null, CancellationToken.None);
        DrillOutput.Write(output, report);

        Assert.True(report.Passed, report.Summary);
        Assert.Contains(report.Timeline, e => e.Event.StartsWith("the live engine is failed_over now ('backup-1' serves)", StringComparison.Ordinal));
        Assert.Equal(FailoverStatus.FailedOver, live.Engine.Status);
        Assert.Equal("backup-1", live.Engine.ActiveServiceId);
    }
}
