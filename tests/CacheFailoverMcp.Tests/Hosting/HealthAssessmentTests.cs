using CacheFailover.Engine;
using CacheFailover.Options;
using CacheFailoverMcp.Hosting;

namespace CacheFailoverMcp.Tests.Hosting;

/// <summary>What /healthz makes of each engine state (the process tests show the same on a real server).</summary>
public sealed class HealthAssessmentTests
{
    [Fact]
    public void Of_PrimaryServingAndEveryServiceHealthy_IsOkWithNoReasons()
    {
        var status = Snapshot(FailoverStatus.Active, "primary", ("primary", ServiceHealth.Healthy), ("backup-1", ServiceHealth.Healthy));

        var assessment = HealthAssessment.Of(status);

        Assert.Equal(HealthVerdict.Ok, assessment.Verdict);
        Assert.Equal("ok", assessment.Word);
        Assert.Empty(assessment.Reasons);
    }

    [Fact]
    public void Of_RecoveredToAHealthyPrimary_IsOk()
    {
        var status = Snapshot(FailoverStatus.Recovered, "primary", ("primary", ServiceHealth.Healthy), ("backup-1", ServiceHealth.Healthy));

        Assert.Equal(HealthVerdict.Ok, HealthAssessment.Of(status).Verdict);
    }

    [Fact]
    public void Of_FailedOverToAHealthyBackup_IsDegradedNamingWhoServes()
    {
        var status = Snapshot(FailoverStatus.FailedOver, "backup-1", ("primary", ServiceHealth.Unhealthy), ("backup-1", ServiceHealth.Healthy));

        var assessment = HealthAssessment.Of(status);

        Assert.Equal(HealthVerdict.Degraded, assessment.Verdict);
        Assert.Equal(["failed_over: backup-1 serves instead of primary", "primary primary is unhealthy"], assessment.Reasons);
    }

    [Theory]
    [InlineData(ServiceHealth.Unhealthy, "backup backup-1 is unhealthy")]
    [InlineData(ServiceHealth.Degraded, "backup backup-1 is degraded")]
    [InlineData(ServiceHealth.Unknown, "backup backup-1 is not checked yet (unknown)")]
    public void Of_PrimaryServingButABackupNotHealthy_IsDegraded(ServiceHealth backupHealth, string reason)
    {
        var status = Snapshot(FailoverStatus.Active, "primary", ("primary", ServiceHealth.Healthy), ("backup-1", backupHealth), ("backup-2", ServiceHealth.Healthy));

        var assessment = HealthAssessment.Of(status);

        Assert.Equal(HealthVerdict.Degraded, assessment.Verdict);
        Assert.Equal([reason], assessment.Reasons);
    }

    [Fact]
    public void Of_SwitchInProgressFromThePrimary_IsDegraded()
    {
        var status = Snapshot(FailoverStatus.FailingOver, "primary", ("primary", ServiceHealth.Degraded), ("backup-1", ServiceHealth.Healthy));

        var assessment = HealthAssessment.Of(status);

        Assert.Equal(HealthVerdict.Degraded, assessment.Verdict);
        Assert.Equal(["failing_over: a switch is in progress", "the serving service primary is degraded"], assessment.Reasons);
    }

    [Fact]
    public void Of_ServingUnhealthyButABackupCanTakeOver_IsDegraded()
    {
        var status = Snapshot(FailoverStatus.Active, "primary", ("primary", ServiceHealth.Unhealthy), ("backup-1", ServiceHealth.Degraded));

        var assessment = HealthAssessment.Of(status);

        Assert.Equal(HealthVerdict.Degraded, assessment.Verdict);
        Assert.Equal("the serving service primary is unhealthy; backup-1 can take over", assessment.Reasons[0]);
    }

    [Fact]
    public void Of_EveryServiceUnhealthy_IsDown()
    {
        var status = Snapshot(FailoverStatus.FailedOver, "backup-1", ("primary", ServiceHealth.Unhealthy), ("backup-1", ServiceHealth.Unhealthy));

        var assessment = HealthAssessment.Of(status);

        Assert.Equal(HealthVerdict.Down, assessment.Verdict);
        Assert.Equal("down", assessment.Word);
        Assert.Equal(["the serving service backup-1 is unhealthy and no other service is healthy"], assessment.Reasons);
    }

    [Fact]
    public void Of_ServingUnhealthyWithFailoverDisabled_IsDownEvenWithAHealthyBackup()
    {
        var status = Snapshot(FailoverStatus.Active, "primary", ("primary", ServiceHealth.Unhealthy), ("backup-1", ServiceHealth.Healthy)) with
        {
            Options = new FailoverOptions { EnableFailover = false },
        };

        var assessment = HealthAssessment.Of(status);

        Assert.Equal(HealthVerdict.Down, assessment.Verdict);
        Assert.Equal(["the serving service primary is unhealthy and failover is disabled (enable_failover=false), so backup-1 cannot take over"], assessment.Reasons);
    }

    [Fact]
    public void Describe_ServingEndpointWithAPassword_IsRedacted()
    {
        var status = Snapshot(FailoverStatus.Active, "primary", ("primary", ServiceHealth.Healthy)) is var s
            ? s with { Services = [s.Services[0] with { Endpoint = "redis://app:hunter2secret@cache-a:6379/0" }] }
            : null!;

        var body = HealthEndpoint.Describe(status);

        Assert.Equal("ok", body.Status);
        Assert.Equal("redis://app:***@cache-a:6379/0", body.ServingEndpoint);
        Assert.Equal([("primary", "primary", "healthy")], body.Services.Select(x => (x.ServiceId, x.Role, x.Health)));
    }

    private static FailoverStatusSnapshot Snapshot(FailoverStatus status, string active, params (string Id, ServiceHealth Health)[] services) => new(
        status,
        Epoch: status == FailoverStatus.Active ? 0 : 1,
        ActiveServiceId: active,
        PrimaryServiceId: "primary",
        StatusSince: DateTimeOffset.UnixEpoch,
        Options: new FailoverOptions(),
        Services: [.. services.Select((s, i) => new ServiceSnapshot(
            s.Id, i == 0 ? ServiceRole.Primary : ServiceRole.Backup, i, $"memory://{s.Id}", s.Health, s.Id == active,
            0, 0, null, 0, 0, null, null, null))],
        Journal: new JournalSnapshot(0, 1000, false, false, null, 0),
        RecentEvents: [],
        PrimaryHeldDownUntil: null,
        AutoRecoverySuspended: false);
}
