namespace CacheFailover.Engine;

/// <summary>
/// The engine's fixed timings and counts: the ones that are not options but that anyone predicting
/// the engine's behaviour (failover drills, benchmarks, tests) must know. The engine reads them from
/// here, so a prediction can never drift from what the engine does.
/// </summary>
public static class EngineTimings
{
    /// <summary>
    /// The performance-degradation check runs at most this often (100 ms): it is throttled so that
    /// the hot path pays for it only now and then. A slowdown is therefore noticed up to this much
    /// after the evidence for it is complete.
    /// </summary>
    public static readonly TimeSpan DegradationCheckInterval = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// Before switching back to the primary, the recovery probes it this many times in a row (3);
    /// one failure stops the recovery. A recovery therefore costs this many round trips to the
    /// primary on top of the <c>recovery_threshold</c> probes of the health loop.
    /// </summary>
    public const int RecoveryVerificationProbes = 3;

    /// <summary>
    /// Operation deadlines are grouped in slots of 1/16 of <c>timeout_threshold_ms</c> (at least
    /// 1 ms) that share one cancellation token, so an overrunning operation is abandoned between
    /// the timeout and one slot later: at most <c>timeout × (1 + 1/16)</c>.
    /// </summary>
    public const int DeadlineSlotsPerTimeout = 16;

    /// <summary>The latest an operation that overruns <paramref name="timeout"/> is abandoned: the timeout plus one deadline slot.</summary>
    public static TimeSpan LatestDeadline(TimeSpan timeout) => timeout + (timeout / DeadlineSlotsPerTimeout);
}
