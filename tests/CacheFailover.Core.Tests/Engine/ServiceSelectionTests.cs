using CacheFailover.Backends;
using CacheFailover.DependencyInjection;
using CacheFailover.Drills.Chaos;
using CacheFailover.Engine;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using static CacheFailover.Core.Tests.Engine.EngineHarness;

namespace CacheFailover.Core.Tests.Engine;

public class ServiceSelectionTests
{
    [Fact]
    public async Task Failover_PrefersFasterHealthyBackupOverPriority()
    {
        await using var h = new EngineHarness(backups: 2);
        h.Backup1.Latency.Latency = TimeSpan.FromMilliseconds(80);
        h.Backup2.Latency.Latency = TimeSpan.FromMilliseconds(1);
        await h.ProbeRoundsAsync(2);

        var failover = await h.Engine.TriggerManualFailoverAsync("drill");

        Assert.Equal("backup2", failover.ToServiceId);
    }

    [Fact]
    public async Task Failover_EqualBackups_FollowsPriority()
    {
        await using var h = new EngineHarness(backups: 2);
        await h.ProbeRoundsAsync(2);

        var failover = await h.Engine.TriggerManualFailoverAsync("drill");

        Assert.Equal("backup1", failover.ToServiceId);
    }

    [Fact]
    public async Task Failover_NeverPicksUnhealthyBackup()
    {
        await using var h = new EngineHarness(backups: 2);
        h.Backup1.Faults.RefuseConnections();
        await h.ProbeRoundsAsync(1);

        var failover = await h.Engine.TriggerManualFailoverAsync("drill");

        Assert.Equal("backup2", failover.ToServiceId);
    }

    [Fact]
    public async Task Failover_CandidateFailsVerification_TriesTheNext()
    {
        await using var h = new EngineHarness(backups: 2);
        await h.ProbeRoundsAsync(1);
        h.Backup1.Faults.RefuseConnections(raiseConnectionEvent: false);

        var failover = await h.Engine.TriggerManualFailoverAsync("drill");

        Assert.Equal("backup2", failover.ToServiceId);
    }

    [Fact]
    public async Task RegisterService_Answering_IsAddedAndSelectable()
    {
        await using var h = new EngineHarness();

        var added = await h.Engine.RegisterServiceAsync(new CacheFailover.Services.CacheServiceRegistration("extra", new InMemoryCacheBackend("extra", h.Time), 5));

        Assert.Equal(("extra", ServiceRole.Backup, 5, ServiceHealth.Healthy), (added.ServiceId, added.Role, added.Priority, added.Health));
        var failover = await h.Engine.TriggerManualFailoverAsync("drill", "extra");
        Assert.Equal("extra", failover.ToServiceId);
    }

    [Fact]
    public async Task RegisterService_NotAnsweringOrDuplicate_RefusedAndNothingAdded()
    {
        await using var h = new EngineHarness();
        var dead = new FaultInjectingBackend(new InMemoryCacheBackend("dead", h.Time), h.Time);
        dead.RefuseConnections();

        var notAnswering = await Assert.ThrowsAsync<FailoverRefusedException>(() => h.Engine.RegisterServiceAsync(new("dead", dead)));
        var duplicate = await Assert.ThrowsAsync<FailoverRefusedException>(() => h.Engine.RegisterServiceAsync(new("backup1", new InMemoryCacheBackend("b", h.Time))));
        var badId = await Assert.ThrowsAsync<ArgumentException>(() => h.Engine.RegisterServiceAsync(new("bad id!", new InMemoryCacheBackend("b", h.Time))));

        Assert.Contains("did not answer a probe", notAnswering.Message, StringComparison.Ordinal);
        Assert.Contains("already registered", duplicate.Message, StringComparison.Ordinal);
        Assert.Contains("Service id 'bad id!' is invalid", badId.Message, StringComparison.Ordinal);
        Assert.Equal(["primary", "backup1"], h.Engine.GetStatus().Services.Select(s => s.ServiceId));
    }

    [Fact]
    public async Task UnregisterService_PrimaryOrServing_Refused()
    {
        await using var h = new EngineHarness(backups: 2);
        await h.Engine.TriggerManualFailoverAsync("drill", "backup1");

        await Assert.ThrowsAsync<FailoverRefusedException>(() => h.Engine.UnregisterServiceAsync("primary"));
        await Assert.ThrowsAsync<FailoverRefusedException>(() => h.Engine.UnregisterServiceAsync("backup1"));
        await h.Engine.UnregisterServiceAsync("backup2");

        Assert.Equal(["primary", "backup1"], h.Engine.GetStatus().Services.Select(s => s.ServiceId));
    }

    [Fact]
    public async Task AddCacheFailover_Host_StartsAndStopsTheEngine()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddCacheFailover(engine => engine
            .WithPrimary("primary", new InMemoryCacheBackend("primary"))
            .AddBackup("backup", new InMemoryCacheBackend("backup")));
        using var host = builder.Build();

        await host.StartAsync();
        var engine = host.Services.GetRequiredService<FailoverEngine>();
        await engine.SetAsync("k", Bytes("v"));
        Assert.Equal("v", Text(await engine.GetAsync("k")));
        await host.StopAsync();

        Assert.Same(engine, host.Services.GetRequiredService<FailoverEngine>());
    }
}
