using CacheFailover.Caching;
using CacheFailover.Configuration;
using CacheFailover.DependencyInjection;
using CacheFailover.Engine;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace CacheFailover.Core.Tests.DependencyInjection;

/// <summary>AddCacheFailover(IConfiguration): the server's configuration shape, bound and validated at start.</summary>
public sealed class CacheFailoverConfigurationTests
{
    private static IHost Build(Dictionary<string, string?> values, Action<ICacheFailoverBuilder>? more = null)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddInMemoryCollection(values);
        var failover = builder.Services.AddCacheFailover(builder.Configuration.GetSection("CacheFailover")).AddDistributedCache();
        more?.Invoke(failover);
        return builder.Build();
    }

    [Fact]
    public async Task AddCacheFailover_Section_BindsPrimaryBackupsOptionsAndGroup()
    {
        using var host = Build(new()
        {
            ["CacheFailover:Primary"] = "memory://a",
            ["CacheFailover:Backups:0"] = "memory://b",
            ["CacheFailover:Backups:1"] = "memory://c",
            ["CacheFailover:Failover:failure_threshold"] = "5",
            ["CacheFailover:Failover:timeout_threshold_ms"] = "250",
            ["CacheFailover:Group"] = "orders",
        });
        await host.StartAsync();

        var engine = host.Services.GetRequiredService<FailoverEngine>();
        Assert.Equal(["primary", "backup-1", "backup-2"], engine.GetStatus().Services.Select(s => s.ServiceId).ToArray());
        Assert.Equal(5, engine.Options.FailureThreshold);
        Assert.Equal(250, engine.Options.TimeoutThresholdMs);
        Assert.Equal("orders", host.Services.GetRequiredService<CacheFailoverSettings>().Group);

        // The cache over it works, on the primary.
        var cache = host.Services.GetRequiredService<IDistributedCache>();
        Assert.IsType<FailoverDistributedCache>(cache);
        await cache.SetStringAsync("k", "v");
        Assert.Equal("v", await cache.GetStringAsync("k"));
        Assert.NotNull(await engine.GetBackend("primary")!.GetAsync("k"));
        await host.StopAsync();
    }

    [Fact]
    public async Task AddCacheFailover_InvalidSection_FailsAtStartListingEveryProblem()
    {
        using var host = Build(new()
        {
            ["CacheFailover:Backups:0"] = "memory://b",
            ["CacheFailover:Failover:failure_threshold"] = "0",
            ["CacheFailover:Failover:no_such_option"] = "1",
            ["CacheFailover:Failover:timeout_threshold_ms"] = "fast",
            ["CacheFailover:Group"] = "has space",
            ["CacheFailover:ReadOnly"] = "maybe",
        });

        var ex = await Assert.ThrowsAsync<CacheFailoverConfigurationException>(() => host.StartAsync());

        Assert.Equal(6, ex.Problems.Count);
        Assert.Contains(ex.Problems, p => p.StartsWith("CacheFailover:Primary is missing", StringComparison.Ordinal));
        Assert.Contains(ex.Problems, p => p.Contains("failure_threshold", StringComparison.Ordinal));
        Assert.Contains(ex.Problems, p => p.Contains("unknown failover option 'no_such_option'", StringComparison.Ordinal));
        Assert.Contains(ex.Problems, p => p.StartsWith("timeout_threshold_ms must be a whole number", StringComparison.Ordinal));
        Assert.Contains(ex.Problems, p => p.StartsWith("CacheFailover:Group:", StringComparison.Ordinal));
        Assert.Contains(ex.Problems, p => p.StartsWith("CacheFailover:ReadOnly must be true or false", StringComparison.Ordinal));
        Assert.StartsWith("The cache failover configuration has 6 problems:", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AddCacheFailover_RedisWithoutItsFactory_NamesAddRedisAndHidesThePassword()
    {
        using var host = Build(new()
        {
            ["CacheFailover:Primary"] = "memory://a",
            ["CacheFailover:Backups:0"] = "redis://:s3cret-pass@127.0.0.1:1",
        });

        var ex = await Assert.ThrowsAsync<CacheFailoverConfigurationException>(() => host.StartAsync());

        var problem = Assert.Single(ex.Problems);
        Assert.StartsWith("Backups:0 (backup-1):", problem, StringComparison.Ordinal);
        Assert.Contains(".AddRedis()", problem, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret-pass", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AddCacheFailover_BackupsAsOneList_SplitsThem()
    {
        var problems = new List<string>();
        var section = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Primary"] = "memory://a",
            ["Backups"] = "memory://b; memory://c",
            ["ReadOnly"] = "true",
        }).Build();

        var settings = CacheFailoverSectionReader.Read(section, problems);

        Assert.Empty(problems);
        Assert.Equal(["memory://b", "memory://c"], settings.Backups);
        Assert.True(settings.ReadOnly);
        Assert.Equal("default", settings.Group);
    }
}
