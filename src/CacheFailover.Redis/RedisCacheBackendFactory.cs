using CacheFailover.Backends;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace CacheFailover.Redis;

/// <summary>
/// Creates <see cref="RedisCacheBackend"/>s from <c>redis://</c>, <c>rediss://</c> or
/// StackExchange.Redis configuration strings (anything else that is not <c>memory</c> or
/// <c>memory://…</c> and has that shape).
/// </summary>
public sealed class RedisCacheBackendFactory : ICacheBackendFactory
{
    private readonly RedisBackendOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILoggerFactory? _loggerFactory;

    /// <summary>Creates the factory; every backend it makes gets a copy of <paramref name="options"/>.</summary>
    public RedisCacheBackendFactory(RedisBackendOptions? options = null, TimeProvider? timeProvider = null, ILoggerFactory? loggerFactory = null)
    {
        _options = options?.Clone() ?? new RedisBackendOptions();
        _options.ThrowIfInvalid();
        _timeProvider = timeProvider ?? TimeProvider.System;
        _loggerFactory = loggerFactory;
    }

    /// <inheritdoc />
    public bool CanCreate(string connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var trimmed = connection.Trim();
        if (trimmed.Length == 0
            || trimmed.Equals("memory", StringComparison.OrdinalIgnoreCase)
            || trimmed.StartsWith("memory://", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        if (RedisConnectionString.IsUri(trimmed))
        {
            return true;
        }

        if (trimmed.Contains("://", StringComparison.Ordinal))
        {
            return false;
        }

        // The form is a configuration string when the library's own parser accepts it; the values
        // (a port such as 'abc', say) are checked by Create, which can then say what is wrong.
        try
        {
            ConfigurationOptions.Parse(trimmed, ignoreUnknown: true);
            return true;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    /// <inheritdoc />
    public ICacheBackend Create(string serviceId, string connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var parsed = RedisConnectionString.Parse(connection);
        var logger = _loggerFactory?.CreateLogger<RedisCacheBackend>();
        return new RedisCacheBackend(serviceId, parsed, _options, _timeProvider, logger);
    }

    /// <inheritdoc />
    public string Redact(string connection) => RedisConnectionString.Redact(connection);
}
