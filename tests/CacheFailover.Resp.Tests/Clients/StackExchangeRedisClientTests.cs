using CacheFailover.Resp.Tests.Support;
using StackExchange.Redis;

namespace CacheFailover.Resp.Tests.Clients;

/// <summary>StackExchange.Redis as an application would use it, pointed at the front door instead of Redis.</summary>
[Collection(RedisPairGroup.Name)]
public sealed class StackExchangeRedisClientTests(RedisPairFixture redis) : IAsyncLifetime
{
    private ConnectionMultiplexer _client = null!;

    public async Task InitializeAsync() => _client = await ConnectionMultiplexer.ConnectAsync(redis.FrontDoor.Endpoint + ",connectTimeout=5000");

    public async Task DisposeAsync() => await _client.DisposeAsync();

    [Fact]
    public async Task Handshake_Connects_AndSeesAStandaloneServer()
    {
        Assert.True(_client.IsConnected);
        var server = _client.GetServer(redis.FrontDoor.Endpoint);
        Assert.Equal(ServerType.Standalone, server.ServerType);
        Assert.True(await _client.GetDatabase().PingAsync() < TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task EveryDataType_GoesThroughToTheServingRedis()
    {
        var db = _client.GetDatabase();
        var id = Guid.NewGuid().ToString("N");

        Assert.True(await db.StringSetAsync($"s:{id}", "v", TimeSpan.FromMinutes(1)));
        Assert.Equal("v", await db.StringGetAsync($"s:{id}"));
        Assert.Equal(5, await db.StringIncrementAsync($"n:{id}", 5));
        await db.HashSetAsync($"h:{id}", [new HashEntry("a", "1"), new HashEntry("b", "2")]);
        Assert.Equal(["a", "b"], (await db.HashGetAllAsync($"h:{id}")).Select(e => (string)e.Name!).Order());
        Assert.Equal(3, await db.ListRightPushAsync($"l:{id}", ["x", "y", "z"]));
        Assert.Equal(["x", "y", "z"], (await db.ListRangeAsync($"l:{id}")).Select(v => (string)v!));
        Assert.Equal("x", await db.ListLeftPopAsync($"l:{id}"));
        Assert.Equal(2, await db.SetAddAsync($"set:{id}", ["m1", "m2"]));
        Assert.True(await db.SetContainsAsync($"set:{id}", "m2"));
        Assert.True(await db.SortedSetAddAsync($"z:{id}", "one", 1));
        Assert.Equal(1, await db.SortedSetScoreAsync($"z:{id}", "one"));
        Assert.Equal(RedisType.Hash, await db.KeyTypeAsync($"h:{id}"));
        Assert.True(await db.KeyExpireAsync($"h:{id}", TimeSpan.FromMinutes(5)));
        Assert.InRange((await db.KeyTimeToLiveAsync($"h:{id}"))!.Value, TimeSpan.FromMinutes(4), TimeSpan.FromMinutes(5));
        Assert.Equal(6, await db.KeyDeleteAsync([$"s:{id}", $"n:{id}", $"h:{id}", $"l:{id}", $"set:{id}", $"z:{id}"]));

        // What the client wrote is on the primary itself, not in some cache of the front door's.
        Assert.Null(await redis.Primary.ExecuteAsync(["GET", $"s:{id}"]));
    }

    [Fact]
    public async Task ManyCommandsInFlight_AllAnswerInOrder()
    {
        var db = _client.GetDatabase();
        var id = Guid.NewGuid().ToString("N");
        var sets = Enumerable.Range(0, 500).Select(i => db.StringSetAsync($"p:{id}:{i}", i)).ToArray();
        var gets = Enumerable.Range(0, 500).Select(i => db.StringGetAsync($"p:{id}:{i}")).ToArray();

        Assert.All(await Task.WhenAll(sets), Assert.True);
        var values = await Task.WhenAll(gets);
        Assert.Equal(Enumerable.Range(0, 500), values.Select(v => (int)v));
    }

    [Fact]
    public async Task ServerErrors_ComeBackAsRedisErrors_AndCountNoFailure()
    {
        var db = _client.GetDatabase();
        var key = "wrongtype:" + Guid.NewGuid().ToString("N");
        await db.ListRightPushAsync(key, "x");

        var error = await Assert.ThrowsAsync<RedisServerException>(() => db.StringIncrementAsync(key));

        Assert.StartsWith("WRONGTYPE", error.Message, StringComparison.Ordinal);
        Assert.Equal("primary", redis.Engine.ActiveServiceId);
        Assert.Equal(0, redis.Engine.GetStatus().Services.Single(s => s.ServiceId == "primary").ConsecutiveFailures);
    }
}
