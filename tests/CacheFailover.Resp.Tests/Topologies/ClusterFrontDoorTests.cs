using CacheFailover.Engine;
using CacheFailover.Resp.Tests.Support;
using CacheFailover.Testing;
using CacheFailover.Testing.Topologies;

namespace CacheFailover.Resp.Tests.Topologies;

/// <summary>
/// The front door forwarding to a Redis Cluster service: commands reach the node that owns their
/// key, and a multi-key command across slots gets the cluster's own CROSSSLOT error, unchanged,
/// on a connection that stays open.
/// </summary>
[Collection(RedisPairGroup.Name)]
public sealed class ClusterFrontDoorTests : IAsyncLifetime
{
    private RedisClusterTopology? _cluster;
    private RedisServerProcess? _backup;
    private FailoverEngine? _engine;
    private FrontDoorHost? _host;

    private RedisClusterTopology Cluster => _cluster!;

    public async Task InitializeAsync()
    {
        _cluster = await RedisClusterTopology.StartAsync();
        _backup = await RedisServerProcess.StartAsync();
        _engine = Engines.OnRedis(_cluster.ConnectionString, _backup.ConnectionString);
        _host = await FrontDoorHost.StartAsync(_engine);
    }

    public async Task DisposeAsync()
    {
        await _host!.DisposeAsync();
        await _engine!.DisposeAsync();
        await _backup!.DisposeAsync();
        await _cluster!.DisposeAsync();
    }

    [Fact]
    public async Task Mget_KeysInTwoSlots_PassesTheClustersCrossSlotErrorThroughUnchanged()
    {
        var (a, b) = await KeysInTwoSlotsAsync();
        await using var client = await RawClient.ConnectAsync(_host!.Port);
        Assert.Equal("OK", await client.CallAsync("SET", a, "1"));
        Assert.Equal("OK", await client.CallAsync("SET", b, "2"));

        var reply = await client.CallAsync("MGET", a, b);

        await using var direct = await RawClient.ConnectAsync(Cluster.Nodes[0].Port);
        var expected = Assert.IsType<RespError>(await direct.CallAsync("MGET", a, b));
        Assert.StartsWith("CROSSSLOT", expected.Message, StringComparison.Ordinal);
        Assert.Equal(expected, Assert.IsType<RespError>(reply));
        Assert.Equal("PONG", await client.CallAsync("PING"));
        Assert.Equal("primary", _engine!.ActiveServiceId);
    }

    [Fact]
    public async Task SetAndGet_KeysOnEveryNode_AreServedByTheNodeThatOwnsThem()
    {
        await using var client = await RawClient.ConnectAsync(_host!.Port);
        var keys = Enumerable.Range(0, 60).Select(i => $"frontdoor-cluster:{Guid.NewGuid():N}:{i}").ToArray();
        foreach (var key in keys)
        {
            Assert.Equal("OK", await client.CallAsync("SET", key, key));
        }

        foreach (var key in keys)
        {
            Assert.Equal(key, await client.CallAsync("GET", key));
            var slot = (long)(await Cluster.Nodes[0].ExecuteAsync(["CLUSTER", "KEYSLOT", key]))!;
            var owner = await Cluster.NodeForSlotAsync((int)slot);
            Assert.Equal(key, await owner.ExecuteAsync(["GET", key]));
        }

        // A hash tag puts keys in one slot: then MGET is served.
        Assert.Equal("OK", await client.CallAsync("MSET", "{tag}x", "1", "{tag}y", "2"));
        Assert.Equal(new object?[] { "1", "2" }, await client.CallAsync("MGET", "{tag}x", "{tag}y"));
    }

    private async Task<(string A, string B)> KeysInTwoSlotsAsync()
    {
        var a = "frontdoor-cluster:a:" + Guid.NewGuid().ToString("N");
        var b = "frontdoor-cluster:b:" + Guid.NewGuid().ToString("N");
        var node = Cluster.Nodes[0];
        Assert.NotEqual(await node.ExecuteAsync(["CLUSTER", "KEYSLOT", a]), await node.ExecuteAsync(["CLUSTER", "KEYSLOT", b]));
        return (a, b);
    }
}
