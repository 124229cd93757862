namespace CacheFailover.Backends;

/// <summary>How a backend operation failed.</summary>
public enum CacheFailureKind
{
    /// <summary>The server could not be reached, or the connection broke.</summary>
    Connection,

    /// <summary>The server did not answer in time.</summary>
    Timeout,

    /// <summary>The server answered with an error.</summary>
    Server,
}

/// <summary>Whether a failed operation may have taken effect on the server.</summary>
public enum OperationOutcome
{
    /// <summary>The operation certainly did not take effect (e.g. it was never sent).</summary>
    NotApplied,

    /// <summary>The operation may or may not have taken effect (e.g. a timeout after it was sent).</summary>
    Unknown,
}

/// <summary>The one exception a backend lets out: classified, and free of secrets.</summary>
public class CacheBackendException : Exception
{
    public CacheBackendException()
        : this(CacheFailureKind.Server, OperationOutcome.Unknown, "The cache backend failed.")
    {
    }

    public CacheBackendException(string message)
        : this(CacheFailureKind.Server, OperationOutcome.Unknown, message)
    {
    }

    public CacheBackendException(string message, Exception innerException)
        : this(CacheFailureKind.Server, OperationOutcome.Unknown, message, innerException)
    {
    }

    public CacheBackendException(CacheFailureKind kind, OperationOutcome outcome, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Kind = kind;
        Outcome = outcome;
    }

    /// <summary>Connection, timeout or server error.</summary>
    public CacheFailureKind Kind { get; }

    /// <summary>Whether the operation may have been applied.</summary>
    public OperationOutcome Outcome { get; }
}
