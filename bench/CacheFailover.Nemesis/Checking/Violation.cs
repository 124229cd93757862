using CacheFailover.Nemesis.History;

namespace CacheFailover.Nemesis.Checking;

/// <summary>The kinds of wrong answer the checker counts.</summary>
public enum ViolationKind
{
    /// <summary>A read returned a value that an acknowledged write had replaced before the read began (I1, F2).</summary>
    StaleRead,

    /// <summary>A read found a value (or list element) whose acknowledged delete completed before the read began, with no later write of it (I2).</summary>
    Resurrection,

    /// <summary>A read returned a value no operation wrote, or wrote only after the read had completed.</summary>
    PhantomValue,

    /// <summary>The effect of an operation reported as failed and not applied was seen (I4).</summary>
    FailedWriteApplied,

    /// <summary>An operation that is not safe to repeat took effect twice (I4).</summary>
    AppliedTwice,
}

/// <summary>One wrong answer: the read that showed it, what it saw, and the operation that makes it wrong.</summary>
public sealed record Violation(ViolationKind Kind, HistoryEntry Read, string Seen, HistoryEntry? Because, string Explanation);
