using CacheFailover.Testing;

namespace CacheFailover.Redis.Tests;

/// <summary>One redis-server shared by the tests of the <see cref="RedisCollectionDefinition"/> that do not kill it.</summary>
public sealed class RedisServerFixture : IAsyncLifetime
{
    private RedisServerProcess? _server;

    public RedisServerProcess Server => _server ?? throw new InvalidOperationException("The server starts in InitializeAsync.");

    public async Task InitializeAsync() => _server = await RedisServerProcess.StartAsync();

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}

/// <summary>
/// Every test that talks to a real server: run one at a time, because several measure how fast a
/// failure is noticed and a busy machine would blur that.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class RedisCollectionDefinition : ICollectionFixture<RedisServerFixture>
{
    public const string Name = "redis";
}
