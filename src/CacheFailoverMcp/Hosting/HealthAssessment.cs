using CacheFailover.Engine;

namespace CacheFailoverMcp.Hosting;

/// <summary>What <c>/healthz</c> answers, from the most to the least serving.</summary>
public enum HealthVerdict
{
    /// <summary>The primary serves, and it and every backup are healthy.</summary>
    Ok,

    /// <summary>Traffic is served, but not the way it should be: failed over, a switch in progress, or a service not healthy.</summary>
    Degraded,

    /// <summary>Nothing can serve: the serving service is unhealthy and no other service can take over.</summary>
    Down,
}

/// <summary>
/// Judges a status snapshot for a load balancer or an uptime check: <see cref="HealthVerdict"/> and
/// the reasons, each naming a service. A pure function of the snapshot, so every state is testable
/// without a server.
/// </summary>
public sealed record HealthAssessment(HealthVerdict Verdict, IReadOnlyList<string> Reasons)
{
    /// <summary>The word on the wire.</summary>
    public string Word => Verdict switch
    {
        HealthVerdict.Ok => "ok",
        HealthVerdict.Degraded => "degraded",
        _ => "down",
    };

    public static HealthAssessment Of(FailoverStatusSnapshot status)
    {
        ArgumentNullException.ThrowIfNull(status);
        var serving = status.Services.FirstOrDefault(s => s.ServiceId == status.ActiveServiceId);
        var others = status.Services.Where(s => s != serving).ToList();
        var reasons = new List<string>();

        if (serving is null || serving.Health == ServiceHealth.Unhealthy)
        {
            var servingText = serving is null ? $"the serving service {status.ActiveServiceId} is not registered" : $"the serving service {serving.ServiceId} is unhealthy";
            var takers = others.Where(CanServe).Select(s => s.ServiceId).ToList();
            if (takers.Count == 0)
            {
                return new(HealthVerdict.Down, [$"{servingText} and no other service is healthy"]);
            }

            if (!status.Options.EnableFailover)
            {
                return new(HealthVerdict.Down, [$"{servingText} and failover is disabled (enable_failover=false), so {string.Join(", ", takers)} cannot take over"]);
            }

            reasons.Add($"{servingText}; {string.Join(", ", takers)} can take over");
        }
        else if (serving.Health != ServiceHealth.Healthy)
        {
            reasons.Add($"the serving service {serving.ServiceId} is {Describe(serving.Health)}");
        }

        if (status.ActiveServiceId != status.PrimaryServiceId)
        {
            reasons.Insert(0, $"{status.Status.ToWireName()}: {status.ActiveServiceId} serves instead of {status.PrimaryServiceId}");
        }
        else if (status.Status is not (FailoverStatus.Active or FailoverStatus.Recovered))
        {
            reasons.Insert(0, $"{status.Status.ToWireName()}: a switch is in progress");
        }

        foreach (var service in others.Where(s => s.Health != ServiceHealth.Healthy))
        {
            reasons.Add($"{service.Role.ToWireName()} {service.ServiceId} is {Describe(service.Health)}");
        }

        return new(reasons.Count == 0 ? HealthVerdict.Ok : HealthVerdict.Degraded, reasons);
    }

    /// <summary>Healthy or only slow: it answers, so it can serve.</summary>
    private static bool CanServe(ServiceSnapshot service) => service.Health is ServiceHealth.Healthy or ServiceHealth.Degraded;

    private static string Describe(ServiceHealth health) => health == ServiceHealth.Unknown ? "not checked yet (unknown)" : health.ToWireName();
}
