using Microsoft.Extensions.Caching.Distributed;

namespace CacheFailover.Bench.Contenders;

/// <summary>An <see cref="IDistributedCache"/> as a contender: GET is GetAsync, SET is SetAsync without expiry.</summary>
internal sealed class DistributedCacheContender(string name, IDistributedCache cache, string configuration) : IContender
{
    private static readonly DistributedCacheEntryOptions NoExpiry = new();

    public string Name => name;

    public string Configuration => configuration;

    public IDistributedCache Cache => cache;

    public async ValueTask<byte[]?> GetAsync(string key) => await cache.GetAsync(key);

    public async ValueTask SetAsync(string key, byte[] value) => await cache.SetAsync(key, value, NoExpiry);

    public async ValueTask<bool> DeleteAsync(string key)
    {
        await cache.RemoveAsync(key);
        return true;
    }

    public bool IsUnknownOutcome(Exception exception) => true;

    public Task ManualFailoverAsync() => throw new NotSupportedException("an IDistributedCache has no manual failover; use the engine under it");

    public Task StopAsync() => Task.CompletedTask;

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
