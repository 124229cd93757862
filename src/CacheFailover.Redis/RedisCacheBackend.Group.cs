using CacheFailover.Group;
using CacheFailover.Redis.Group;
using StackExchange.Redis;

namespace CacheFailover.Redis;

/// <summary>The backend as the keeper of a failover group's state on its service.</summary>
public sealed partial class RedisCacheBackend : IGroupStoreProvider
{
    /// <inheritdoc />
    public IGroupStore? OpenGroupStore(string group) => new RedisGroupStore(this, new GroupKeys(group));

    /// <summary>The multiplexer once created, or null.</summary>
    internal ConnectionMultiplexer? Multiplexer => Volatile.Read(ref _multiplexer);

    /// <summary>The multiplexer, once the first connect has created it (connected or still retrying in the background).</summary>
    internal async Task<ConnectionMultiplexer> ConnectedMultiplexerAsync()
    {
        while (true)
        {
            ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
            try
            {
                return await CurrentConnectTask().ConfigureAwait(false);
            }
            catch (Exception) when (Volatile.Read(ref _disposed) == 0)
            {
                await Task.Delay(_options.MaxReconnectBackoff, _timeProvider).ConfigureAwait(false);
            }
        }
    }
}
