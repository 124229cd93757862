using CacheFailover.Backends;
using CacheFailover.DependencyInjection;
using CacheFailover.Redis;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

// Beside AddCacheFailover, in Microsoft's namespace: found without a using.
namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Lets the engine's configuration name Redis services by connection string.</summary>
public static class CacheFailoverRedisBuilderExtensions
{
    /// <summary>
    /// Registers the Redis backend factory, so that <c>redis://</c>, <c>rediss://</c> and StackExchange.Redis
    /// configuration strings in the section given to <c>AddCacheFailover(IConfiguration)</c> become Redis backends.
    /// </summary>
    /// <param name="builder">What <c>AddCacheFailover</c> returned.</param>
    /// <param name="options">Connection settings every Redis backend gets (timeouts, probe key); defaults when null.</param>
    public static ICacheFailoverBuilder AddRedis(this ICacheFailoverBuilder builder, RedisBackendOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<ICacheBackendFactory, RedisCacheBackendFactory>(sp =>
            new RedisCacheBackendFactory(options, sp.GetService<TimeProvider>(), sp.GetService<ILoggerFactory>())));
        return builder;
    }
}
