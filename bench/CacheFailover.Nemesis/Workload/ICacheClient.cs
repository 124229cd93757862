using CacheFailover.Nemesis.History;

namespace CacheFailover.Nemesis.Workload;

/// <summary>What one operation returned: a read's value or elements, and who served it (when known).</summary>
public readonly record struct ClientReply(string? Value, IReadOnlyList<string>? Elements, string? ServedBy);

/// <summary>
/// A way for a workload client to reach the cache: the engine's API in-process, or the RESP front
/// door over TCP. A failure throws; <see cref="ClientFailureException"/> says how it ended when the
/// client knows (other exceptions are classified by the workload).
/// </summary>
public interface ICacheClient : IAsyncDisposable
{
    /// <summary>"api" or "resp", for the history.</summary>
    string Path { get; }

    Task<ClientReply> SetAsync(string key, string value, CancellationToken cancellationToken);

    Task<ClientReply> DeleteAsync(string key, CancellationToken cancellationToken);

    Task<ClientReply> GetAsync(string key, CancellationToken cancellationToken);

    /// <summary>RPUSH of one element: not safe to repeat.</summary>
    Task<ClientReply> PushAsync(string key, string element, CancellationToken cancellationToken);

    /// <summary>LRANGE key 0 -1.</summary>
    Task<ClientReply> ReadListAsync(string key, CancellationToken cancellationToken);
}

/// <summary>An operation failed, and the client knows whether it may have been applied.</summary>
public sealed class ClientFailureException(Outcome outcome, string kind, string message) : Exception(message)
{
    public Outcome Outcome { get; } = outcome;

    /// <summary>A short, low-cardinality name of the failure for the report.</summary>
    public string Kind { get; } = kind;
}
