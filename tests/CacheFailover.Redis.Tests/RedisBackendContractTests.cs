using CacheFailover.Backends;
using CacheFailover.Core.Tests.Backends;

namespace CacheFailover.Redis.Tests;

/// <summary>The backend contract against a real redis-server, on a database of its own.</summary>
[Collection(RedisCollectionDefinition.Name)]
public sealed class RedisBackendContractTests(RedisServerFixture fixture) : BackendContractTests
{
    /// <summary>Not 0, so that FLUSHDB here cannot touch keys other tests keep in database 0.</summary>
    private const int ContractDatabase = 7;

    protected override Task<ICacheBackend> CreateBackendAsync()
        => Task.FromResult<ICacheBackend>(RedisCacheBackend.Create("contract", $"{fixture.Server.Uri}/{ContractDatabase}"));

    // Redis keeps real time: really wait (the TTLs used here are 150 ms).
    protected override Task AdvanceTimeAsync(TimeSpan duration) => Task.Delay(duration);

    [Fact]
    public async Task PingAsync_Loopback_ReturnsSubSecondLatency()
    {
        var latency = await Backend.PingAsync();

        Assert.InRange(latency, TimeSpan.Zero, TimeSpan.FromSeconds(1));
    }

    [Fact]
    public void Endpoint_RedisUri_NamesHostPortAndDatabase()
    {
        Assert.Equal($"{fixture.Server.Uri}/{ContractDatabase}", Backend.Endpoint);
    }
}
