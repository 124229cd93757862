using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using CacheFailover.Backends.Commands;
using CacheFailover.Engine;
using CacheFailover.Resp.Connections;
using CacheFailover.Resp.Hosting;
using CacheFailover.Resp.Protocol;

namespace CacheFailover.Resp.Commands;

/// <summary>
/// The commands the front door answers itself: the connection's own state (AUTH, HELLO, SELECT,
/// CLIENT, QUIT, RESET), what it is (COMMAND, INFO, CONFIG GET, CLUSTER), enough for the
/// handshakes of redis-cli, redis-benchmark, StackExchange.Redis and ioredis.
/// </summary>
internal sealed class ConnectionCommands(FailoverEngine engine, RespCommandTable table, RespConnections connections, RespFrontDoorOptions options)
{
    private const string ClusterDisabled = "ERR This instance has cluster support disabled";
    private readonly byte[]? _password = options.Password is null ? null : Encoding.UTF8.GetBytes(options.Password);
    private readonly long _startedAt = connections.Time.GetTimestamp();

    public ValueTask<CommandReply> Run(RespSession session, RespRequest request)
    {
        var args = request.Arguments;
        return request.Name switch
        {
            "PING" => Done(args.Length switch
            {
                0 => CommandReply.Simple("PONG"),
                1 => CommandReply.Bulk(args[0].ToArray()),
                _ => CommandReply.Error("ERR wrong number of arguments for 'ping' command"),
            }),
            "ECHO" => Done(CommandReply.Bulk(args[0].ToArray())),
            "SELECT" => Done(request.Text(0) == "0"
                ? CommandReply.Ok
                : CommandReply.Error("ERR SELECT: the front door serves one database (the one each cache connection names) and accepts only SELECT 0")),
            "AUTH" => Done(args.Length > 2
                ? CommandReply.Error("ERR syntax error: AUTH <password> or AUTH <username> <password>")
                : Authenticate(session, args.Length == 2 ? request.Text(0) : null, args[^1].Span)),
            "HELLO" => Done(Hello(session, request)),
            "CLIENT" => Done(Client(session, request)),
            "QUIT" => Done(Quit(session)),
            "RESET" => Done(Reset(session)),
            "COMMAND" => Done(Command(request)),
            "INFO" => InfoAsync(args.Length == 0 ? ["DEFAULT"] : [.. Enumerable.Range(0, args.Length).Select(request.Word)]),
            "CONFIG" => Done(request.Word(0) == "GET"
                ? CommandReply.EmptyArray
                : CommandReply.Error($"ERR CONFIG {RespDispatcher.Printable(request.Word(0))} is not supported: the front door is configured by its own command line, and the caches behind it directly")),
            _ => Done(CommandReply.Error(ClusterDisabled)),
        };
    }

    private static ValueTask<CommandReply> Done(CommandReply reply) => new(reply);

    private CommandReply Authenticate(RespSession session, string? user, ReadOnlySpan<byte> password)
    {
        if (_password is null)
        {
            return CommandReply.Error("ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?");
        }

        var userOk = user is null || user == "default";
        if (!userOk | !CryptographicOperations.FixedTimeEquals(password, _password))
        {
            return CommandReply.Error("WRONGPASS invalid username-password pair or user is disabled.");
        }

        session.Authenticated = true;
        return CommandReply.Ok;
    }

    private CommandReply Hello(RespSession session, RespRequest request)
    {
        var args = request.Arguments;
        if (args.Length > 0)
        {
            var version = request.Text(0);
            if (version != "2")
            {
                return version == "3"
                    ? CommandReply.Error("NOPROTO this front door speaks RESP2 only; HELLO 3 is not supported, HELLO 2 (or no HELLO) works")
                    : CommandReply.Error("NOPROTO unsupported protocol version: the front door speaks RESP2 (HELLO 2)");
            }
        }

        string? name = null;
        for (var i = 1; i < args.Length; i++)
        {
            var option = request.Word(i);
            if (option == "AUTH" && i + 2 < args.Length)
            {
                var auth = Authenticate(session, request.Text(i + 1), args[i + 2].Span);
                if (auth.IsError)
                {
                    return auth;
                }

                i += 2;
            }
            else if (option == "SETNAME" && i + 1 < args.Length)
            {
                name = request.Text(++i);
            }
            else
            {
                return CommandReply.Error($"ERR syntax error in HELLO option '{RespDispatcher.Printable(option)}': HELLO [2 [AUTH username password] [SETNAME clientname]]");
            }
        }

        if (!session.Authenticated)
        {
            return CommandReply.Error("NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time");
        }

        if (name is not null)
        {
            session.Name = name;
        }

        return CommandReply.Array(
        [
            CommandReply.Bulk("server"), CommandReply.Bulk("redis"),
            CommandReply.Bulk("version"), CommandReply.Bulk(options.ReportedRedisVersion),
            CommandReply.Bulk("proto"), CommandReply.FromInteger(2),
            CommandReply.Bulk("id"), CommandReply.FromInteger(session.Id),
            CommandReply.Bulk("mode"), CommandReply.Bulk("standalone"),
            CommandReply.Bulk("role"), CommandReply.Bulk("master"),
            CommandReply.Bulk("modules"), CommandReply.EmptyArray,
        ]);
    }

    private CommandReply Client(RespSession session, RespRequest request)
    {
        var sub = request.Word(0);
        var args = request.Arguments;
        switch (sub)
        {
            case "SETNAME" when args.Length == 2:
                var name = request.Text(1);
                if (name.Any(c => c <= ' '))
                {
                    return CommandReply.Error("ERR Client names cannot contain spaces, newlines or special characters.");
                }

                session.Name = name.Length == 0 ? null : name;
                return CommandReply.Ok;
            case "GETNAME" when args.Length == 1:
                return CommandReply.Bulk(session.Name);
            case "ID" when args.Length == 1:
                return CommandReply.FromInteger(session.Id);
            case "INFO" when args.Length == 1:
                return CommandReply.Bulk(Describe(session) + "\n");
            case "LIST":
                return CommandReply.Bulk(string.Concat(connections.Sessions.Select(s => Describe(s) + "\n")));
            case "SETINFO" or "NO-EVICT" or "NO-TOUCH":
                return CommandReply.Ok;
            default:
                return CommandReply.Error($"ERR CLIENT {RespDispatcher.Printable(sub)} is not supported: the front door answers CLIENT SETNAME, GETNAME, ID, INFO, LIST and SETINFO for its own connections");
        }
    }

    private string Describe(RespSession s)
    {
        var age = (long)connections.Time.GetElapsedTime(s.ConnectedAt).TotalSeconds;
        return string.Create(CultureInfo.InvariantCulture, $"id={s.Id} addr={s.Remote} laddr={s.Local} name={s.Name} age={age} db=0 cmd={s.LastCommand.ToLowerInvariant()} resp=2");
    }

    private static CommandReply Quit(RespSession session)
    {
        session.CloseRequested = true;
        return CommandReply.Ok;
    }

    private CommandReply Reset(RespSession session)
    {
        session.Name = null;
        session.Authenticated = _password is null;
        return CommandReply.Simple("RESET");
    }

    private CommandReply Command(RespRequest request)
    {
        var served = table.All.Where(c => c.Route != RespRoute.Refused).ToList();
        if (request.Arguments.Length == 0)
        {
            return CommandReply.Array([.. served.Select(Info)]);
        }

        return request.Word(0) switch
        {
            "COUNT" => CommandReply.FromInteger(served.Count),
            "INFO" => CommandReply.Array([.. Enumerable.Range(1, request.Arguments.Length - 1).Select(i => table.Find(request.Text(i)) is { Route: not RespRoute.Refused } c ? Info(c) : CommandReply.Null)]),

            // redis-cli asks for the documentation to show hints; it works without any.
            "DOCS" => CommandReply.EmptyArray,
            var other => CommandReply.Error($"ERR COMMAND {RespDispatcher.Printable(other)} is not supported: the front door answers COMMAND, COMMAND COUNT, COMMAND INFO and COMMAND DOCS"),
        };
    }

    /// <summary>The classic six-field COMMAND reply: name, arity, flags, first key, last key, step.</summary>
    private static CommandReply Info(RespCommandSpec c)
    {
        var flags = new List<CommandReply> { CommandReply.Simple(c.IsWrite ? "write" : c.Route == RespRoute.Connection ? "fast" : "readonly") };
        return CommandReply.Array(
        [
            CommandReply.Bulk(c.Name.ToLowerInvariant()),
            CommandReply.FromInteger(c.Arity),
            CommandReply.Array(flags),
            CommandReply.FromInteger(c.FirstKey),
            CommandReply.FromInteger(c.LastKey),
            CommandReply.FromInteger(c.KeyStep),
        ]);
    }

    private async ValueTask<CommandReply> InfoAsync(string[] sections)
    {
        bool Wants(string section) => sections.Any(s => s is "ALL" or "EVERYTHING" or "DEFAULT" || s == section);
        var text = new StringBuilder();
        if (Wants("SERVER"))
        {
            var port = connections.ListeningOn is System.Net.IPEndPoint ip ? ip.Port : 0;
            text.Append(CultureInfo.InvariantCulture, $"# Server\r\nredis_version:{options.ReportedRedisVersion}\r\nredis_mode:standalone\r\narch_bits:64\r\nprocess_id:{Environment.ProcessId}\r\ntcp_port:{port}\r\nuptime_in_seconds:{(long)connections.Time.GetElapsedTime(_startedAt).TotalSeconds}\r\nexecutable:cachefailover-resp-front-door\r\n\r\n");
        }

        if (Wants("CLIENTS"))
        {
            text.Append(CultureInfo.InvariantCulture, $"# Clients\r\nconnected_clients:{connections.OpenCount}\r\n\r\n");
        }

        if (Wants("REPLICATION"))
        {
            text.Append("# Replication\r\nrole:master\r\nconnected_slaves:0\r\n\r\n");
        }

        if (Wants("FAILOVER"))
        {
            text.Append(CultureInfo.InvariantCulture, $"# Failover\r\nstatus:{engine.Status.ToWireName()}\r\nepoch:{engine.Epoch}\r\nserving:{engine.ActiveServiceId}\r\nprimary:{engine.PrimaryServiceId}\r\n\r\n");
        }

        if (Wants("KEYSPACE"))
        {
            text.Append("# Keyspace\r\n");
            try
            {
                var size = await engine.ExecuteCommandAsync(new CacheCommand("DBSIZE", []), new CommandRouting([], false, true)).ConfigureAwait(false);
                if (size is { Kind: CommandReplyKind.Integer, Integer: > 0 })
                {
                    text.Append(CultureInfo.InvariantCulture, $"db0:keys={size.Integer},expires=0,avg_ttl=0\r\n");
                }
            }
            catch (CacheOperationException)
            {
                // The keyspace section is then empty: INFO describes the front door even when no cache answers.
            }
        }

        return CommandReply.Bulk(text.ToString());
    }
}
