using CacheFailover.Backends;
using CacheFailover.Engine;
using CacheFailover.Health;
using CacheFailover.Services;
using CacheFailover.Telemetry;

namespace CacheFailover.Engine;

/// <summary>Adding and removing backups at runtime.</summary>
public sealed partial class FailoverEngine
{
    /// <summary>
    /// Adds a backup after verifying that it answers a probe. Refused (nothing changed) when the id
    /// is taken or invalid, or the service does not answer; the backend is then disposed.
    /// </summary>
    public async Task<ServiceSnapshot> RegisterServiceAsync(CacheServiceRegistration registration, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(registration);
        var options = _options;
        try
        {
            ValidateServiceId(registration.ServiceId);
            if (registration.Priority is < 1 or > 1000)
            {
                throw new ArgumentOutOfRangeException(nameof(registration), registration.Priority, $"priority must be between 1 and 1000 (got {registration.Priority}); lower is preferred, the primary has 0.");
            }

            if (_registry.Find(registration.ServiceId) is not null)
            {
                throw new FailoverRefusedException($"service_id '{registration.ServiceId}' is already registered; choose another id or unregister it first.");
            }

            var service = new CacheService(registration.ServiceId, ServiceRole.Backup, registration.Priority ?? _registry.NextBackupPriority(), registration.Backend, new ServiceHealthTracker(options, _time));
            var probe = await VerifyAsync(service, options.HealthCheckTimeout);
            if (probe is not null)
            {
                throw new FailoverRefusedException($"'{registration.ServiceId}' at {registration.Backend.Endpoint} did not answer a probe ({probe}); it was not registered.");
            }

            cancellationToken.ThrowIfCancellationRequested();
            if (!_registry.TryAdd(service))
            {
                throw new FailoverRefusedException($"service_id '{registration.ServiceId}' is already registered; choose another id or unregister it first.");
            }

            AttachConnectionEvents(service);
            Log.ServiceRegistered(_logger, service.Id, service.Role.ToWireName(), service.Priority);
            return GetStatus().Services.First(s => s.ServiceId == service.Id);
        }
        catch
        {
            await registration.Backend.DisposeAsync();
            throw;
        }
    }

    /// <summary>Removes a backup. Refused for the primary and for the service that serves.</summary>
    public async Task UnregisterServiceAsync(string serviceId)
    {
        var service = _registry.Find(serviceId)
            ?? throw new FailoverRefusedException($"service_id '{serviceId}' is not registered; registered services: {string.Join(", ", _registry.All.Select(s => s.Id))}.");
        if (service.IsPrimary)
        {
            throw new FailoverRefusedException($"'{serviceId}' is the primary and cannot be unregistered.");
        }

        var state = _controller.Current;
        if (state.Active == service || state.Status is FailoverStatus.FailingOver or FailoverStatus.Recovering)
        {
            throw new FailoverRefusedException(state.Active == service
                ? $"'{serviceId}' is serving now; fail over or recover away from it first."
                : "a failover or recovery is in progress; try again when it has finished.");
        }

        if (_registry.Remove(service))
        {
            DetachConnectionEvents(service);
            await service.Backend.DisposeAsync();
            Log.ServiceUnregistered(_logger, serviceId);
        }
    }
}
