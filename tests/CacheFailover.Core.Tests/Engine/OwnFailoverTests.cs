using CacheFailover.Engine;
using static CacheFailover.Core.Tests.Engine.EngineHarness;

namespace CacheFailover.Core.Tests.Engine;

/// <summary>
/// A service with its own failover (a Sentinel-managed primary) is given time to promote a replica:
/// its failed operations and dropped connection do not move traffic to a backup; only
/// failure_threshold failed probes in a row do. The harness's options: 1 s probes, threshold 3.
/// </summary>
public class OwnFailoverTests
{
    [Fact]
    public async Task OwnFailover_DownShorterThanThreshold_StaysOnPrimaryWithoutFailover()
    {
        await using var h = new EngineHarness();
        h.Primary.Latency.HasOwnFailover = true;
        await h.ProbeRoundsAsync(1);

        h.Primary.Faults.RefuseConnections();
        for (var i = 0; i < 20; i++)
        {
            await Assert.ThrowsAnyAsync<CacheOperationException>(async () => await h.Engine.SetAsync("k", Bytes("v")));
        }

        await h.ProbeRoundsAsync(h.Options.FailureThreshold - 1);
        Assert.Equal("primary", h.Engine.ActiveServiceId);

        // The replica was promoted; the service answers again.
        h.Primary.Faults.Clear();
        await h.Engine.SetAsync("k", Bytes("after"));
        Assert.Equal("primary", (await h.Engine.GetWithResultAsync("k")).ServedBy);
        Assert.Empty(h.Events);
        Assert.Equal(FailoverStatus.Active, h.Engine.GetStatus().Status);
    }

    [Fact]
    public async Task OwnFailover_DownForThresholdProbes_FailsOverToBackup()
    {
        await using var h = new EngineHarness();
        h.Primary.Latency.HasOwnFailover = true;
        await h.ProbeRoundsAsync(1);

        h.Primary.Faults.RefuseConnections();
        await h.ProbeRoundsAsync(h.Options.FailureThreshold - 1);
        Assert.Equal("primary", h.Engine.ActiveServiceId);

        await h.ProbeRoundsAsync(1);

        Assert.Equal("backup1", h.Engine.ActiveServiceId);
        var failover = Assert.Single(h.Events);
        Assert.Equal(FailoverTrigger.HealthCheckFailure, failover.Trigger);
        Assert.Equal("backup1", (await h.Engine.GetWithResultAsync("k")).ServedBy);
    }

    [Fact]
    public async Task WithoutOwnFailover_SameFault_FailsOverAtOnce()
    {
        await using var h = new EngineHarness();
        await h.ProbeRoundsAsync(1);

        h.Primary.Faults.RefuseConnections();
        await h.Engine.SetAsync("k", Bytes("v"));

        Assert.Equal("backup1", h.Engine.ActiveServiceId);
    }
}
