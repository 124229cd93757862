namespace CacheFailover.Nemesis.History;

/// <summary>What a client asked for.</summary>
public enum OperationKind
{
    /// <summary>SET of a string key to a value no other operation writes.</summary>
    Write,

    /// <summary>DEL of a key (a string or a list).</summary>
    Delete,

    /// <summary>GET of a string key.</summary>
    Read,

    /// <summary>RPUSH of an element no other operation pushes (not safe to repeat).</summary>
    Push,

    /// <summary>LRANGE 0 -1 of a list key.</summary>
    ListRead,
}

/// <summary>How an operation ended, as its client was told.</summary>
public enum Outcome
{
    /// <summary>Reported as done (a read: the value it returned).</summary>
    Ok,

    /// <summary>Reported as failed and certainly not applied.</summary>
    Failed,

    /// <summary>Failed, and may or may not have been applied (a timeout or a lost connection mid-write).</summary>
    Unknown,
}

/// <summary>
/// One operation of the history: who ran it, on which key, when it was invoked and when it
/// completed (microseconds since the run began, one clock for every client), how it ended and the
/// value it wrote or read.
/// </summary>
/// <param name="Id">Unique within the history.</param>
/// <param name="Client">The client that ran it.</param>
/// <param name="Kind">What it was.</param>
/// <param name="Key">The key it touched.</param>
/// <param name="Value">Written or pushed: the value; read: what was read (null = a miss).</param>
/// <param name="Elements">A list read: the elements in order (null = a miss or an empty list).</param>
/// <param name="InvokedUs">When the client called it.</param>
/// <param name="CompletedUs">When the call returned (or threw).</param>
/// <param name="Outcome">As the client was told.</param>
/// <param name="Error">For a failure, its kind (exception type and failure kind); null when ok.</param>
/// <param name="ServedBy">The member and the service that answered (for diagnosis; null when not known).</param>
public sealed record HistoryEntry(
    long Id,
    int Client,
    OperationKind Kind,
    string Key,
    string? Value,
    IReadOnlyList<string>? Elements,
    long InvokedUs,
    long CompletedUs,
    Outcome Outcome,
    string? Error,
    string? ServedBy = null)
{
    /// <summary>True for the kinds that change data.</summary>
    public bool IsWrite => Kind is OperationKind.Write or OperationKind.Delete or OperationKind.Push;

    /// <summary>
    /// The latest moment its effect can appear: its completion when it was acknowledged, never
    /// (long.MaxValue) when its outcome is unknown: a write queued on a frozen server lands whenever
    /// the server resumes.
    /// </summary>
    public long EffectDeadlineUs => Outcome == Outcome.Ok ? CompletedUs : long.MaxValue;
}
