using CacheFailover.Backends;
using CacheFailover.Drills.Chaos;
using CacheFailover.Engine;
using CacheFailover.Health;
using CacheFailover.Options;
using CacheFailover.Services;
using Moq;
using static CacheFailover.Core.Tests.Engine.EngineHarness;

namespace CacheFailover.Core.Tests.Engine;

/// <summary>Behaviour a user hit, fixed with the engine's rebuild (issue: the engine, rebuilt).</summary>
public class EngineRebuildBehaviourTests
{
    /// <summary>A backend whose PING answers but whose writes are refused (a database that does not exist, a user without the rights).</summary>
    private static ICacheBackend AnswersButCannotStore(string endpoint)
    {
        var backend = new Mock<ICacheBackend>();
        backend.SetupGet(b => b.Endpoint).Returns(endpoint);
        backend.Setup(b => b.PingAsync(It.IsAny<CancellationToken>())).Returns(new ValueTask<TimeSpan>(TimeSpan.FromMilliseconds(1)));
        backend.Setup(b => b.SetAsync(It.IsAny<string>(), It.IsAny<ReadOnlyMemory<byte>>(), It.IsAny<TimeSpan?>(), It.IsAny<CancellationToken>()))
            .Returns(() => ValueTask.FromException(new CacheBackendException(CacheFailureKind.Server, OperationOutcome.NotApplied, $"{endpoint}: ERR DB index is out of range")));
        backend.Setup(b => b.DisposeAsync()).Returns(() => ValueTask.CompletedTask);
        return backend.Object;
    }

    /// <summary>The primary refuses connections (an automatic failover), comes back, and the engine recovers to it once the hold-down of <paramref name="holdDown"/> is over.</summary>
    private static async Task IncidentAndAutomaticRecoveryAsync(EngineHarness h, TimeSpan holdDown)
    {
        h.Primary.Faults.RefuseConnections();
        h.Primary.Faults.Clear();
        h.Time.Advance(holdDown);
        await h.ProbeRoundsAsync(h.Options.RecoveryThreshold);
        Assert.Equal(FailoverStatus.Recovered, h.Engine.Status);
    }

    [Fact]
    public async Task RegisterService_AnswersPingButCannotStore_IsRefusedAndNothingAdded()
    {
        await using var h = new EngineHarness();

        var refused = await Assert.ThrowsAsync<FailoverRefusedException>(() => h.Engine.RegisterServiceAsync(new("db99", AnswersButCannotStore("redis://h:6379/99"))));

        Assert.Contains("cannot serve", refused.Message, StringComparison.Ordinal);
        Assert.Contains("DB index is out of range", refused.Message, StringComparison.Ordinal);
        Assert.Equal(["primary", "backup1"], h.Engine.GetStatus().Services.Select(s => s.ServiceId));
    }

    [Fact]
    public async Task ManualFailover_ToABackupThatCannotStore_IsRefusedAndThePrimaryKeepsServing()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider();
        await using var engine = new FailoverEngine(
            new CacheServiceRegistration("primary", new InMemoryCacheBackend("primary", time)),
            [new CacheServiceRegistration("db99", AnswersButCannotStore("redis://h:6379/99"))],
            FastOptions(),
            time);

        var failover = await engine.TriggerManualFailoverAsync("maintenance", "db99");

        Assert.False(failover.Success);
        Assert.Contains("cannot store a value", failover.Error, StringComparison.Ordinal);
        Assert.Equal("primary", engine.ActiveServiceId);
        Assert.Equal(0, engine.Epoch);
    }

    [Fact]
    public async Task ManualFailover_OnlyBackupServesAndIsDead_SaysItIsTheOnlyBackup()
    {
        await using var h = new EngineHarness();
        h.Primary.Faults.RefuseConnections();
        Assert.Equal("backup1", h.Engine.ActiveServiceId);
        h.Backup1.Faults.RefuseConnections();

        var refused = await Assert.ThrowsAsync<FailoverRefusedException>(() => h.Engine.TriggerManualFailoverAsync("help"));

        Assert.Contains("'backup1' is the only backup and it already serves", refused.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("register one", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Constructor_BackupOnThePrimarysEndpoint_IsRefusedNamingBoth()
    {
        var ex = Assert.Throws<ArgumentException>(() => new FailoverEngine(
            new CacheServiceRegistration("primary", new InMemoryCacheBackend("same")),
            [new CacheServiceRegistration("backup", new InMemoryCacheBackend("same"))]));

        Assert.Contains("'backup' at memory://same is the same endpoint as 'primary'", ex.Message, StringComparison.Ordinal);
        await Task.CompletedTask;
    }

    [Fact]
    public async Task RegisterService_SameEndpointAsTheBackup_IsRefused()
    {
        await using var h = new EngineHarness();

        var refused = await Assert.ThrowsAsync<FailoverRefusedException>(() => h.Engine.RegisterServiceAsync(new("again", new InMemoryCacheBackend("backup1", h.Time))));

        Assert.Contains("same endpoint as the registered service 'backup1'", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Status_ProbesFailOnAServiceWithoutOperations_SuccessRateIsNotOne()
    {
        await using var h = new EngineHarness();
        h.Backup1.Faults.FailEveryNth(1, CacheFailureKind.Server);
        await h.ProbeRoundsAsync(3);

        var backup = h.Engine.GetStatus().Services.Single(s => s.ServiceId == "backup1");

        Assert.Equal(ServiceHealth.Unhealthy, backup.Health);
        Assert.Null(backup.SuccessRate);
        Assert.Equal(0, backup.ProbeSuccessRate);
        Assert.Equal(3, backup.ConsecutiveProbeFailures);
        Assert.Equal(h.Time.GetUtcNow(), backup.LastErrorAt);
    }

    [Fact]
    public async Task HoldDown_PlannedFailoverAndRecovery_DoNotDoubleTheNextAutomaticHoldDown()
    {
        await using var h = new EngineHarness(FastOptions() with { AutoRecoveryDelaySeconds = 60 });

        // An automatic incident and its automatic recovery...
        await IncidentAndAutomaticRecoveryAsync(h, TimeSpan.FromSeconds(60));

        // ...then planned maintenance: a manual failover and a manual recovery soon after...
        Assert.True((await h.Engine.TriggerManualFailoverAsync("patching")).Success);
        Assert.True((await h.Engine.TriggerManualRecoveryAsync("patched")).Success);

        // ...then a real failure: the hold-down is the plain delay, not doubled.
        h.Primary.Faults.RefuseConnections();
        var status = h.Engine.GetStatus();
        Assert.Equal(h.Time.GetUtcNow() + TimeSpan.FromSeconds(60), status.PrimaryHeldDownUntil);
        Assert.StartsWith("auto_recovery_delay_seconds = 60 after the failover", status.HoldDownReason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HoldDown_RepeatedAutomaticFailoversSoonAfterRecovery_DoubleAndSayWhy()
    {
        await using var h = new EngineHarness(FastOptions() with { AutoRecoveryDelaySeconds = 10 });
        await IncidentAndAutomaticRecoveryAsync(h, TimeSpan.FromSeconds(10));

        h.Primary.Faults.RefuseConnections();

        var status = h.Engine.GetStatus();
        Assert.Equal(h.Time.GetUtcNow() + TimeSpan.FromSeconds(20), status.PrimaryHeldDownUntil);
        Assert.Contains("doubled 1 time(s)", status.HoldDownReason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HoldDown_DelayChangedWhileWaiting_AppliesToTheWaitInProgress()
    {
        await using var h = new EngineHarness(FastOptions() with { AutoRecoveryDelaySeconds = 300 });
        h.Primary.Faults.RefuseConnections();
        var failedOverAt = h.Time.GetUtcNow();
        h.Primary.Faults.Clear();

        h.Engine.UpdateOptions(o => o with { AutoRecoveryDelaySeconds = 5 });
        Assert.Equal(failedOverAt + TimeSpan.FromSeconds(5), h.Engine.GetStatus().PrimaryHeldDownUntil);

        await h.ProbeRoundsAsync(Math.Max(h.Options.RecoveryThreshold, 6));
        Assert.Equal(FailoverStatus.Recovered, h.Engine.Status);
    }

    [Fact]
    public async Task BackupCleanup_FailsAfterFailback_IsRetriedUntilDoneAndShownPending()
    {
        await using var h = new EngineHarness(FastOptions() with { AutoRecoveryDelaySeconds = 0 });
        h.Primary.Faults.RefuseConnections();
        await h.Engine.SetAsync("k", Bytes("during the incident"));
        h.Primary.Faults.Clear();
        h.Backup1.Faults.FailEveryNth(1, CacheFailureKind.Connection);

        Assert.True((await h.Engine.TriggerManualRecoveryAsync("back")).Success);
        Assert.Equal(1, h.Engine.GetStatus().PendingBackupCleanup!["backup1"]);
        Assert.NotNull(await h.Backup1.Memory.GetAsync("k"));

        // Still failing at the first retry; then the backup answers and the next retry clears it.
        h.Time.Advance(EngineTimings.BackupCleanupRetryDelay);
        Assert.Equal(1, h.Engine.GetStatus().PendingBackupCleanup!["backup1"]);
        h.Backup1.Faults.Clear();
        h.Time.Advance(EngineTimings.BackupCleanupRetryDelay * 2);

        Assert.Empty(h.Engine.GetStatus().PendingBackupCleanup!);
        Assert.Null(await h.Backup1.Memory.GetAsync("k"));
    }

    [Fact]
    public async Task Timeout_ServiceStillAnsweringOthers_IsRetriedOnItNotFailedOver()
    {
        await using var h = new EngineHarness();
        h.Primary.Latency.Latency = TimeSpan.FromMilliseconds(1);
        await h.Engine.SetAsync("k", Bytes("v"));

        // One call hangs past its deadline, while another succeeds after it was sent: the service
        // is loaded, not hung. The hung call is retried on it; nothing fails over.
        var hung = h.Primary.Faults;
        hung.Hang();
        var slow = h.Engine.GetAsync("k").AsTask();
        hung.Clear();
        Assert.Equal("v", Text(await h.Engine.GetAsync("k")));
        h.Time.Advance(h.DeadlineBound);

        Assert.Equal("v", Text(await slow));
        Assert.Empty(h.Events);
        Assert.Equal("primary", h.Engine.ActiveServiceId);
    }

    [Fact]
    public async Task Constructor_PrimaryReportedItsConnectionLostBeforeTheEngineExisted_FailsOverAtOnce()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider();
        var primary = new FaultInjectingBackend(new InMemoryCacheBackend("primary", time), time);
        primary.RefuseConnections();

        // The connection-lost event fired before anyone subscribed; the engine must not miss it.
        await using var engine = new FailoverEngine(
            new CacheServiceRegistration("primary", primary),
            [new CacheServiceRegistration("backup", new InMemoryCacheBackend("backup", time))],
            FastOptions(),
            time);

        Assert.Equal("backup", engine.ActiveServiceId);
        Assert.Equal(FailoverTrigger.ConnectionFailure, Assert.Single(engine.GetEvents()).Trigger);
    }

    [Fact]
    public void HealthTracker_Memory_IsBoundedBelow64KilobytesPerService()
    {
        var tracker = new ServiceHealthTracker(new FailoverOptions(), TimeProvider.System);

        Assert.InRange(tracker.FootprintBytes, 1, 64 * 1024);
    }
}
