using CacheFailover.Backends;
using CacheFailover.Backends.Commands;
using CacheFailover.Core.Tests.Backends;
using CacheFailover.Testing.Topologies;

namespace CacheFailover.Redis.Tests.Topologies;

/// <summary>The backend contract against a three-primary Redis Cluster, one service to the engine (keys spread over the nodes).</summary>
[Collection(RedisCollectionDefinition.Name)]
public sealed class ClusterBackendContractTests(ClusterTopologyFixture fixture) : BackendContractTests, IClassFixture<ClusterTopologyFixture>
{
    protected override Task<ICacheBackend> CreateBackendAsync()
        => Task.FromResult<ICacheBackend>(RedisCacheBackend.Create("cluster-contract", fixture.Topology.ConnectionString));

    // Redis keeps real time: really wait (the TTLs used here are 150 ms).
    protected override Task AdvanceTimeAsync(TimeSpan duration) => Task.Delay(duration);

    [Fact]
    public async Task SetAsync_KeysInManySlots_LandOnEveryNode()
    {
        var keys = Enumerable.Range(0, 300).Select(i => $"cluster-contract:{Guid.NewGuid():N}:{i}").ToArray();
        foreach (var key in keys)
        {
            await Backend.SetAsync(key, "v"u8.ToArray());
        }

        foreach (var node in fixture.Topology.Nodes)
        {
            Assert.True((long)(await node.ExecuteAsync(["DBSIZE"]))! > 0, $"no key on {node}");
        }

        Assert.Equal(keys.Length, await Backend.InvalidateAsync(keys));
        foreach (var key in keys)
        {
            Assert.False(await Backend.ExistsAsync(key));
        }
    }

    [Fact]
    public async Task ExecuteCommandAsync_SingleKeyCommandOnAnotherNode_IsRoutedToTheKeysNode()
    {
        var keys = Enumerable.Range(0, 30).Select(i => $"cluster-contract:cmd:{Guid.NewGuid():N}:{i}").ToArray();
        foreach (var key in keys)
        {
            var reply = await Backend.ExecuteCommandAsync(new CacheCommand("SET", [Bytes(key), Bytes("v")]));
            Assert.Equal(CommandReplyKind.SimpleString, reply.Kind);
            Assert.Equal("v"u8.ToArray(), await Backend.GetAsync(key));
        }
    }

    [Fact]
    public async Task ExecuteCommandAsync_MgetAcrossSlots_AnswersTheServersCrossSlotError()
    {
        var (a, b) = await TwoKeysInDifferentSlotsAsync();

        var reply = await Backend.ExecuteCommandAsync(new CacheCommand("MGET", [Bytes(a), Bytes(b)]));

        Assert.Equal(CommandReplyKind.Error, reply.Kind);
        Assert.StartsWith("CROSSSLOT", reply.Text, StringComparison.Ordinal);
    }

    private async Task<(string A, string B)> TwoKeysInDifferentSlotsAsync()
    {
        var a = "cluster-contract:a:" + Guid.NewGuid().ToString("N");
        var b = "cluster-contract:b:" + Guid.NewGuid().ToString("N");
        var node = fixture.Topology.Nodes[0];
        Assert.NotEqual(await node.ExecuteAsync(["CLUSTER", "KEYSLOT", a]), await node.ExecuteAsync(["CLUSTER", "KEYSLOT", b]));
        return (a, b);
    }

    private static ReadOnlyMemory<byte> Bytes(string text) => System.Text.Encoding.UTF8.GetBytes(text);
}
