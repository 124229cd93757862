namespace CacheFailover.Engine;

/// <summary>
/// The engine's fixed timings and counts: the ones not worth an option. Public so that tools that
/// model the engine (the drills' plans, the benchmark) read them instead of copying them.
/// </summary>
public static class EngineTimings
{
    /// <summary>Probes a recovery sends to the primary, one after the other, before it switches back; all must answer.</summary>
    public const int RecoveryVerificationProbes = 3;

    /// <summary>Fresh probes that must agree before slowness seen in operations counts as the server's (see the architecture notes, "like against like").</summary>
    public const int DegradationConfirmationProbes = 3;

    /// <summary>How often the hot path may start a degradation check (the check itself runs off the hot path).</summary>
    public static readonly TimeSpan DegradationCheckInterval = TimeSpan.FromMilliseconds(100);

    /// <summary>While the serving service looks slow but not yet for long enough, how often it is probed (give or take half, at random).</summary>
    public static readonly TimeSpan DegradationWatchInterval = TimeSpan.FromMilliseconds(50);

    /// <summary>A run of slowness ends only after the service has looked normal this long without a break (one fast median in a run of stalls does not end it).</summary>
    public static readonly TimeSpan DegradationRunGrace = TimeSpan.FromMilliseconds(100);

    /// <summary>How long past <c>degradation_sustain_ms</c> a closer watch of a service that looks slow lasts at most.</summary>
    public static readonly TimeSpan DegradationWatchLimit = TimeSpan.FromSeconds(2);

    /// <summary>After a degradation check that did not fail over, the shortest wait before the next confirmation probes.</summary>
    public static readonly TimeSpan DegradationConfirmationInterval = TimeSpan.FromMilliseconds(250);

    /// <summary>After a failover that found no candidate, operations reuse its answer for at most this long (or one probe interval when shorter).</summary>
    public static readonly TimeSpan FailedFailoverRetryInterval = TimeSpan.FromSeconds(1);

    /// <summary>The first wait before a failed clean-up of the backups after failback is tried again; it doubles up to <see cref="BackupCleanupMaxRetryDelay"/>.</summary>
    public static readonly TimeSpan BackupCleanupRetryDelay = TimeSpan.FromSeconds(1);

    /// <summary>The longest wait between tries of a backup clean-up.</summary>
    public static readonly TimeSpan BackupCleanupMaxRetryDelay = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Operation deadlines are grouped in slots of 1/16 of <c>timeout_threshold_ms</c> (at least
    /// 1 ms) that share one cancellation token, so an overrunning operation is abandoned between
    /// the timeout and one slot later: at most <c>timeout × (1 + 1/16)</c>.
    /// </summary>
    public const int DeadlineSlotsPerTimeout = 16;

    /// <summary>The latest an operation that overruns <paramref name="timeout"/> is abandoned: the timeout plus one deadline slot.</summary>
    public static TimeSpan LatestDeadline(TimeSpan timeout) => timeout + (timeout / DeadlineSlotsPerTimeout);

    /// <summary>How often a member that waits for the others to follow a decision re-reads their heartbeats.</summary>
    public static readonly TimeSpan GroupAdoptionPoll = TimeSpan.FromMilliseconds(20);

    /// <summary>The longest a handover waits for the group's members to hold their operations before the backup serves (docs/group.md, "Handing over").</summary>
    public static readonly TimeSpan HandoverAckLimit = TimeSpan.FromSeconds(2);

    /// <summary>A member silent for this many probe intervals is shown as lost (and no longer waited for).</summary>
    public const int MemberLostAfter = 3;

    /// <summary>The shortest silence that counts as lost, whatever the probe interval.</summary>
    public static readonly TimeSpan MemberLostFloor = TimeSpan.FromSeconds(3);

    /// <summary>How long another member's recovery may take, in probe intervals, before this member takes it over (every step can be repeated).</summary>
    public const int RemoteRecoveryTakeoverAfter = 5;

    /// <summary>The shortest wait before taking over another member's recovery.</summary>
    public static readonly TimeSpan RemoteRecoveryTakeoverFloor = TimeSpan.FromSeconds(10);

    /// <summary>How long a manual decision waits for the group's live members to follow it before it answers.</summary>
    public static readonly TimeSpan ManualDecisionAdoptionWait = TimeSpan.FromSeconds(2);
}
