using CacheFailover.Backends;
using StackExchange.Redis;

namespace CacheFailover.Redis;

/// <summary>The ACL check registration runs: the commands the engine needs beyond GET, SET and DEL.</summary>
public sealed partial class RedisCacheBackend : IBackendRightsCheck
{
    private const string RightsKey = "cachefailover:rights-check";

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<string>> MissingRightsAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        var multiplexer = await ProbeConnection().WaitAsync(cancellationToken).ConfigureAwait(false);
        var database = multiplexer.GetDatabase(Database);

        // Sent together; each touches only a namespaced key or channel that holds nothing.
        var checks = new (string Right, Task Call)[]
        {
            ("UNLINK (removing journaled keys from the primary on failback)", database.ExecuteAsync("UNLINK", (RedisKey)RightsKey)),
            ("PEXPIRE (sliding expiration through the distributed cache)", database.ExecuteAsync("PEXPIRE", (RedisKey)RightsKey, 1000)),
            ("EVAL / EVALSHA (the failover group's record, fence and journal are Lua scripts)", database.ScriptEvaluateAsync("return 1")),
            ("PUBLISH on cachefailover:* channels (announcing failover decisions to the group)", database.PublishAsync(RedisChannel.Literal(RightsKey), RedisValue.EmptyString)),
        };

        var missing = new List<string>();
        foreach (var (right, call) in checks)
        {
            try
            {
                await call.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (RedisServerException refused) when (refused.Message.StartsWith("NOPERM", StringComparison.Ordinal))
            {
                missing.Add(right);
            }
            catch (RedisException)
            {
                // Not a refusal: reachability is the probe's to judge.
            }
        }

        return missing;
    }
}
