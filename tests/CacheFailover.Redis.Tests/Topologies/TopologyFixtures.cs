using CacheFailover.Testing.Topologies;

namespace CacheFailover.Redis.Tests.Topologies;

/// <summary>One Sentinel-managed primary (primary, replica, three sentinels) shared by a test class that does not kill it.</summary>
public sealed class SentinelTopologyFixture : IAsyncLifetime
{
    private RedisSentinelTopology? _topology;

    public RedisSentinelTopology Topology => _topology ?? throw new InvalidOperationException("The topology starts in InitializeAsync.");

    public async Task InitializeAsync() => _topology = await RedisSentinelTopology.StartAsync();

    public async Task DisposeAsync()
    {
        if (_topology is not null)
        {
            await _topology.DisposeAsync();
        }
    }
}

/// <summary>One three-primary cluster shared by a test class that does not kill it.</summary>
public sealed class ClusterTopologyFixture : IAsyncLifetime
{
    private RedisClusterTopology? _topology;

    public RedisClusterTopology Topology => _topology ?? throw new InvalidOperationException("The cluster starts in InitializeAsync.");

    public async Task InitializeAsync() => _topology = await RedisClusterTopology.StartAsync();

    public async Task DisposeAsync()
    {
        if (_topology is not null)
        {
            await _topology.DisposeAsync();
        }
    }
}
