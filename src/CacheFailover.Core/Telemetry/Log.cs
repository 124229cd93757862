using Microsoft.Extensions.Logging;

namespace CacheFailover.Telemetry;

/// <summary>Every log message of the engine, with stable event ids. No cache keys and no connection strings.</summary>
internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Information, "Failover engine started: primary {PrimaryId}, {BackupCount} backup(s), health checks every {IntervalSeconds} s.")]
    public static partial void EngineStarted(ILogger logger, string primaryId, int backupCount, double intervalSeconds);

    [LoggerMessage(2, LogLevel.Information, "Failover engine stopped.")]
    public static partial void EngineStopped(ILogger logger);

    [LoggerMessage(10, LogLevel.Warning, "Failover {FromId} -> {ToId} ({Trigger}) at epoch {Epoch}: {Reason}")]
    public static partial void FailedOver(ILogger logger, string fromId, string toId, string trigger, long epoch, string reason);

    [LoggerMessage(11, LogLevel.Error, "Failover away from {FromId} ({Trigger}) failed: {Error}")]
    public static partial void FailoverFailed(ILogger logger, string fromId, string trigger, string error);

    [LoggerMessage(12, LogLevel.Information, "Recovered to primary {PrimaryId} at epoch {Epoch}; {ReconciledKeys} journaled key(s) invalidated first.")]
    public static partial void Recovered(ILogger logger, string primaryId, long epoch, long reconciledKeys);

    [LoggerMessage(13, LogLevel.Warning, "Recovery to primary {PrimaryId} failed: {Error}")]
    public static partial void RecoveryFailed(ILogger logger, string primaryId, string error);

    [LoggerMessage(14, LogLevel.Warning, "Primary {PrimaryId} is dirty and will not serve again until reconciled: {Reason}")]
    public static partial void PrimaryDirty(ILogger logger, string primaryId, string reason);

    [LoggerMessage(20, LogLevel.Debug, "Operation on {ServiceId} failed ({Kind}, outcome {Outcome}): {Error}")]
    public static partial void OperationFailed(ILogger logger, string serviceId, string kind, string outcome, string error);

    [LoggerMessage(21, LogLevel.Debug, "Health probe of {ServiceId} failed ({Kind}): {Error}")]
    public static partial void ProbeFailed(ILogger logger, string serviceId, string kind, string error);

    [LoggerMessage(22, LogLevel.Warning, "Service {ServiceId} reported its connection {State}: {Message}")]
    public static partial void ConnectionChanged(ILogger logger, string serviceId, string state, string? message);

    [LoggerMessage(30, LogLevel.Error, "A failover event subscriber threw; the engine carries on.")]
    public static partial void SubscriberFailed(ILogger logger, Exception exception);

    [LoggerMessage(31, LogLevel.Error, "The health check loop failed; it carries on with the next round.")]
    public static partial void HealthLoopFailed(ILogger logger, Exception exception);

    [LoggerMessage(32, LogLevel.Warning, "Clearing {KeyCount} journaled key(s) from backup {ServiceId} after failback failed: {Error}")]
    public static partial void BackupCleanupFailed(ILogger logger, string serviceId, int keyCount, string error);

    [LoggerMessage(33, LogLevel.Error, "An automatic failover or recovery task failed unexpectedly.")]
    public static partial void BackgroundTaskFailed(ILogger logger, Exception exception);

    [LoggerMessage(40, LogLevel.Information, "Options changed: {Changes}")]
    public static partial void OptionsChanged(ILogger logger, string changes);

    [LoggerMessage(41, LogLevel.Information, "Service {ServiceId} registered as {Role} with priority {Priority}.")]
    public static partial void ServiceRegistered(ILogger logger, string serviceId, string role, int priority);

    [LoggerMessage(42, LogLevel.Information, "Service {ServiceId} unregistered.")]
    public static partial void ServiceUnregistered(ILogger logger, string serviceId);

    [LoggerMessage(60, LogLevel.Warning, "Group {Group}: following member {MemberId} ({Host}, pid {Pid}): {Status} at epoch {Epoch}, '{ServingId}' serving: {Reason}")]
    public static partial void GroupAdopted(ILogger logger, string group, string memberId, string host, int pid, string status, long epoch, string servingId, string reason);

    [LoggerMessage(61, LogLevel.Warning, "Group {Group}: the record (version {Version}) names service '{ServingId}', which this member does not know; not followed.")]
    public static partial void GroupUnknownService(ILogger logger, string group, long version, string servingId);

    [LoggerMessage(62, LogLevel.Debug, "Group {Group}: {What} on '{ServiceId}' failed: {Error}")]
    public static partial void GroupCallFailed(ILogger logger, string group, string what, string serviceId, string error);

    [LoggerMessage(63, LogLevel.Warning, "Group {Group}: a rival decision of version {Version} gave way, and its journal sets ({Journal}) could not be carried into the record, which says {Status}; failback will not reconcile them.")]
    public static partial void GroupJournalNotCarried(ILogger logger, string group, long version, string journal, string status);

    [LoggerMessage(64, LogLevel.Warning, "Group {Group}: members {Members} did not say they hold their operations within {WaitMs} ms of the handover; the backup serves without them (they follow at their next read of the record).")]
    public static partial void HandoverUnconfirmed(ILogger logger, string group, string members, double waitMs);

    [LoggerMessage(65, LogLevel.Warning, "Group {Group}: member {MemberId} began a failover and did not finish it; taken back, '{ServiceId}' serves on.")]
    public static partial void HandoverTakenBack(ILogger logger, string group, string memberId, string serviceId);
}

