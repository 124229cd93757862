using CacheFailover.Engine;
using CacheFailover.Testing;

namespace CacheFailover.Resp.Tests.Support;

/// <summary>Two real redis-servers (primary, backup) on loopback ports, an engine over them and the front door before it.</summary>
public sealed class RedisPairFixture : IAsyncLifetime
{
    internal RedisServerProcess Primary { get; private set; } = null!;

    internal RedisServerProcess Backup { get; private set; } = null!;

    internal FailoverEngine Engine { get; private set; } = null!;

    internal FrontDoorHost FrontDoor { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Primary = await RedisServerProcess.StartAsync();
        Backup = await RedisServerProcess.StartAsync();
        Engine = Engines.OnRedis(Primary.ConnectionString, Backup.ConnectionString);
        FrontDoor = await FrontDoorHost.StartAsync(Engine);
    }

    public async Task DisposeAsync()
    {
        await FrontDoor.DisposeAsync();
        await Engine.DisposeAsync();
        await Primary.DisposeAsync();
        await Backup.DisposeAsync();
    }
}

/// <summary>Tests against real servers run one at a time: several move the engine between services or freeze a server.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class RedisPairGroup : ICollectionFixture<RedisPairFixture>
{
    public const string Name = "redis pair";
}
