using CacheFailover.Backends;
using CacheFailover.Backends.Commands;
using StackExchange.Redis;

namespace CacheFailover.Redis;

/// <summary>Redis-protocol commands run as is (the RESP front door's traffic), through <c>IDatabase.ExecuteAsync</c>.</summary>
public sealed partial class RedisCacheBackend
{
    /// <summary>
    /// Error codes that say the service cannot serve (still loading, a read-only replica, lost its
    /// primary, refuses this backend's credentials, busy with a script): failures of the service,
    /// not answers to the client.
    /// </summary>
    private static readonly string[] ServiceFailureCodes = ["LOADING", "READONLY", "MASTERDOWN", "NOAUTH", "WRONGPASS", "NOPERM", "BUSY", "CLUSTERDOWN", "TRYAGAIN", "OOM"];

    /// <inheritdoc />
    /// <remarks>
    /// The arguments are copied (the library may write them after a cancelled call has returned and
    /// the caller reused its buffer). The server's error replies are answers, except those that say
    /// the service cannot serve (<see cref="ServiceFailureCodes"/>), which count as server failures.
    /// </remarks>
    public ValueTask<CommandReply> ExecuteCommandAsync(CacheCommand command, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(command);
        var arguments = new object[command.Arguments.Count];
        for (var i = 0; i < arguments.Length; i++)
        {
            arguments[i] = (RedisValue)command.Arguments[i].ToArray();
        }

        return ExecuteAsync(command.Name, new RawCommand(command.Name, arguments), static (database, raw) => RunAsync(database, raw), cancellationToken);
    }

    /// <inheritdoc />
    /// <remarks>
    /// One StackExchange.Redis transaction (MULTI … EXEC on the interactive connection). A command the
    /// server refuses while queuing aborts the whole (<c>EXECABORT</c>); a command that fails when run
    /// (<c>WRONGTYPE</c>) answers its own error inside the array, as Redis does.
    /// </remarks>
    public ValueTask<CommandReply> ExecuteTransactionAsync(IReadOnlyList<CacheCommand> commands, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(commands);
        var raws = commands.Select(c => new RawCommand(c.Name, [.. c.Arguments.Select(a => (object)(RedisValue)a.ToArray())])).ToArray();
        return ExecuteAsync("EXEC", raws, static (database, all) => RunTransactionAsync(database, all), cancellationToken);
    }

    private static async Task<CommandReply> RunTransactionAsync(IDatabase database, RawCommand[] raws)
    {
        var transaction = database.CreateTransaction();
        var pending = raws.Select(raw => transaction.ExecuteAsync(raw.Name, raw.Arguments)).ToArray();
        bool committed;
        try
        {
            committed = await transaction.ExecuteAsync().ConfigureAwait(false);
        }
        catch (RedisServerException error) when (!IsServiceFailure(error.Message))
        {
            Observe(pending);
            return CommandReply.Error(error.Message.StartsWith("EXECABORT", StringComparison.Ordinal) ? error.Message : "EXECABORT Transaction discarded because of previous errors: " + error.Message);
        }

        if (!committed)
        {
            Observe(pending);
            return CommandReply.NullArray;
        }

        var replies = new CommandReply[pending.Length];
        for (var i = 0; i < pending.Length; i++)
        {
            try
            {
                replies[i] = ToReply(await pending[i].ConfigureAwait(false));
            }
            catch (RedisServerException error)
            {
                replies[i] = CommandReply.Error(error.Message);
            }
        }

        return CommandReply.Array(replies);
    }

    private static void Observe(Task[] tasks)
    {
        foreach (var task in tasks)
        {
            // The transaction did not run: the library cancels or faults each command's task; nobody awaits them.
            task.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
    }

    private static async Task<CommandReply> RunAsync(IDatabase database, RawCommand raw)
    {
        try
        {
            return ToReply(await database.ExecuteAsync(raw.Name, raw.Arguments).ConfigureAwait(false));
        }
        catch (RedisServerException error) when (!IsServiceFailure(error.Message))
        {
            return CommandReply.Error(error.Message);
        }
    }

    private static bool IsServiceFailure(string message)
    {
        foreach (var code in ServiceFailureCodes)
        {
            if (message.StartsWith(code, StringComparison.Ordinal) && (message.Length == code.Length || message[code.Length] == ' '))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The library's reply as the protocol's RESP2 shape (maps and sets of RESP3 become flat arrays).</summary>
    internal static CommandReply ToReply(RedisResult result)
    {
        if (result.IsNull)
        {
            return result.Resp2Type == ResultType.Array ? CommandReply.NullArray : CommandReply.Null;
        }

        switch (result.Resp2Type)
        {
            case ResultType.SimpleString:
                return CommandReply.Simple(result.ToString() ?? string.Empty);
            case ResultType.Error:
                return CommandReply.Error(result.ToString() ?? "ERR");
            case ResultType.Integer:
                return CommandReply.FromInteger((long)result);
            case ResultType.BulkString:
                return CommandReply.Bulk((byte[]?)result);
            case ResultType.Array:
                var items = (RedisResult[])result!;
                var replies = new CommandReply[items.Length];
                for (var i = 0; i < items.Length; i++)
                {
                    replies[i] = ToReply(items[i]);
                }

                return CommandReply.Array(replies);
            default:
                return CommandReply.Bulk((byte[]?)result);
        }
    }

    private sealed record RawCommand(string Name, object[] Arguments);
}
