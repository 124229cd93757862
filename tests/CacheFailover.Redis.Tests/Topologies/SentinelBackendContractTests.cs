using CacheFailover.Backends;
using CacheFailover.Core.Tests.Backends;

namespace CacheFailover.Redis.Tests.Topologies;

/// <summary>The backend contract against a Sentinel-managed primary, reached through its sentinels (<c>serviceName=…</c>).</summary>
[Collection(RedisCollectionDefinition.Name)]
public sealed class SentinelBackendContractTests(SentinelTopologyFixture fixture) : BackendContractTests, IClassFixture<SentinelTopologyFixture>
{
    protected override Task<ICacheBackend> CreateBackendAsync()
        => Task.FromResult<ICacheBackend>(RedisCacheBackend.Create("sentinel-contract", fixture.Topology.ConnectionString + ",defaultDatabase=7"));

    // Redis keeps real time: really wait (the TTLs used here are 150 ms).
    protected override Task AdvanceTimeAsync(TimeSpan duration) => Task.Delay(duration);

    [Fact]
    public async Task SetAsync_ThroughSentinels_LandsOnTheServicesPrimary()
    {
        var key = "sentinel-contract:" + Guid.NewGuid().ToString("N");
        await Backend.SetAsync(key, "v"u8.ToArray());

        Assert.Equal(fixture.Topology.Primary.Port, await fixture.Topology.CurrentPrimaryPortAsync());
        Assert.Equal("v", await fixture.Topology.Primary.ExecuteAsync(["GET", key], database: 7));
        Assert.True(((RedisCacheBackend)Backend).HasOwnFailover);
    }
}
