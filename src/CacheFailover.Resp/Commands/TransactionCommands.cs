using CacheFailover.Backends.Commands;
using CacheFailover.Engine;
using CacheFailover.Resp.Connections;
using CacheFailover.Resp.Protocol;

namespace CacheFailover.Resp.Commands;

/// <summary>
/// MULTI … EXEC: data commands are queued on the connection (<c>+QUEUED</c>) and EXEC sends them to
/// the serving service as one transaction through the engine — so the transaction cannot be split
/// across a failover, every key of every write in it is journaled at once while a backup serves, and
/// it is retried after an unknown outcome only when every command in it is safe to repeat.
/// </summary>
internal sealed class TransactionCommands(FailoverEngine engine)
{
    public ValueTask<CommandReply> Handle(RespSession session, RespCommandSpec spec, RespRequest request)
    {
        var queued = session.Queued;
        switch (spec.Name)
        {
            case "MULTI" when queued is null:
                session.Queued = [];
                session.QueuedError = false;
                return Done(CommandReply.Ok);
            case "MULTI":
                return Done(CommandReply.Error("ERR MULTI calls can not be nested"));
            case "EXEC" when queued is null:
                return Done(CommandReply.Error("ERR EXEC without MULTI"));
            case "DISCARD" when queued is null:
                return Done(CommandReply.Error("ERR DISCARD without MULTI"));
            case "DISCARD":
                session.Queued = null;
                return Done(CommandReply.Ok);
            case "EXEC":
                session.Queued = null;
                return session.QueuedError
                    ? Done(CommandReply.Error("EXECABORT Transaction discarded because of previous errors."))
                    : ExecAsync(queued!);
            case "WATCH":
                return Done(CommandReply.Error("ERR WATCH inside MULTI is not allowed"));
        }

        if (spec.Route != RespRoute.Engine)
        {
            session.QueuedError = true;
            return Done(CommandReply.Error($"ERR '{spec.Name}' cannot be queued in a transaction through the front door: only data commands can{(spec.Refusal is null ? string.Empty : " (" + spec.Refusal + ")")}"));
        }

        queued!.Add(request);
        return Done(CommandReply.Simple("QUEUED"));
    }

    private static ValueTask<CommandReply> Done(CommandReply reply) => new(reply);

    private async ValueTask<CommandReply> ExecAsync(List<RespRequest> queued)
    {
        if (queued.Count == 0)
        {
            return CommandReply.EmptyArray;
        }

        var keys = new List<string>();
        var writes = false;
        var safe = true;
        var commands = new CacheCommand[queued.Count];
        for (var i = 0; i < queued.Count; i++)
        {
            var request = queued[i];
            var spec = request.Spec!;
            if (!RespDispatcher.TryWriteKeys(spec, request, keys, out var error))
            {
                return CommandReply.Error("EXECABORT Transaction discarded: " + error);
            }

            writes |= spec.IsWrite;
            safe &= RespDispatcher.IsSafeToRepeat(spec, request);
            commands[i] = new CacheCommand(spec.Name, request.Arguments);
        }

        try
        {
            return await engine.ExecuteTransactionAsync(commands, new CommandRouting(keys, writes, safe)).ConfigureAwait(false);
        }
        catch (CacheOperationException failure)
        {
            return RespDispatcher.Describe(failure, "EXEC");
        }
    }
}
