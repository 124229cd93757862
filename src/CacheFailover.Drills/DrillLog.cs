using Microsoft.Extensions.Logging;

namespace CacheFailover.Drills;

/// <summary>Log messages of failover drills (event ids 900–919). No cache keys, no connection strings.</summary>
internal static partial class DrillLog
{
    [LoggerMessage(900, LogLevel.Information, "Failover drill {Scenario} ({Mode}) started.")]
    public static partial void Started(ILogger logger, string scenario, string mode);

    [LoggerMessage(901, LogLevel.Information, "Failover drill {Scenario} ({Mode}) finished: {Outcome}. {Summary}")]
    public static partial void Finished(ILogger logger, string scenario, string mode, string outcome, string summary);

    [LoggerMessage(902, LogLevel.Warning, "Live failover drill: injected fault into {ServiceId}: {Fault}.")]
    public static partial void FaultInjected(ILogger logger, string serviceId, string fault);

    [LoggerMessage(903, LogLevel.Information, "Live failover drill: cleared the fault of {ServiceId}.")]
    public static partial void FaultCleared(ILogger logger, string serviceId);

    [LoggerMessage(904, LogLevel.Warning, "Live failover drill: cleaning up drill keys on {ServiceId} failed: {Error}")]
    public static partial void CleanupFailed(ILogger logger, string serviceId, string error);

    [LoggerMessage(905, LogLevel.Warning, "Live failover drill: the primary does not serve after the drill; it recovers manually now ({Reason}).")]
    public static partial void RecoveringAfterAbort(ILogger logger, string reason);
}
