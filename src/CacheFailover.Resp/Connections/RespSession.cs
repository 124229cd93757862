using System.Net;

namespace CacheFailover.Resp.Connections;

/// <summary>One client connection's own state: who it is, whether it authenticated, what it asked for.</summary>
/// <remarks>Touched only by the connection's own loop (commands of one connection are dispatched one after another).</remarks>
internal sealed class RespSession(long id, EndPoint? remote, EndPoint? local, long connectedAt, bool needsPassword)
{
    public long Id { get; } = id;

    public EndPoint? Remote { get; } = remote;

    public EndPoint? Local { get; } = local;

    /// <summary>When it connected, as a <see cref="TimeProvider"/> timestamp.</summary>
    public long ConnectedAt { get; } = connectedAt;

    /// <summary>True once AUTH or HELLO … AUTH gave the password, or when none is configured.</summary>
    public bool Authenticated { get; set; } = !needsPassword;

    /// <summary>The name given with CLIENT SETNAME or HELLO … SETNAME.</summary>
    public string? Name { get; set; }

    /// <summary>The last command's name, for CLIENT LIST.</summary>
    public string LastCommand { get; set; } = "NULL";

    /// <summary>Set by QUIT: the connection closes once the replies before it are written.</summary>
    public bool CloseRequested { get; set; }

    /// <summary>The commands queued since MULTI, or null outside a transaction.</summary>
    public List<Protocol.RespRequest>? Queued { get; set; }

    /// <summary>A command was refused while queuing: EXEC answers EXECABORT and runs none (as Redis does).</summary>
    public bool QueuedError { get; set; }

    /// <summary>Commands this connection has sent.</summary>
    public long Commands { get; set; }
}
