namespace CacheFailover.Engine;

/// <summary>Which service serves and why (docs/architecture.md, "Statuses and epochs").</summary>
public enum FailoverStatus
{
    /// <summary>The primary serves; no failover since start.</summary>
    Active,

    /// <summary>A switch away from the serving service is in progress.</summary>
    FailingOver,

    /// <summary>A backup serves.</summary>
    FailedOver,

    /// <summary>The primary is being reconciled and switched back to.</summary>
    Recovering,

    /// <summary>The primary serves again after a failover.</summary>
    Recovered,
}

/// <summary>What caused a failover.</summary>
public enum FailoverTrigger
{
    HealthCheckFailure,
    ConnectionFailure,
    TimeoutExceeded,
    PerformanceDegradation,
    Manual,
    CascadeFailure,
}

/// <summary>A service's health as the engine judges it from probes and real operations.</summary>
public enum ServiceHealth
{
    Unknown,
    Healthy,
    Degraded,
    Unhealthy,
}

/// <summary>Whether a service is the primary or a backup.</summary>
public enum ServiceRole
{
    Primary,
    Backup,
}

/// <summary>A switch away from a service, or back to the primary.</summary>
public enum FailoverEventKind
{
    Failover,
    Recovery,
}

/// <summary>The snake_case names these enums have on the wire.</summary>
public static class WireNames
{
    public static string ToWireName(this FailoverStatus status) => status switch
    {
        FailoverStatus.Active => "active",
        FailoverStatus.FailingOver => "failing_over",
        FailoverStatus.FailedOver => "failed_over",
        FailoverStatus.Recovering => "recovering",
        FailoverStatus.Recovered => "recovered",
        _ => throw new ArgumentOutOfRangeException(nameof(status)),
    };

    public static string ToWireName(this FailoverTrigger trigger) => trigger switch
    {
        FailoverTrigger.HealthCheckFailure => "health_check_failure",
        FailoverTrigger.ConnectionFailure => "connection_failure",
        FailoverTrigger.TimeoutExceeded => "timeout_exceeded",
        FailoverTrigger.PerformanceDegradation => "performance_degradation",
        FailoverTrigger.Manual => "manual",
        FailoverTrigger.CascadeFailure => "cascade_failure",
        _ => throw new ArgumentOutOfRangeException(nameof(trigger)),
    };

    public static string ToWireName(this ServiceHealth health) => health switch
    {
        ServiceHealth.Unknown => "unknown",
        ServiceHealth.Healthy => "healthy",
        ServiceHealth.Degraded => "degraded",
        ServiceHealth.Unhealthy => "unhealthy",
        _ => throw new ArgumentOutOfRangeException(nameof(health)),
    };

    public static string ToWireName(this ServiceRole role) => role == ServiceRole.Primary ? "primary" : "backup";

    public static string ToWireName(this FailoverEventKind kind) => kind == FailoverEventKind.Failover ? "failover" : "recovery";

    /// <summary>Parses a trigger's wire name; false for anything else.</summary>
    public static bool TryParseTrigger(string? text, out FailoverTrigger trigger)
    {
        foreach (var candidate in Enum.GetValues<FailoverTrigger>())
        {
            if (string.Equals(candidate.ToWireName(), text, StringComparison.Ordinal))
            {
                trigger = candidate;
                return true;
            }
        }

        trigger = default;
        return false;
    }
}
