using System.Text;
using CacheFailover.Backends;
using CacheFailover.Caching;
using CacheFailover.Engine;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace CacheFailover.Core.Tests.DependencyInjection;

public sealed class CacheFailoverRegistrationTests
{
    private static HostApplicationBuilder Builder(bool withDistributedCache, bool memoryCacheFirst = false)
    {
        var builder = Host.CreateApplicationBuilder();
        if (memoryCacheFirst)
        {
            // Another distributed cache registered before the app's own choice.
            builder.Services.AddSingleton<IDistributedCache>(new Moq.Mock<IDistributedCache>().Object);
        }

        var failover = builder.Services.AddCacheFailover(engine => engine
            .WithPrimary("primary", new InMemoryCacheBackend("primary"))
            .AddBackup("backup", new InMemoryCacheBackend("backup")));
        if (withDistributedCache)
        {
            failover.AddDistributedCache();
        }

        return builder;
    }

    [Fact]
    public async Task AddDistributedCache_ResolvesOneFailoverCacheForBothInterfaces()
    {
        using var host = Builder(withDistributedCache: true).Build();
        await host.StartAsync();

        var distributed = host.Services.GetRequiredService<IDistributedCache>();
        var buffer = host.Services.GetRequiredService<IBufferDistributedCache>();
        Assert.IsType<FailoverDistributedCache>(distributed);
        Assert.Same(distributed, buffer);

        await distributed.SetStringAsync("k", "v");
        var engine = host.Services.GetRequiredService<FailoverEngine>();
        Assert.NotNull(await engine.GetBackend("primary")!.GetAsync("k")); // through the engine, on the serving service
        Assert.Equal("v", await distributed.GetStringAsync("k"));
        await host.StopAsync();
    }

    [Fact]
    public void AddDistributedCache_AfterAnotherDistributedCache_ReplacesIt()
    {
        using var host = Builder(withDistributedCache: true, memoryCacheFirst: true).Build();

        Assert.IsType<FailoverDistributedCache>(host.Services.GetRequiredService<IDistributedCache>());
        Assert.Single(host.Services.GetServices<IDistributedCache>());
    }

    [Fact]
    public void AddCacheFailover_WithoutAddDistributedCache_RegistersNoDistributedCache()
    {
        using var host = Builder(withDistributedCache: false).Build();

        Assert.Null(host.Services.GetService<IDistributedCache>());
        Assert.NotNull(host.Services.GetService<FailoverEngine>());
    }

    [Fact]
    public void AddDistributedCache_NullBuilder_Throws()
    {
        Assert.Equal("builder", Assert.Throws<ArgumentNullException>(() => CacheFailoverServiceCollectionExtensions.AddDistributedCache(null!)).ParamName);
    }
}
