using CacheFailover.Backends;
using CacheFailover.Engine;
using CacheFailover.Options;
using CacheFailover.Redis;
using CacheFailover.Services;

namespace CacheFailover.Resp.Tests.Support;

/// <summary>Engines for the front door's tests: probes far apart (tests steer failovers themselves), short deadlines.</summary>
internal static class Engines
{
    public static FailoverOptions QuietOptions { get; } = new()
    {
        HealthCheckIntervalSeconds = 3600,
        HealthCheckTimeoutSeconds = 5,
        TimeoutThresholdMs = 2000,
        AutoRecoveryEnabled = false,
    };

    public static FailoverEngine InMemory(TimeProvider? time = null) => new(
        new CacheServiceRegistration("primary", new InMemoryCacheBackend("primary", time)),
        [new CacheServiceRegistration("backup-1", new InMemoryCacheBackend("backup", time))],
        QuietOptions,
        time);

    public static FailoverEngine OnRedis(string primary, string backup) => new(
        new CacheServiceRegistration("primary", RedisCacheBackend.Create("primary", primary)),
        [new CacheServiceRegistration("backup-1", RedisCacheBackend.Create("backup-1", backup))],
        QuietOptions);
}
