using CacheFailover.Engine;
using CacheFailover.Testing;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace CacheFailover.Redis.Tests.DependencyInjection;

/// <summary>AddCacheFailover(section).AddRedis(): connection strings from configuration become Redis backends.</summary>
[Collection(RedisCollectionDefinition.Name)]
public sealed class CacheFailoverRedisConfigurationTests
{
    private static IHost Build(Dictionary<string, string?> values)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddInMemoryCollection(values);
        builder.Services.AddCacheFailover(builder.Configuration.GetSection("CacheFailover")).AddRedis().AddDistributedCache();
        return builder.Build();
    }

    [Fact]
    public async Task AddRedis_SectionWithRedisUris_WritesThroughThePrimaryRedisServer()
    {
        await using var primary = await RedisServerProcess.StartAsync();
        await using var backup = await RedisServerProcess.StartAsync();
        using var host = Build(new()
        {
            ["CacheFailover:Primary"] = primary.Uri,
            ["CacheFailover:Backups:0"] = backup.ConnectionString,
        });
        await host.StartAsync();

        var cache = host.Services.GetRequiredService<IDistributedCache>();
        await cache.SetStringAsync("configured-key", "v");

        Assert.Equal("v", await cache.GetStringAsync("configured-key"));
        var engine = host.Services.GetRequiredService<FailoverEngine>();
        Assert.NotNull(await engine.GetBackend("primary")!.GetAsync("configured-key"));
        Assert.Null(await engine.GetBackend("backup-1")!.GetAsync("configured-key"));
        await host.StopAsync();
    }

    [Fact]
    public async Task AddRedis_MalformedRedisConnection_FailsAtStartNamingTheKey()
    {
        using var host = Build(new()
        {
            ["CacheFailover:Primary"] = "redis://:hunter2-secret@127.0.0.1:notaport",
            ["CacheFailover:Backups:0"] = "memory://b",
        });

        var ex = await Assert.ThrowsAsync<CacheFailover.Configuration.CacheFailoverConfigurationException>(() => host.StartAsync());

        var problem = Assert.Single(ex.Problems);
        Assert.StartsWith("Primary:", problem, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2-secret", ex.Message, StringComparison.Ordinal);
    }
}
