using CacheFailover.Backends;

namespace CacheFailover.Engine;

/// <summary>
/// An operation through the engine failed on every service it was allowed to try. When
/// <see cref="Outcome"/> is <see cref="OperationOutcome.Unknown"/> the operation may have been applied
/// (I4: reported as failed, never as success).
/// </summary>
public class CacheOperationException : Exception
{
    public CacheOperationException()
        : this("The cache operation failed.")
    {
    }

    public CacheOperationException(string message)
        : this(message, OperationOutcome.Unknown, CacheFailureKind.Server, 0, null)
    {
    }

    public CacheOperationException(string message, Exception innerException)
        : this(message, OperationOutcome.Unknown, CacheFailureKind.Server, 0, innerException)
    {
    }

    public CacheOperationException(string message, OperationOutcome outcome, CacheFailureKind kind, int attempts, Exception? innerException)
        : base(message, innerException)
    {
        Outcome = outcome;
        Kind = kind;
        Attempts = attempts;
    }

    /// <summary>Whether the operation may have been applied somewhere.</summary>
    public OperationOutcome Outcome { get; }

    /// <summary>How the last attempt failed.</summary>
    public CacheFailureKind Kind { get; }

    /// <summary>How many services were tried.</summary>
    public int Attempts { get; }
}

/// <summary>No service can take the operation: every candidate is unhealthy, or failover is not allowed to reach one.</summary>
public sealed class CacheUnavailableException : CacheOperationException
{
    public CacheUnavailableException()
        : this("No cache service is available.")
    {
    }

    public CacheUnavailableException(string message)
        : base(message, OperationOutcome.NotApplied, CacheFailureKind.Connection, 0, null)
    {
    }

    public CacheUnavailableException(string message, Exception innerException)
        : base(message, OperationOutcome.NotApplied, CacheFailureKind.Connection, 0, innerException)
    {
    }

    public CacheUnavailableException(string message, OperationOutcome outcome, int attempts, Exception? innerException)
        : base(message, outcome, CacheFailureKind.Connection, attempts, innerException)
    {
    }
}

/// <summary>A manual failover, recovery or (un)registration was refused; the message says why. Nothing changed.</summary>
public sealed class FailoverRefusedException : InvalidOperationException
{
    public FailoverRefusedException()
    {
    }

    public FailoverRefusedException(string message)
        : base(message)
    {
    }

    public FailoverRefusedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
