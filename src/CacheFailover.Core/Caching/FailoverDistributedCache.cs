using System.Buffers;
using System.Globalization;
using System.Text;
using CacheFailover.Backends.Commands;
using CacheFailover.Engine;
using Microsoft.Extensions.Caching.Distributed;

namespace CacheFailover.Caching;

/// <summary>
/// An <see cref="IBufferDistributedCache"/> (and so an <see cref="IDistributedCache"/>) over a
/// <see cref="FailoverEngine"/>: every read and write goes to the service that serves now, and every
/// write — a sliding refresh included — is journaled while a backup serves, so nothing reads stale
/// after failback. Entries are one string value each (<see cref="CacheEntryLayout"/>), not the hash
/// layout of <c>Microsoft.Extensions.Caching.StackExchangeRedis</c>; docs/dotnet.md says why.
/// </summary>
/// <remarks>
/// Expiration uses the engine's <see cref="FailoverEngine.TimeProvider"/>. The synchronous members
/// block on the asynchronous ones: the engine has no synchronous path.
/// </remarks>
public sealed class FailoverDistributedCache : IBufferDistributedCache
{
    private readonly FailoverEngine _engine;

    public FailoverDistributedCache(FailoverEngine engine)
    {
        ArgumentNullException.ThrowIfNull(engine);
        _engine = engine;
    }

    /// <inheritdoc />
    public byte[]? Get(string key) => Wait(GetAsync(key, CancellationToken.None));

    /// <inheritdoc />
    public async Task<byte[]?> GetAsync(string key, CancellationToken token = default)
    {
        var stored = await ReadAsync(key, token);
        return stored?.AsSpan(CacheEntryLayout.HeaderSize).ToArray();
    }

    /// <inheritdoc />
    public bool TryGet(string key, IBufferWriter<byte> destination) => Wait(TryGetAsync(key, destination, CancellationToken.None));

    /// <inheritdoc />
    public async ValueTask<bool> TryGetAsync(string key, IBufferWriter<byte> destination, CancellationToken token = default)
    {
        ArgumentNullException.ThrowIfNull(destination);
        var stored = await ReadAsync(key, token);
        if (stored is null)
        {
            return false;
        }

        // The engine hands back the stored array; the payload is written straight from it.
        destination.Write(stored.AsSpan(CacheEntryLayout.HeaderSize));
        return true;
    }

    /// <inheritdoc />
    public void Set(string key, byte[] value, DistributedCacheEntryOptions options) => Wait(SetAsync(key, value, options, CancellationToken.None));

    /// <inheritdoc />
    public Task SetAsync(string key, byte[] value, DistributedCacheEntryOptions options, CancellationToken token = default)
    {
        ArgumentNullException.ThrowIfNull(value);
        return WriteAsync(key, new ReadOnlySequence<byte>(value), options, token).AsTask();
    }

    /// <inheritdoc />
    public void Set(string key, ReadOnlySequence<byte> value, DistributedCacheEntryOptions options) => Wait(SetAsync(key, value, options, CancellationToken.None));

    /// <inheritdoc />
    public ValueTask SetAsync(string key, ReadOnlySequence<byte> value, DistributedCacheEntryOptions options, CancellationToken token = default)
        => WriteAsync(key, value, options, token);

    /// <inheritdoc />
    public void Refresh(string key) => Wait(RefreshAsync(key, CancellationToken.None));

    /// <inheritdoc />
    /// <remarks>Reads the whole entry (the sliding window lives in its header), then re-arms its TTL.</remarks>
    public Task RefreshAsync(string key, CancellationToken token = default) => ReadAsync(key, token);

    /// <inheritdoc />
    public void Remove(string key) => Wait(RemoveAsync(key, CancellationToken.None));

    /// <inheritdoc />
    public Task RemoveAsync(string key, CancellationToken token = default)
    {
        ThrowIfBadKey(key);
        return _engine.DeleteAsync(key, token).AsTask();
    }

    /// <summary>The stored entry (header and payload) when present and not expired; re-arms a sliding TTL, as every read does.</summary>
    private async Task<byte[]?> ReadAsync(string key, CancellationToken token)
    {
        ThrowIfBadKey(key);
        var stored = await _engine.GetAsync(key, token);

        // A value this cache did not write under the same key is a miss, as a foreign key would be.
        if (stored is null || !CacheEntryLayout.TryReadHeader(stored, out var absoluteUnixMs, out var slidingMs))
        {
            return null;
        }

        var nowMs = _engine.TimeProvider.GetUtcNow().ToUnixTimeMilliseconds();

        // The backend's TTL normally removed it already; the check covers a clock ahead of the server's.
        if (absoluteUnixMs != 0 && nowMs >= absoluteUnixMs)
        {
            return null;
        }

        if (slidingMs != 0)
        {
            var ttlMs = absoluteUnixMs == 0 ? slidingMs : Math.Min(slidingMs, absoluteUnixMs - nowMs);
            await ExpireAsync(key, ttlMs, token);
        }

        return stored;
    }

    private async ValueTask WriteAsync(string key, ReadOnlySequence<byte> value, DistributedCacheEntryOptions options, CancellationToken token)
    {
        ThrowIfBadKey(key);
        ArgumentNullException.ThrowIfNull(options);
        var now = _engine.TimeProvider.GetUtcNow();
        var absolute = AbsoluteExpiration(options, now);
        var sliding = options.SlidingExpiration;

        // The sliding window and the absolute cap travel with the value: a refresh on any service,
        // by any instance, re-arms the same window without a second key.
        var absoluteUnixMs = absolute?.ToUnixTimeMilliseconds() ?? 0;
        var slidingMs = sliding is { } s ? Math.Max(1, (long)Math.Ceiling(s.TotalMilliseconds)) : 0;
        TimeSpan? ttl = (absolute, sliding) switch
        {
            ({ } a, { } w) => a - now < w ? a - now : w,
            ({ } a, null) => a - now,
            (null, { } w) => w,
            _ => null,
        };
        await _engine.SetAsync(key, CacheEntryLayout.Compose(absoluteUnixMs, slidingMs, value), ttl, token);
    }

    /// <summary>
    /// Re-arms the TTL with PEXPIRE rather than re-writing the value: a value written by someone else
    /// between the read and the refresh is kept. It is a write, so the engine journals the key while a
    /// backup serves; repeating it only re-arms the same window, so it is safe to retry.
    /// </summary>
    private async ValueTask ExpireAsync(string key, long ttlMs, CancellationToken token)
    {
        if (ttlMs <= 0)
        {
            return;
        }

        var command = new CacheCommand("PEXPIRE", [Encoding.UTF8.GetBytes(key), Encoding.ASCII.GetBytes(ttlMs.ToString(CultureInfo.InvariantCulture))]);
        await _engine.ExecuteCommandAsync(command, new CommandRouting([key], IsWrite: true, IsSafeToRepeat: true), token);
    }

    /// <summary>As Microsoft's caches do: a relative expiration wins over an absolute one, which must lie in the future.</summary>
    private static DateTimeOffset? AbsoluteExpiration(DistributedCacheEntryOptions options, DateTimeOffset now)
    {
        if (options.AbsoluteExpirationRelativeToNow is { } relative)
        {
            return now + relative;
        }

        if (options.AbsoluteExpiration is { } absolute && absolute <= now)
        {
            throw new ArgumentOutOfRangeException(
                nameof(options),
                absolute,
                $"{nameof(DistributedCacheEntryOptions.AbsoluteExpiration)} must lie in the future (now is {now:O} on the engine's clock).");
        }

        return options.AbsoluteExpiration;
    }

    private static void ThrowIfBadKey(string key)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
    }

    private static void Wait(Task task) => task.GetAwaiter().GetResult();

    private static T Wait<T>(Task<T> task) => task.GetAwaiter().GetResult();

    private static void Wait(ValueTask task)
    {
        if (!task.IsCompletedSuccessfully)
        {
            task.AsTask().GetAwaiter().GetResult();
        }
    }

    private static T Wait<T>(ValueTask<T> task) => task.IsCompletedSuccessfully ? task.Result : task.AsTask().GetAwaiter().GetResult();
}
