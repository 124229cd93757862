using CacheFailover.Caching;
using CacheFailover.DependencyInjection;
using CacheFailover.Engine;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.DependencyInjection.Extensions;

// In Microsoft's namespace, as AddStackExchangeRedisCache and AddHybridCache are: found without a using.
namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the engine as a singleton, started and stopped with the host, and the caches over it.</summary>
public static class CacheFailoverServiceCollectionExtensions
{
    /// <summary>
    /// Adds one <see cref="FailoverEngine"/> built from <paramref name="configure"/>. Options are
    /// validated when the engine is first resolved (the hosted service resolves it at start-up, so an
    /// invalid configuration stops the host with every problem listed).
    /// </summary>
    /// <returns>A builder to add what sits over the engine, such as <c>AddDistributedCache()</c>.</returns>
    public static ICacheFailoverBuilder AddCacheFailover(this IServiceCollection services, Action<FailoverEngineBuilder> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        services.TryAddSingleton(TimeProvider.System);
        services.AddMetrics();
        services.TryAddSingleton(sp =>
        {
            var builder = new FailoverEngineBuilder(sp);
            configure(builder);
            return builder.Build();
        });
        services.AddHostedService<FailoverEngineHostedService>();
        return new CacheFailoverBuilder(services);
    }

    /// <summary>
    /// Registers the failover engine as the app's <see cref="IDistributedCache"/> and
    /// <see cref="IBufferDistributedCache"/> (one <see cref="FailoverDistributedCache"/> singleton),
    /// replacing any registered before, so HybridCache, session state and output caching use it.
    /// </summary>
    public static ICacheFailoverBuilder AddDistributedCache(this ICacheFailoverBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.TryAddSingleton(sp => new FailoverDistributedCache(sp.GetRequiredService<FailoverEngine>()));

        // Replace, not TryAdd: an AddDistributedMemoryCache() called earlier (by a template or another
        // library) must not silently win over the failover cache the app asked for.
        services.Replace(ServiceDescriptor.Singleton<IBufferDistributedCache>(sp => sp.GetRequiredService<FailoverDistributedCache>()));
        services.Replace(ServiceDescriptor.Singleton<IDistributedCache>(sp => sp.GetRequiredService<FailoverDistributedCache>()));
        return builder;
    }
}
