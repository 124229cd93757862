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
internal sealed class RespDispatcher(FailoverEngine engine, ConnectionCommands connection, RespConnections connections)
{
    private const string NoAuth = "NOAUTH Authentication required.";

    public ValueTask<CommandReply> Dispatch(RespSession session, RespRequest request)
    {
        connections.CountCommand();
        session.Commands++;
        var spec = request.Spec;
        if (spec is null)
        {
            return Reply($"ERR unknown command '{Printable(request.Name)}': the front door does not know it (COMMAND lists what it serves; docs/resp.md says why the rest is refused)");
        }

        session.LastCommand = spec.Name;
        if (!session.Authenticated && spec.Name is not ("AUTH" or "HELLO" or "QUIT" or "RESET"))
        {
            return Reply(NoAuth);
        }

        if (session.InRefusedTransaction || spec.Name == "MULTI")
        {
            return Reply(InTransaction(session, spec.Name));
        }

        if (!spec.AcceptsArgumentCount(request.Arguments.Length))
        {
            return Reply($"ERR wrong number of arguments for '{spec.Name.ToLowerInvariant()}' command");
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

    /// <summary>
    /// MULTI is refused, and so is everything a client queues after it up to EXEC or DISCARD: run one
    /// by one, the transaction's commands would apply partly and without its atomicity.
    /// </summary>
    private static string InTransaction(RespSession session, string name)
    {
        switch (name)
        {
            case "MULTI":
                session.InRefusedTransaction = true;
                return "ERR 'MULTI' is not supported: transactions (MULTI/EXEC/WATCH) are not supported yet; the commands up to EXEC or DISCARD will not run";
            case "EXEC":
                session.InRefusedTransaction = false;
                return "EXECABORT Transaction discarded: MULTI is not supported by the front door, so none of its commands ran";
            case "DISCARD":
                session.InRefusedTransaction = false;
                return "ERR 'DISCARD' after a refused MULTI: nothing was queued and nothing ran";
            default:
                return $"ERR '{name}' not run: it follows a refused MULTI (transactions are not supported); send EXEC or DISCARD to end it";
        }
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

    private ValueTask<CommandReply> RunOnEngine(RespCommandSpec spec, RespRequest request)
    {
        var arguments = request.Arguments;
        IReadOnlyList<string> keys = [];
        if (spec.IsWrite)
        {
            // Keys are journaled as text; a key that is not UTF-8 would be invalidated as another key.
            var list = new List<string>(1);
            foreach (var index in spec.KeyIndexes(arguments.Length))
            {
                if (!Utf8.IsValid(arguments[index].Span))
                {
                    return Reply($"ERR key #{list.Count + 1} of {spec.Name} is not valid UTF-8: the failback journal records keys as text, so a write through the front door needs UTF-8 keys");
                }

                list.Add(Encoding.UTF8.GetString(arguments[index].Span));
            }

            keys = list;
        }

        var routing = new CommandRouting(keys, spec.IsWrite, spec.IsSafeToRepeat && !HasAnyOption(arguments, spec.UnsafeOptions));
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

        foreach (var argument in arguments)
        {
            if (argument.Length <= 8)
            {
                var word = Encoding.ASCII.GetString(argument.Span);
                if (options.Any(o => o.Equals(word, StringComparison.OrdinalIgnoreCase)))
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
