namespace CacheFailover.Engine;

/// <summary>One failover or recovery, successful or not. Immutable.</summary>
/// <param name="Id">Sequence number, unique per engine, growing.</param>
/// <param name="Kind">Failover or recovery.</param>
/// <param name="Epoch">The epoch after the event (unchanged when it failed).</param>
/// <param name="Trigger">What caused it; recoveries carry <see cref="FailoverTrigger.Manual"/> or the trigger of the failover they undo.</param>
/// <param name="FromServiceId">The service that served before.</param>
/// <param name="ToServiceId">The service that serves after; null when no switch happened.</param>
/// <param name="Reason">Why, in words (an operator's reason, or what the engine saw).</param>
/// <param name="StartedAt">When the decision was taken.</param>
/// <param name="Detection">From the first failure seen in the streak that caused it to the decision; null when not applicable (manual).</param>
/// <param name="Duration">From the decision to the new service serving (or to giving up).</param>
/// <param name="Success">Whether the switch happened.</param>
/// <param name="Error">Why it did not, when it did not.</param>
/// <param name="ReconciledKeys">For recoveries: journaled keys invalidated on the primary before it served again.</param>
/// <param name="IsAutomatic">False for operator-requested events.</param>
public sealed record FailoverEvent(
    long Id,
    FailoverEventKind Kind,
    long Epoch,
    FailoverTrigger Trigger,
    string FromServiceId,
    string? ToServiceId,
    string Reason,
    DateTimeOffset StartedAt,
    TimeSpan? Detection,
    TimeSpan Duration,
    bool Success,
    string? Error,
    long ReconciledKeys,
    bool IsAutomatic)
{
    /// <summary>The group member that decided, when it was not this one (the event was adopted from the group's record).</summary>
    public Group.GroupMemberIdentity? DecidedBy { get; init; }
}

/// <summary>Carries a recorded event to subscribers.</summary>
public sealed class FailoverEventArgs(FailoverEvent failoverEvent) : EventArgs
{
    public FailoverEvent Event { get; } = failoverEvent;
}
