using System.Text;
using System.Text.Unicode;
using CacheFailover.Backends;
using CacheFailover.Backends.Commands;
using CacheFailover.Engine;
using CacheFailover.Resp.Connections;
using CacheFailover.Resp.Protocol;

namespace CacheFailover.Resp.Commands;

/// <summary>
/// Sends each command where the table says: the front door's own connection commands, the engine
/// (the serving service, with its deadline, health feedback, retries and journal), or a refusal.
/// Every failure becomes an error reply; nothing here closes a connection.
/// </summary>
internal sealed class RespDispatcher(FailoverEngine engine, ConnectionCommands connection, TransactionCommands transactions, RespConnections connections)
{
    private const string NoAuth = "NOAUTH Authentication required.";

    public ValueTask<CommandReply> Dispatch(RespSession session, RespRequest request)
    {
        connections.CountCommand();
        session.Commands++;
        var spec = request.Spec;
        if (spec is null)
        {
            session.QueuedError |= session.Queued is not null;
            return Reply($"ERR unknown command '{Printable(request.Name)}': the front door does not know it (COMMAND lists what it serves; docs/resp.md says why the rest is refused)");
        }

        session.LastCommand = spec.Name;
        if (!session.Authenticated && spec.Name is not ("AUTH" or "HELLO" or "QUIT" or "RESET"))
        {
            return Reply(NoAuth);
        }

        if (!spec.AcceptsArgumentCount(request.Arguments.Length))
        {
            session.QueuedError |= session.Queued is not null;
            return Reply($"ERR wrong number of arguments for '{spec.Name.ToLowerInvariant()}' command");
        }

        if (session.Queued is not null || spec.Route == RespRoute.Transaction)
        {
            return transactions.Handle(session, spec, request);
        }

        return spec.Route switch
        {
            RespRoute.Connection => connection.Run(session, request),
            RespRoute.Engine => spec.Name switch
            {
                "GET" when Utf8.IsValid(request.Arguments[0].Span) => GetAsync(request),
                "SET" when request.Arguments.Length == 2 && Utf8.IsValid(request.Arguments[0].Span) => SetAsync(request),
                _ => RunOnEngine(spec, request),
            },
            RespRoute.Flush => FlushAsync(request),
            _ => Reply($"ERR '{spec.Name}' is not supported: {spec.Refusal}"),
        };
    }

    /// <summary>A command name safe to quote back: printable, at most 64 characters.</summary>
    internal static string Printable(string name)
    {
        var clipped = name.Length > 64 ? name[..64] + "…" : name;
        return string.Concat(clipped.Select(c => char.IsControl(c) ? '?' : c));
    }

    private static ValueTask<CommandReply> Reply(string error) => new(CommandReply.Error(error));

    /// <summary>
    /// The commonest command on the engine's own GET, which every backend runs natively (no generic
    /// command, no reply conversion): the same routing, deadline and retries as the generic path.
    /// </summary>
    private ValueTask<CommandReply> GetAsync(RespRequest request)
    {
        try
        {
            var pending = engine.GetAsync(Encoding.UTF8.GetString(request.Arguments[0].Span));
            return pending.IsCompletedSuccessfully ? new ValueTask<CommandReply>(CommandReply.Bulk(pending.Result)) : AwaitGetAsync(pending);
        }
        catch (CacheOperationException failure)
        {
            return new ValueTask<CommandReply>(Describe(failure, "GET"));
        }
    }

    private static async ValueTask<CommandReply> AwaitGetAsync(ValueTask<byte[]?> pending)
    {
        try
        {
            return CommandReply.Bulk(await pending.ConfigureAwait(false));
        }
        catch (CacheOperationException failure)
        {
            return Describe(failure, "GET");
        }
    }

    /// <summary>A plain <c>SET key value</c> (no options) on the engine's own SET: journaled, repeatable, native on every backend.</summary>
    private ValueTask<CommandReply> SetAsync(RespRequest request)
    {
        try
        {
            var pending = engine.SetAsync(Encoding.UTF8.GetString(request.Arguments[0].Span), request.Arguments[1]);
            return pending.IsCompletedSuccessfully ? new ValueTask<CommandReply>(CommandReply.Ok) : AwaitSetAsync(pending);
        }
        catch (CacheOperationException failure)
        {
            return new ValueTask<CommandReply>(Describe(failure, "SET"));
        }
    }

    private static async ValueTask<CommandReply> AwaitSetAsync(ValueTask pending)
    {
        try
        {
            await pending.ConfigureAwait(false);
            return CommandReply.Ok;
        }
        catch (CacheOperationException failure)
        {
            return Describe(failure, "SET");
        }
    }

    /// <summary>
    /// The keys to journal for a write (none for a read), as text: a key that is not UTF-8 would be
    /// invalidated as another key, so such a write is refused (the error is returned instead).
    /// </summary>
    internal static bool TryWriteKeys(RespCommandSpec spec, RespRequest request, List<string> keys, out string? error)
    {
        error = null;
        if (!spec.IsWrite)
        {
            return true;
        }

        var arguments = request.Arguments;
        var first = keys.Count;
        foreach (var index in spec.KeyIndexes(arguments.Length))
        {
            if (!Utf8.IsValid(arguments[index].Span))
            {
                error = $"ERR key #{keys.Count - first + 1} of {spec.Name} is not valid UTF-8: the failback journal records keys as text, so a write through the front door needs UTF-8 keys";
                return false;
            }

            keys.Add(Encoding.UTF8.GetString(arguments[index].Span));
        }

        return true;
    }

    /// <summary>Whether the command, with its options, may be repeated after an unknown outcome.</summary>
    internal static bool IsSafeToRepeat(RespCommandSpec spec, RespRequest request) => spec.IsSafeToRepeat && !HasAnyOption(request.Arguments, spec.UnsafeOptions);

    private ValueTask<CommandReply> RunOnEngine(RespCommandSpec spec, RespRequest request)
    {
        var arguments = request.Arguments;
        var keys = new List<string>(spec.IsWrite ? 1 : 0);
        if (!TryWriteKeys(spec, request, keys, out var error))
        {
            return Reply(error!);
        }

        var routing = new CommandRouting(keys, spec.IsWrite, IsSafeToRepeat(spec, request));
        try
        {
            var pending = engine.ExecuteCommandAsync(new CacheCommand(spec.Name, arguments), routing);
            return pending.IsCompletedSuccessfully ? pending : AwaitAsync(pending, spec.Name);
        }
        catch (CacheOperationException failure)
        {
            return new ValueTask<CommandReply>(Describe(failure, spec.Name));
        }
    }

    private static async ValueTask<CommandReply> AwaitAsync(ValueTask<CommandReply> pending, string name)
    {
        try
        {
            return await pending.ConfigureAwait(false);
        }
        catch (CacheOperationException failure)
        {
            return Describe(failure, name);
        }
    }

    /// <summary>The engine's failure as an error reply; an unknown outcome says so (I4).</summary>
    internal static CommandReply Describe(CacheOperationException failure, string name) => failure switch
    {
        CacheUnavailableException => CommandReply.Error($"ERR {name} failed: no cache service can serve it now ({failure.Message})"),
        { Outcome: OperationOutcome.Unknown } => CommandReply.Error($"ERR {name}: the outcome is unknown, it may or may not have been applied ({failure.Message})"),
        _ => CommandReply.Error($"ERR {name} failed and was not applied ({failure.Message})"),
    };

    private static bool HasAnyOption(ReadOnlyMemory<byte>[] arguments, IReadOnlyList<string> options)
    {
        if (options.Count == 0)
        {
            return false;
        }

        // Compared as bytes: this runs on every argument of such a command, and a string per
        // argument (plus a closure) was an allocation per argument on the hot path.
        foreach (var argument in arguments)
        {
            if (argument.Length > 8)
            {
                continue;
            }

            var bytes = argument.Span;
            for (var i = 0; i < options.Count; i++)
            {
                if (Ascii.EqualsIgnoreCase(bytes, options[i]))
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>
    /// FLUSHDB (and FLUSHALL, which means the same here: the front door serves one database) on the
    /// serving service. When a backup serves, the primary is marked dirty first, so it is flushed
    /// before it serves again: its keys are not in the journal and would read stale after failback.
    /// </summary>
    private async ValueTask<CommandReply> FlushAsync(RespRequest request)
    {
        var reason = "FLUSHDB through the RESP front door while a backup served: the primary must be flushed before it serves again";
        if (engine.ActiveServiceId != engine.PrimaryServiceId)
        {
            engine.MarkPrimaryDirty(reason);
        }

        try
        {
            var reply = await engine.ExecuteCommandAsync(new CacheCommand("FLUSHDB", request.Arguments), new CommandRouting([], IsWrite: true, IsSafeToRepeat: true)).ConfigureAwait(false);
            if (engine.ActiveServiceId != engine.PrimaryServiceId && !engine.GetJournal().PrimaryDirty)
            {
                // The engine switched to a backup while the flush ran: which one took it is not known here.
                engine.MarkPrimaryDirty(reason);
            }

            return reply;
        }
        catch (CacheOperationException failure)
        {
            return Describe(failure, request.Name);
        }
    }
}
