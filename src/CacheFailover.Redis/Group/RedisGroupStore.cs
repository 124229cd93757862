using System.Globalization;
using CacheFailover.Backends;
using CacheFailover.Engine;
using CacheFailover.Group;
using StackExchange.Redis;

namespace CacheFailover.Redis.Group;

/// <summary>
/// A failover group's share of one Redis service: the record in a hash (changed only by the
/// compare-and-set script, which also publishes), journal sets written by the fenced-write script,
/// members' heartbeats in a hash, announcements on a channel. Every call goes through the
/// backend's own executor, so it gets the same deadline handling and failure classification as a
/// cache call. Keys are the group's (<see cref="GroupKeys"/>); nothing else is touched.
/// </summary>
/// <remarks>
/// A Redis Cluster runs a script only when all its keys are in one hash slot: the group's keys share
/// one (<see cref="GroupKeys"/> tags them), the user's keys are journaled as values, and a fenced
/// write whose key is in another slot is split (<see cref="FencedWriteCall"/>).
/// </remarks>
internal sealed class RedisGroupStore : IGroupStore
{
    private readonly RedisCacheBackend _backend;
    private readonly GroupKeys _keys;
    private readonly RedisChannel _channel;
    private readonly Action<RedisChannel, RedisValue> _onMessage;
    private readonly Task _subscribed;
    private int _disposed;

    public RedisGroupStore(RedisCacheBackend backend, GroupKeys keys)
    {
        _backend = backend;
        _keys = keys;
        _channel = RedisChannel.Literal(keys.Channel);
        _onMessage = (_, message) =>
        {
            if (long.TryParse(message.ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out var version))
            {
                RecordAnnounced?.Invoke(version);
            }
        };
        _subscribed = SubscribeAsync();
    }

    public event Action<long>? RecordAnnounced;

    public ValueTask<GroupRecord?> ReadRecordAsync(CancellationToken cancellationToken)
        => _backend.ExecuteAsync<GroupKeys, RedisValue, GroupRecord?>("HGET", _keys, static (db, k) => db.HashGetAsync(k.Record, "json"), static json => GroupRecord.FromJson((string?)json), cancellationToken);

    public ValueTask<bool> TryWriteRecordAsync(GroupRecord record, RecordWrite mode, CancellationToken cancellationToken)
    {
        RedisValue[] arguments =
        [
            record.Version,
            record.Status.ToWireName(),
            record.ToJson(),
            record.Status == FailoverStatus.FailedOver ? GroupKeys.FenceValue(record.Epoch, record.ServingServiceId) : string.Empty,
            record.Rank,
            mode == RecordWrite.Spread ? "1" : "0",
        ];

        RedisKey[] keys = [_keys.Record, _keys.Channel, _keys.Fence];
        return _backend.ExecuteAsync<(RedisKey[] Keys, RedisValue[] Arguments), RedisResult, bool>(
            "EVALSHA group-record",
            (keys, arguments),
            static (db, s) => db.ScriptEvaluateAsync(GroupScripts.WriteRecord, s.Keys, s.Arguments),
            static result => (long)result == 1,
            cancellationToken);
    }

    public async ValueTask SetFencedAsync(GroupFence fence, string key, ReadOnlyMemory<byte> value, TimeSpan? timeToLive, CancellationToken cancellationToken)
    {
        string ttl;
        if (timeToLive is { } span)
        {
            if (span <= TimeSpan.Zero)
            {
                throw new ArgumentOutOfRangeException(nameof(timeToLive), span, "A time to live must be positive.");
            }

            ttl = ((long)Math.Ceiling(span.TotalMilliseconds)).ToString(CultureInfo.InvariantCulture);
        }
        else
        {
            ttl = string.Empty;
        }

        // Copied for the same reason as a plain SET: the library may send it after the caller gave up.
        await FencedAsync(fence, key, "set", value.ToArray(), ttl, cancellationToken);
    }

    public async ValueTask<bool> DeleteFencedAsync(GroupFence fence, string key, CancellationToken cancellationToken)
        => await FencedAsync(fence, key, "del", RedisValue.EmptyString, string.Empty, cancellationToken) > 0;

    public async ValueTask JournalFencedAsync(GroupFence fence, IReadOnlyList<string> keys, CancellationToken cancellationToken)
    {
        RedisKey[] scriptKeys = [_keys.Fence, _keys.Journal(fence.Epoch), _keys.JournalOverflow(fence.Epoch), _keys.Record];
        RedisValue[] arguments = [GroupKeys.FenceValue(fence.Epoch, fence.ServiceId), fence.JournalCapacity, .. keys.Select(k => (RedisValue)k)];
        await RunFencedAsync(fence, "EVALSHA fenced-journal", GroupScripts.FencedJournal, scriptKeys, arguments, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<JournalContents> ReadJournalAsync(long epoch, CancellationToken cancellationToken)
    {
        var journal = _keys.Journal(epoch);
        var overflow = _keys.JournalOverflow(epoch);
        var members = await _backend.ExecuteAsync<string, RedisValue[]>("SMEMBERS", journal, static (db, k) => db.SetMembersAsync(k), cancellationToken);
        var overflowed = await _backend.ExecuteAsync<string, bool>("EXISTS", overflow, static (db, k) => db.KeyExistsAsync(k), cancellationToken);
        return new JournalContents([.. members.Select(m => m.ToString())], overflowed);
    }

    public async ValueTask DropJournalAsync(long epoch, CancellationToken cancellationToken)
    {
        RedisKey[] keys = [_keys.Journal(epoch), _keys.JournalOverflow(epoch)];
        await _backend.ExecuteAsync<RedisKey[], long>("UNLINK", keys, static (db, k) => db.KeyDeleteAsync(k), cancellationToken);
    }

    public async ValueTask WriteMemberAsync(GroupMember member, CancellationToken cancellationToken)
        => await _backend.ExecuteAsync<(string Hash, string Id, string Json), bool>(
            "HSET",
            (_keys.Members, member.Identity.MemberId, member.ToJson()),
            static (db, m) => db.HashSetAsync(m.Hash, m.Id, m.Json),
            cancellationToken);

    public async ValueTask RemoveMemberAsync(string memberId, CancellationToken cancellationToken)
        => await _backend.ExecuteAsync<(string Hash, string Id), bool>("HDEL", (_keys.Members, memberId), static (db, m) => db.HashDeleteAsync(m.Hash, m.Id), cancellationToken);

    public async ValueTask<IReadOnlyList<GroupMember>> ReadMembersAsync(CancellationToken cancellationToken)
    {
        var entries = await _backend.ExecuteAsync<string, HashEntry[]>("HGETALL", _keys.Members, static (db, k) => db.HashGetAllAsync(k), cancellationToken);
        return [.. entries.Select(e => GroupMember.FromJson((string?)e.Value)).OfType<GroupMember>()];
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        try
        {
            await _subscribed.ConfigureAwait(false);
            if (_backend.Multiplexer is { } multiplexer)
            {
                await multiplexer.GetSubscriber().UnsubscribeAsync(_channel, _onMessage).ConfigureAwait(false);
            }
        }
#pragma warning disable CA1031 // Unsubscribing from a closed or failed connection has nothing left to undo.
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }

    private async ValueTask<long> FencedAsync(GroupFence fence, string key, string operation, RedisValue value, string ttl, CancellationToken cancellationToken)
    {
        var write = new FencedWriteCall(
            [_keys.Fence, _keys.Journal(fence.Epoch), _keys.JournalOverflow(fence.Epoch), key, _keys.Record],
            [GroupKeys.FenceValue(fence.Epoch, fence.ServiceId), fence.JournalCapacity, operation, value, ttl]);
        try
        {
            return await _backend.ExecuteAsync<FencedWriteCall, RedisResult, long>(
                operation == "set" ? "EVALSHA fenced-set" : "EVALSHA fenced-delete",
                write,
                static (db, w) => w.RunAsync(db),
                static result => (long)result,
                cancellationToken).ConfigureAwait(false);
        }
        catch (CacheBackendException ex) when (ex.InnerException is RedisServerException server && server.Message.StartsWith("FENCED", StringComparison.Ordinal))
        {
            throw Fenced(fence, server, ex);
        }
    }

    private async ValueTask<long> RunFencedAsync(GroupFence fence, string command, string script, RedisKey[] keys, RedisValue[] arguments, CancellationToken cancellationToken)
    {
        try
        {
            return await _backend.ExecuteAsync<(string Script, RedisKey[] Keys, RedisValue[] Arguments), RedisResult, long>(
                command,
                (script, keys, arguments),
                static (db, s) => db.ScriptEvaluateAsync(s.Script, s.Keys, s.Arguments),
                static result => (long)result,
                cancellationToken).ConfigureAwait(false);
        }
        catch (CacheBackendException ex) when (ex.InnerException is RedisServerException server && server.Message.StartsWith("FENCED", StringComparison.Ordinal))
        {
            throw Fenced(fence, server, ex);
        }
    }

    private static GroupFencedException Fenced(GroupFence fence, RedisServerException server, CacheBackendException failure)
        => new($"the write was refused: the group's {server.Message["FENCED ".Length..]} on this service, the writer believed epoch {fence.Epoch}, failed over to '{fence.ServiceId}' (fence {GroupKeys.FenceValue(fence.Epoch, fence.ServiceId)}).", failure);

    /// <summary>Subscribes once the backend has connected; the library re-subscribes by itself after a reconnect.</summary>
    private async Task SubscribeAsync()
    {
        try
        {
            var multiplexer = await _backend.ConnectedMultiplexerAsync().ConfigureAwait(false);
            if (Volatile.Read(ref _disposed) == 0)
            {
                await multiplexer.GetSubscriber().SubscribeAsync(_channel, _onMessage).ConfigureAwait(false);
            }
        }
#pragma warning disable CA1031 // Without a subscription the record is still re-read every probe round; the failure is the connection's, reported by it.
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }
}
