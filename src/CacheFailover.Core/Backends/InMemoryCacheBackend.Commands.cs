using System.Buffers.Text;
using System.Globalization;
using System.Text;
using CacheFailover.Backends.Commands;

namespace CacheFailover.Backends;

/// <summary>
/// The Redis-protocol commands the in-memory backend runs: strings, keys and TTLs, with Redis's
/// replies. It holds only strings, so every other data type is refused with an error naming it.
/// </summary>
/// <remarks>
/// Each single-key change is atomic (a compare-and-swap loop on the entry); a multi-key command such
/// as MSET applies its keys one by one.
/// </remarks>
public sealed partial class InMemoryCacheBackend
{
    private const long TicksPerMillisecond = TimeSpan.TicksPerMillisecond;
    private static readonly long UnixEpochTicks = DateTimeOffset.UnixEpoch.UtcTicks;

    /// <summary>Commands this backend runs, in upper case (the front door's documentation reads it).</summary>
    public static IReadOnlySet<string> SupportedCommands { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        "GET", "SET", "SETNX", "SETEX", "PSETEX", "GETDEL", "GETEX", "MGET", "MSET", "APPEND", "STRLEN",
        "INCR", "DECR", "INCRBY", "DECRBY", "GETRANGE", "SETRANGE", "DEL", "UNLINK", "EXISTS", "EXPIRE", "PEXPIRE",
        "EXPIREAT", "PEXPIREAT", "TTL", "PTTL", "PERSIST", "TYPE", "DBSIZE", "KEYS", "SCAN", "RANDOMKEY", "FLUSHDB",
    };

    /// <inheritdoc />
    public ValueTask<CommandReply> ExecuteCommandAsync(CacheCommand command, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(command);
        var args = command.Arguments;
        var reply = command.Name switch
        {
            "GET" when args.Count == 1 => Read(Key(args[0]), static e => CommandReply.Bulk(e?.Value)),
            "SET" when args.Count >= 2 => Set(args),
            "SETNX" when args.Count == 2 => SetNx(args),
            "SETEX" when args.Count == 3 => SetWithExpiry(args, TimeSpan.TicksPerSecond),
            "PSETEX" when args.Count == 3 => SetWithExpiry(args, TicksPerMillisecond),
            "GETDEL" when args.Count == 1 => Mutate(Key(args[0]), static e => (null, CommandReply.Bulk(e?.Value))),
            "GETEX" when args.Count >= 1 => GetEx(args),
            "MGET" when args.Count >= 1 => CommandReply.Array([.. args.Select(a => Read(Key(a), static e => CommandReply.Bulk(e?.Value)))]),
            "MSET" when args.Count >= 2 && args.Count % 2 == 0 => MSet(args),
            "APPEND" when args.Count == 2 => Append(args),
            "STRLEN" when args.Count == 1 => Read(Key(args[0]), static e => CommandReply.FromInteger(e?.Value.Length ?? 0)),
            "INCR" when args.Count == 1 => IncrementBy(Key(args[0]), 1),
            "DECR" when args.Count == 1 => IncrementBy(Key(args[0]), -1),
            "INCRBY" when args.Count == 2 => TryInteger(args[1], out var by) ? IncrementBy(Key(args[0]), by) : NotAnInteger,
            "DECRBY" when args.Count == 2 => TryInteger(args[1], out var by) && by != long.MinValue ? IncrementBy(Key(args[0]), -by) : NotAnInteger,
            "GETRANGE" when args.Count == 3 => GetRange(args),
            "SETRANGE" when args.Count == 3 => SetRange(args),
            "DEL" or "UNLINK" when args.Count >= 1 => CommandReply.FromInteger(args.Count(a => Mutate(Key(a), static e => (null, CommandReply.FromInteger(e is null ? 0 : 1))).Integer == 1)),
            "EXISTS" when args.Count >= 1 => CommandReply.FromInteger(args.Count(a => Read(Key(a), static e => CommandReply.FromInteger(e is null ? 0 : 1)).Integer == 1)),
            "EXPIRE" when args.Count == 2 => Expire(args, TimeSpan.TicksPerSecond, absolute: false),
            "PEXPIRE" when args.Count == 2 => Expire(args, TicksPerMillisecond, absolute: false),
            "EXPIREAT" when args.Count == 2 => Expire(args, TimeSpan.TicksPerSecond, absolute: true),
            "PEXPIREAT" when args.Count == 2 => Expire(args, TicksPerMillisecond, absolute: true),
            "TTL" when args.Count == 1 => TimeToLive(Key(args[0]), TimeSpan.TicksPerSecond),
            "PTTL" when args.Count == 1 => TimeToLive(Key(args[0]), TicksPerMillisecond),
            "PERSIST" when args.Count == 1 => Mutate(Key(args[0]), static e => e is null || e.ExpiresAtTicks == long.MaxValue ? (e, CommandReply.FromInteger(0)) : (new Entry(e.Value, long.MaxValue), CommandReply.FromInteger(1))),
            "TYPE" when args.Count == 1 => Read(Key(args[0]), static e => CommandReply.Simple(e is null ? "none" : "string")),
            "DBSIZE" when args.Count == 0 => CommandReply.FromInteger(Count),
            "KEYS" when args.Count == 1 => CommandReply.Array([.. LiveKeys(Encoding.UTF8.GetString(args[0].Span)).Select(CommandReply.Bulk)]),
            "SCAN" when args.Count >= 1 => Scan(args),
            "RANDOMKEY" when args.Count == 0 => CommandReply.Bulk(LiveKeys(null).FirstOrDefault()),
            "FLUSHDB" when args.Count <= 1 => Flush(),
            _ when SupportedCommands.Contains(command.Name) => CommandReply.Error($"ERR wrong number of arguments for '{command.Name.ToLowerInvariant()}' command"),
            _ => CommandReply.Error($"ERR '{command.Name}' is not supported by the in-memory backend ({Endpoint}): it holds strings only and runs string, key and TTL commands; use a Redis backend for other data types"),
        };
        return new ValueTask<CommandReply>(reply);
    }

    private CommandReply Flush()
    {
        _entries.Clear();
        return CommandReply.Ok;
    }

    private static CommandReply NotAnInteger { get; } = CommandReply.Error("ERR value is not an integer or out of range");

    private static CommandReply SyntaxError { get; } = CommandReply.Error("ERR syntax error");

    private static string Key(ReadOnlyMemory<byte> bytes) => Encoding.UTF8.GetString(bytes.Span);

    private static bool TryInteger(ReadOnlyMemory<byte> bytes, out long value)
        => Utf8Parser.TryParse(bytes.Span, out value, out var consumed) && consumed == bytes.Length && bytes.Length > 0;

    private static bool Is(ReadOnlyMemory<byte> bytes, string word)
        => bytes.Length == word.Length && Encoding.ASCII.GetString(bytes.Span).Equals(word, StringComparison.OrdinalIgnoreCase);

    private CommandReply Read(string key, Func<Entry?, CommandReply> answer)
    {
        var now = NowTicks();
        return answer(_entries.TryGetValue(key, out var entry) && !entry.IsExpired(now) ? entry : null);
    }

    /// <summary>Applies <paramref name="change"/> to the live entry (null when missing) atomically; an error reply changes nothing.</summary>
    private CommandReply Mutate(string key, Func<Entry?, (Entry? Next, CommandReply Reply)> change)
    {
        while (true)
        {
            var now = NowTicks();
            var exists = _entries.TryGetValue(key, out var stored);
            var live = exists && !stored!.IsExpired(now) ? stored : null;
            var (next, reply) = change(live);
            if (reply.IsError || (ReferenceEquals(next, live) && (live is not null || !exists)))
            {
                return reply;
            }

            if (next is not null && next.IsExpired(now))
            {
                next = null;
            }

            bool applied;
            if (next is null)
            {
                applied = !exists || _entries.TryRemove(new KeyValuePair<string, Entry>(key, stored!));
            }
            else if (!exists)
            {
                if (_entries.Count >= _maxEntries)
                {
                    MakeRoom();
                }

                applied = _entries.TryAdd(key, next);
            }
            else
            {
                applied = _entries.TryUpdate(key, next, stored!);
            }

            if (applied)
            {
                return reply;
            }
        }
    }

    private CommandReply Set(IReadOnlyList<ReadOnlyMemory<byte>> args)
    {
        bool nx = false, xx = false, get = false, keepTtl = false;
        long? expiresAt = null;
        for (var i = 2; i < args.Count; i++)
        {
            var option = args[i];
            if (Is(option, "NX")) nx = true;
            else if (Is(option, "XX")) xx = true;
            else if (Is(option, "GET")) get = true;
            else if (Is(option, "KEEPTTL")) keepTtl = true;
            else if ((Is(option, "EX") || Is(option, "PX") || Is(option, "EXAT") || Is(option, "PXAT")) && i + 1 < args.Count && expiresAt is null)
            {
                if (!TryExpiry(option, args[++i], out var at))
                {
                    return CommandReply.Error("ERR invalid expire time in 'set' command");
                }

                expiresAt = at;
            }
            else
            {
                return SyntaxError;
            }
        }

        if ((nx && xx) || (keepTtl && expiresAt is not null))
        {
            return SyntaxError;
        }

        var value = args[1].ToArray();
        return Mutate(Key(args[0]), e =>
        {
            var reply = get ? CommandReply.Bulk(e?.Value) : CommandReply.Ok;
            if ((nx && e is not null) || (xx && e is null))
            {
                return (e, get ? reply : CommandReply.Null);
            }

            var expiry = expiresAt ?? (keepTtl && e is not null ? e.ExpiresAtTicks : long.MaxValue);
            return (new Entry(value, expiry), reply);
        });
    }

    private CommandReply SetNx(IReadOnlyList<ReadOnlyMemory<byte>> args)
    {
        var value = args[1].ToArray();
        return Mutate(Key(args[0]), e => e is not null ? (e, CommandReply.FromInteger(0)) : (new Entry(value, long.MaxValue), CommandReply.FromInteger(1)));
    }

    private CommandReply SetWithExpiry(IReadOnlyList<ReadOnlyMemory<byte>> args, long unitTicks)
    {
        if (!TryInteger(args[1], out var amount) || amount <= 0 || amount > long.MaxValue / unitTicks / 2)
        {
            return CommandReply.Error("ERR invalid expire time in 'setex' command");
        }

        var entry = new Entry(args[2].ToArray(), NowTicks() + (amount * unitTicks));
        return Mutate(Key(args[0]), _ => (entry, CommandReply.Ok));
    }

    private CommandReply GetEx(IReadOnlyList<ReadOnlyMemory<byte>> args)
    {
        long? expiresAt = null;
        var persist = false;
        if (args.Count == 2 && Is(args[1], "PERSIST"))
        {
            persist = true;
        }
        else if (args.Count == 3 && TryExpiry(args[1], args[2], out var at))
        {
            expiresAt = at;
        }
        else if (args.Count != 1)
        {
            return SyntaxError;
        }

        return Mutate(Key(args[0]), e => e is null || (!persist && expiresAt is null)
            ? (e, CommandReply.Bulk(e?.Value))
            : (new Entry(e.Value, persist ? long.MaxValue : expiresAt!.Value), CommandReply.Bulk(e.Value)));
    }

    private CommandReply MSet(IReadOnlyList<ReadOnlyMemory<byte>> args)
    {
        for (var i = 0; i < args.Count; i += 2)
        {
            var entry = new Entry(args[i + 1].ToArray(), long.MaxValue);
            Mutate(Key(args[i]), _ => (entry, CommandReply.Ok));
        }

        return CommandReply.Ok;
    }

    private CommandReply Append(IReadOnlyList<ReadOnlyMemory<byte>> args)
    {
        var tail = args[1].ToArray();
        return Mutate(Key(args[0]), e =>
        {
            var value = e is null ? tail : [.. e.Value, .. tail];
            return (new Entry(value, e?.ExpiresAtTicks ?? long.MaxValue), CommandReply.FromInteger(value.Length));
        });
    }

    private CommandReply IncrementBy(string key, long by) => Mutate(key, e =>
    {
        long current = 0;
        if (e is not null && !(Utf8Parser.TryParse(e.Value, out current, out var consumed) && consumed == e.Value.Length))
        {
            return (e, NotAnInteger);
        }

        if ((by > 0 && current > long.MaxValue - by) || (by < 0 && current < long.MinValue - by))
        {
            return (e, CommandReply.Error("ERR increment or decrement would overflow"));
        }

        var next = current + by;
        return (new Entry(Encoding.ASCII.GetBytes(next.ToString(CultureInfo.InvariantCulture)), e?.ExpiresAtTicks ?? long.MaxValue), CommandReply.FromInteger(next));
    });

    private CommandReply GetRange(IReadOnlyList<ReadOnlyMemory<byte>> args)
    {
        if (!TryInteger(args[1], out var start) || !TryInteger(args[2], out var end))
        {
            return NotAnInteger;
        }

        return Read(Key(args[0]), e =>
        {
            var value = e?.Value ?? [];
            var length = value.Length;
            var from = start < 0 ? Math.Max(0, length + start) : start;
            var to = end < 0 ? length + end : Math.Min(end, length - 1);
            return from > to || from >= length ? CommandReply.Bulk([]) : CommandReply.Bulk(value[(int)from..((int)to + 1)]);
        });
    }

    private CommandReply SetRange(IReadOnlyList<ReadOnlyMemory<byte>> args)
    {
        if (!TryInteger(args[1], out var offset) || offset < 0 || offset > 512L * 1024 * 1024)
        {
            return CommandReply.Error("ERR offset is out of range");
        }

        var patch = args[2].ToArray();
        return Mutate(Key(args[0]), e =>
        {
            var old = e?.Value ?? [];
            if (patch.Length == 0)
            {
                return (e, CommandReply.FromInteger(old.Length));
            }

            var value = new byte[Math.Max(old.Length, offset + patch.Length)];
            old.CopyTo(value, 0);
            patch.CopyTo(value, (int)offset);
            return (new Entry(value, e?.ExpiresAtTicks ?? long.MaxValue), CommandReply.FromInteger(value.Length));
        });
    }

    private CommandReply Expire(IReadOnlyList<ReadOnlyMemory<byte>> args, long unitTicks, bool absolute)
    {
        if (!TryInteger(args[1], out var amount) || Math.Abs(amount) > long.MaxValue / unitTicks / 2)
        {
            return NotAnInteger;
        }

        var at = (absolute ? UnixEpochTicks : NowTicks()) + (amount * unitTicks);
        return Mutate(Key(args[0]), e => e is null ? (e, CommandReply.FromInteger(0)) : (new Entry(e.Value, at), CommandReply.FromInteger(1)));
    }

    private CommandReply TimeToLive(string key, long unitTicks)
    {
        var now = NowTicks();
        return Read(key, e => e is null ? CommandReply.FromInteger(-2)
            : e.ExpiresAtTicks == long.MaxValue ? CommandReply.FromInteger(-1)
            : CommandReply.FromInteger((e.ExpiresAtTicks - now + unitTicks - 1) / unitTicks));
    }

    /// <summary>One page holding every live key, cursor 0 (the whole keyspace is small and in process).</summary>
    private CommandReply Scan(IReadOnlyList<ReadOnlyMemory<byte>> args)
    {
        string? pattern = null;
        for (var i = 1; i < args.Count; i += 2)
        {
            if (i + 1 >= args.Count)
            {
                return SyntaxError;
            }

            if (Is(args[i], "MATCH"))
            {
                pattern = Encoding.UTF8.GetString(args[i + 1].Span);
            }
            else if (!Is(args[i], "COUNT") && !Is(args[i], "TYPE"))
            {
                return SyntaxError;
            }
        }

        return CommandReply.Array([CommandReply.Bulk("0"), CommandReply.Array([.. LiveKeys(pattern).Select(CommandReply.Bulk)])]);
    }

    private List<string> LiveKeys(string? pattern)
    {
        var now = NowTicks();
        return _entries.Where(pair => !pair.Value.IsExpired(now) && (pattern is null || GlobPattern.IsMatch(pattern, pair.Key))).Select(pair => pair.Key).ToList();
    }

    /// <summary>EX/PX seconds or milliseconds from now, EXAT/PXAT Unix time; false when not a positive integer.</summary>
    private bool TryExpiry(ReadOnlyMemory<byte> unit, ReadOnlyMemory<byte> amountText, out long expiresAtTicks)
    {
        expiresAtTicks = 0;
        var milliseconds = Is(unit, "PX") || Is(unit, "PXAT");
        var absolute = Is(unit, "EXAT") || Is(unit, "PXAT");
        if (!(milliseconds || absolute || Is(unit, "EX")) || !TryInteger(amountText, out var amount) || amount <= 0)
        {
            return false;
        }

        var unitTicks = milliseconds ? TicksPerMillisecond : TimeSpan.TicksPerSecond;
        if (amount > long.MaxValue / unitTicks / 2)
        {
            return false;
        }

        expiresAtTicks = (absolute ? UnixEpochTicks : NowTicks()) + (amount * unitTicks);
        return true;
    }
}
