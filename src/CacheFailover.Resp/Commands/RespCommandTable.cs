using System.Buffers;
using System.Text;

namespace CacheFailover.Resp.Commands;

/// <summary>
/// The one command table of the front door: every command it knows, with its arity, who answers it,
/// whether it writes, where its keys are and whether it is safe to repeat. The dispatcher, COMMAND,
/// and docs/resp.md all read it.
/// </summary>
internal sealed class RespCommandTable
{
    private const string Watch = "WATCH is not supported yet: a watched key's version would have to be carried to the new service across a failover (MULTI/EXEC without WATCH works)";
    private const string PubSub = "pub/sub is not supported yet: subscriptions would have to be moved to the new service after a switch";
    private const string Blocking = "blocking commands are not supported: a blocked client would hold a command on one service across a failover";
    private const string Scripts = "scripts and functions are not supported yet: their writes cannot be journaled or retried safely from outside";
    private const string NotYet = "not supported yet by the front door (its keys are named by a count, or it copies between keys in ways the table does not describe)";
    private const string Admin = "administrative and replication commands are not forwarded: the front door fronts several services, manage them directly or through the MCP tools";

    private readonly Dictionary<string, RespCommandSpec> _byName;
    private readonly Dictionary<string, RespCommandSpec>.AlternateLookup<ReadOnlySpan<char>> _byChars;

    public RespCommandTable()
        : this(DefaultCommands())
    {
    }

    internal RespCommandTable(IEnumerable<RespCommandSpec> commands)
    {
        _byName = new Dictionary<string, RespCommandSpec>(StringComparer.OrdinalIgnoreCase);
        foreach (var command in commands)
        {
            if (!_byName.TryAdd(command.Name, command))
            {
                throw new ArgumentException($"The command table names {command.Name} twice.", nameof(commands));
            }
        }

        _byChars = _byName.GetAlternateLookup<ReadOnlySpan<char>>();
        All = [.. _byName.Values.OrderBy(c => c.Name, StringComparer.Ordinal)];
    }

    /// <summary>Every command, by name.</summary>
    public IReadOnlyList<RespCommandSpec> All { get; }

    public RespCommandSpec? Find(string name) => _byName.GetValueOrDefault(name);

    /// <summary>Finds a command by its name as sent, in any case, without allocating.</summary>
    public RespCommandSpec? Find(ReadOnlySequence<byte> name)
    {
        if (name.Length is 0 or > 32)
        {
            return null;
        }

        Span<char> chars = stackalloc char[(int)name.Length];
        var written = Encoding.ASCII.GetChars(name, chars);
        return _byChars.TryGetValue(chars[..written], out var spec) ? spec : null;
    }

    private static IEnumerable<RespCommandSpec> DefaultCommands()
    {
        // Connection and server commands answered by the front door itself.
        foreach (var (name, arity) in new[] { ("PING", -1), ("ECHO", 2), ("SELECT", 2), ("AUTH", -2), ("HELLO", -1), ("CLIENT", -2), ("QUIT", -1), ("RESET", 1), ("COMMAND", -1), ("INFO", -1), ("CONFIG", -2), ("CLUSTER", -2), ("READONLY", 1), ("READWRITE", 1) })
        {
            yield return new RespCommandSpec(name, arity, RespRoute.Connection, "connection", false, 0, 0, 0, true);
        }

        // Strings.
        yield return Read("GET", 2, "string");
        yield return Read("MGET", -2, "string", last: -1);
        yield return Read("STRLEN", 2, "string");
        yield return Read("GETRANGE", 4, "string");
        yield return Write("SET", -3, "string", safe: true) with { UnsafeOptions = ["NX", "XX", "GET"] };
        yield return Write("SETEX", 4, "string", safe: true);
        yield return Write("PSETEX", 4, "string", safe: true);
        yield return Write("MSET", -3, "string", safe: true, last: -1, step: 2);
        yield return Write("SETRANGE", 4, "string", safe: true);
        yield return Write("GETEX", -2, "string", safe: true);
        yield return Write("SETNX", 3, "string", safe: false);
        yield return Write("MSETNX", -3, "string", safe: false, last: -1, step: 2);
        yield return Write("GETSET", 3, "string", safe: false);
        yield return Write("GETDEL", 2, "string", safe: false);
        yield return Write("APPEND", 3, "string", safe: false);
        foreach (var (name, arity) in new[] { ("INCR", 2), ("DECR", 2), ("INCRBY", 3), ("DECRBY", 3), ("INCRBYFLOAT", 3) })
        {
            yield return Write(name, arity, "string", safe: false);
        }

        // Keys and TTLs.
        yield return Read("EXISTS", -2, "key", last: -1);
        yield return Read("TYPE", 2, "key");
        yield return Read("TTL", 2, "key");
        yield return Read("PTTL", 2, "key");
        yield return Read("EXPIRETIME", 2, "key");
        yield return Read("PEXPIRETIME", 2, "key");
        yield return Read("TOUCH", -2, "key", last: -1);
        yield return Write("DEL", -2, "key", safe: true, last: -1);
        yield return Write("UNLINK", -2, "key", safe: true, last: -1);
        yield return Write("EXPIRE", -3, "key", safe: true);
        yield return Write("PEXPIRE", -3, "key", safe: true);
        yield return Write("EXPIREAT", -3, "key", safe: true);
        yield return Write("PEXPIREAT", -3, "key", safe: true);
        yield return Write("PERSIST", 2, "key", safe: true);
        yield return Write("RENAME", 3, "key", safe: false, last: 2);
        yield return Write("RENAMENX", 3, "key", safe: false, last: 2);
        yield return Keyless("SCAN", -2);
        yield return Keyless("KEYS", 2);
        yield return Keyless("RANDOMKEY", 1);
        yield return Keyless("DBSIZE", 1);
        yield return new RespCommandSpec("FLUSHDB", -1, RespRoute.Flush, "server", true, 0, 0, 0, true);
        yield return new RespCommandSpec("FLUSHALL", -1, RespRoute.Flush, "server", true, 0, 0, 0, true);

        // Hashes.
        foreach (var (name, arity) in new[] { ("HGET", 3), ("HMGET", -3), ("HGETALL", 2), ("HEXISTS", 3), ("HLEN", 2), ("HKEYS", 2), ("HVALS", 2), ("HSTRLEN", 3), ("HRANDFIELD", -2), ("HSCAN", -3) })
        {
            yield return Read(name, arity, "hash");
        }

        yield return Write("HSET", -4, "hash", safe: true);
        yield return Write("HMSET", -4, "hash", safe: true);
        yield return Write("HDEL", -3, "hash", safe: true);
        yield return Write("HSETNX", 4, "hash", safe: false);
        yield return Write("HINCRBY", 4, "hash", safe: false);
        yield return Write("HINCRBYFLOAT", 4, "hash", safe: false);

        // Lists (non-blocking).
        foreach (var (name, arity) in new[] { ("LRANGE", 4), ("LLEN", 2), ("LINDEX", 3), ("LPOS", -3) })
        {
            yield return Read(name, arity, "list");
        }

        yield return Write("LSET", 4, "list", safe: true);
        foreach (var (name, arity) in new[] { ("LPUSH", -3), ("RPUSH", -3), ("LPUSHX", -3), ("RPUSHX", -3), ("LPOP", -2), ("RPOP", -2), ("LREM", 4), ("LTRIM", 4), ("LINSERT", 5) })
        {
            yield return Write(name, arity, "list", safe: false);
        }

        yield return Write("RPOPLPUSH", 3, "list", safe: false, last: 2);
        yield return Write("LMOVE", 5, "list", safe: false, last: 2);

        // Sets.
        foreach (var (name, arity) in new[] { ("SMEMBERS", 2), ("SISMEMBER", 3), ("SMISMEMBER", -3), ("SCARD", 2), ("SRANDMEMBER", -2), ("SSCAN", -3) })
        {
            yield return Read(name, arity, "set");
        }

        foreach (var name in new[] { "SINTER", "SUNION", "SDIFF" })
        {
            yield return Read(name, -2, "set", last: -1);
        }

        yield return Write("SADD", -3, "set", safe: true);
        yield return Write("SREM", -3, "set", safe: true);
        yield return Write("SMOVE", 4, "set", safe: true, last: 2);
        foreach (var name in new[] { "SINTERSTORE", "SUNIONSTORE", "SDIFFSTORE" })
        {
            yield return Write(name, -3, "set", safe: true, last: -1);
        }

        yield return Write("SPOP", -2, "set", safe: false);

        // Sorted sets.
        foreach (var (name, arity) in new[] { ("ZSCORE", 3), ("ZMSCORE", -3), ("ZRANK", -3), ("ZREVRANK", -3), ("ZCARD", 2), ("ZCOUNT", 4), ("ZLEXCOUNT", 4), ("ZRANGE", -4), ("ZREVRANGE", -4), ("ZRANGEBYSCORE", -4), ("ZREVRANGEBYSCORE", -4), ("ZRANGEBYLEX", -4), ("ZREVRANGEBYLEX", -4), ("ZRANDMEMBER", -2), ("ZSCAN", -3) })
        {
            yield return Read(name, arity, "sorted set");
        }

        yield return Write("ZADD", -4, "sorted set", safe: true) with { UnsafeOptions = ["INCR"] };
        yield return Write("ZREM", -3, "sorted set", safe: true);
        yield return Write("ZREMRANGEBYSCORE", 4, "sorted set", safe: true);
        yield return Write("ZREMRANGEBYLEX", 4, "sorted set", safe: true);
        yield return Write("ZREMRANGEBYRANK", 4, "sorted set", safe: false);
        yield return Write("ZINCRBY", 4, "sorted set", safe: false);
        yield return Write("ZPOPMIN", -2, "sorted set", safe: false);
        yield return Write("ZPOPMAX", -2, "sorted set", safe: false);

        // Refused, each with its reason.
        foreach (var name in new[] { "MULTI", "EXEC", "DISCARD" })
        {
            yield return new RespCommandSpec(name, 1, RespRoute.Transaction, "transaction", false, 0, 0, 0, true);
        }

        foreach (var name in new[] { "WATCH", "UNWATCH" })
        {
            yield return Refused(name, "transaction", Watch);
        }

        foreach (var name in new[] { "SUBSCRIBE", "UNSUBSCRIBE", "PSUBSCRIBE", "PUNSUBSCRIBE", "SSUBSCRIBE", "SUNSUBSCRIBE", "PUBLISH", "SPUBLISH", "PUBSUB" })
        {
            yield return Refused(name, "pub/sub", PubSub);
        }

        foreach (var name in new[] { "BLPOP", "BRPOP", "BRPOPLPUSH", "BLMOVE", "BLMPOP", "BZPOPMIN", "BZPOPMAX", "BZMPOP", "WAIT", "WAITAOF" })
        {
            yield return Refused(name, "blocking", Blocking);
        }

        foreach (var name in new[] { "EVAL", "EVALSHA", "EVAL_RO", "EVALSHA_RO", "SCRIPT", "FUNCTION", "FCALL", "FCALL_RO" })
        {
            yield return Refused(name, "scripting", Scripts);
        }

        foreach (var name in new[] { "MONITOR", "DEBUG", "SHUTDOWN", "SAVE", "BGSAVE", "BGREWRITEAOF", "LASTSAVE", "REPLICAOF", "SLAVEOF", "SYNC", "PSYNC", "MIGRATE", "MOVE", "SWAPDB", "SENTINEL", "ACL", "SLOWLOG", "LATENCY", "MEMORY", "MODULE", "FAILOVER" })
        {
            yield return Refused(name, "server", Admin);
        }

        foreach (var name in new[] { "COPY", "SORT", "SORT_RO", "OBJECT", "DUMP", "RESTORE", "ZUNIONSTORE", "ZINTERSTORE", "ZDIFFSTORE", "ZRANGESTORE", "ZUNION", "ZINTER", "ZDIFF", "ZINTERCARD", "SINTERCARD", "LMPOP", "ZMPOP" })
        {
            yield return Refused(name, "not yet", NotYet);
        }
    }

    private static RespCommandSpec Read(string name, int arity, string group, int last = 1)
        => new(name, arity, RespRoute.Engine, group, false, 1, last, 1, true);

    private static RespCommandSpec Write(string name, int arity, string group, bool safe, int last = 1, int step = 1)
        => new(name, arity, RespRoute.Engine, group, true, 1, last, step, safe);

    private static RespCommandSpec Keyless(string name, int arity)
        => new(name, arity, RespRoute.Engine, "key", false, 0, 0, 0, true);

    private static RespCommandSpec Refused(string name, string group, string reason)
        => new(name, -1, RespRoute.Refused, group, false, 0, 0, 0, false, reason);
}
