using CacheFailover.Backends;
using CacheFailover.Engine;
using CacheFailover.Health;
using CacheFailover.Options;

namespace CacheFailover.Services;

/// <summary>One registered cache service: its backend, role, priority and health.</summary>
internal sealed class CacheService
{
    public CacheService(string id, ServiceRole role, int priority, ICacheBackend backend, ServiceHealthTracker health)
    {
        Id = id;
        Role = role;
        Priority = priority;
        Backend = backend;
        Health = health;
    }

    public string Id { get; }

    public ServiceRole Role { get; }

    /// <summary>Lower is preferred; the primary is 0, backups from 1 in registration order unless given.</summary>
    public int Priority { get; }

    public ICacheBackend Backend { get; }

    public ServiceHealthTracker Health { get; }

    public bool IsPrimary => Role == ServiceRole.Primary;

    /// <summary>
    /// False while this service's own failover (Sentinel promoting a replica) may still bring it
    /// back: until its probes have failed <c>failure_threshold</c> times in a row, no failure of it
    /// moves traffic to another service. Always true for a service without one.
    /// </summary>
    public bool MayFailOverFrom(FailoverOptions options) => !Backend.HasOwnFailover || Health.ConsecutiveProbeFailures >= options.FailureThreshold;

    /// <summary>Handler attached to the backend's connection events, kept to detach it on unregister.</summary>
    public EventHandler<BackendConnectionEventArgs>? ConnectionHandler { get; set; }

    public override string ToString() => Id;
}

/// <summary>How a service is given to the engine.</summary>
/// <param name="ServiceId">Unique id, letters, digits, '-', '_' or '.'.</param>
/// <param name="Backend">The backend; the engine disposes it when the service is removed or the engine is disposed.</param>
/// <param name="Priority">Lower is preferred among backups; null for registration order.</param>
public sealed record CacheServiceRegistration(string ServiceId, ICacheBackend Backend, int? Priority = null);
