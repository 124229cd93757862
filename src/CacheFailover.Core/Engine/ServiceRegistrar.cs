using CacheFailover.Backends;
using CacheFailover.Health;
using CacheFailover.Services;
using CacheFailover.Telemetry;
using Microsoft.Extensions.Logging;

namespace CacheFailover.Engine;

/// <summary>Adding and removing services: ids, duplicates, the serving check a new backup must pass, and its connection events.</summary>
internal sealed class ServiceRegistrar(
    ServiceRegistry registry,
    FailoverController controller,
    ServiceProber prober,
    BackupCleanup cleanup,
    ProbeLoop probes,
    EngineOptions options,
    TimeProvider time,
    ILogger logger)
{
    /// <summary>The rule for a service id, in one place.</summary>
    public static void ValidateServiceId(string id)
    {
        if (string.IsNullOrWhiteSpace(id) || id.Length > 64 || id.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')))
        {
            throw new ArgumentException($"Service id '{id}' is invalid: use 1 to 64 ASCII letters, digits, '-', '_' or '.'.", nameof(id));
        }
    }

    public CacheService Create(CacheServiceRegistration registration, ServiceRole role, int priority) =>
        new(registration.ServiceId, role, priority, registration.Backend, new ServiceHealthTracker(options.Current, time));

    public void Attach(CacheService service)
    {
        service.ConnectionHandler = (_, e) => probes.OnConnectionStateChanged(service, e);
        service.Backend.ConnectionStateChanged += service.ConnectionHandler;
    }

    /// <summary>
    /// Acts on a connection loss the backend reported before the engine subscribed (the event is
    /// not raised again): the service is marked down, and a serving one is failed over from.
    /// </summary>
    public void CatchUpOnConnectionState(CacheService service)
    {
        if (service.Backend.LastConnectionChange is { Connected: false } lost)
        {
            probes.OnConnectionStateChanged(service, lost);
        }
    }

    public static void Detach(CacheService service)
    {
        if (service.ConnectionHandler is { } handler)
        {
            service.Backend.ConnectionStateChanged -= handler;
        }
    }

    /// <summary>
    /// Adds a backup after verifying that it can serve (a probe, a write and a delete). Refused
    /// (nothing changed) when the id is taken or invalid, or the service cannot serve; the backend
    /// is then disposed.
    /// </summary>
    public async Task<CacheService> RegisterAsync(CacheServiceRegistration registration, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(registration);
        var current = options.Current;
        try
        {
            ValidateServiceId(registration.ServiceId);
            if (registration.Priority is < 1 or > 1000)
            {
                throw new ArgumentOutOfRangeException(nameof(registration), registration.Priority, $"priority must be between 1 and 1000 (got {registration.Priority}); lower is preferred, the primary has 0.");
            }

            if (registry.Find(registration.ServiceId) is not null)
            {
                throw new FailoverRefusedException($"service_id '{registration.ServiceId}' is already registered; choose another id or unregister it first.");
            }

            if (registry.FindByEndpoint(registration.Backend.Endpoint) is { } same)
            {
                throw new FailoverRefusedException($"'{registration.ServiceId}' at {registration.Backend.Endpoint} is the same endpoint as the registered service '{same.Id}'; a backup on the primary's (or another backup's) cache protects nothing.");
            }

            var service = Create(registration, ServiceRole.Backup, registration.Priority ?? registry.NextBackupPriority());
            var timeoutName = $"health_check_timeout_seconds = {current.HealthCheckTimeoutSeconds}";
            if (await prober.ProbeAsync(service, current.HealthCheckTimeout, timeoutName, cancellationToken) is { } probe)
            {
                throw new FailoverRefusedException($"'{registration.ServiceId}' at {registration.Backend.Endpoint} did not answer a probe ({probe}); it was not registered.");
            }

            if (await prober.CanStoreAsync(service, current.HealthCheckTimeout, timeoutName, cancellationToken) is { } store)
            {
                throw new FailoverRefusedException($"'{registration.ServiceId}' at {registration.Backend.Endpoint} cannot serve ({store}); it was not registered.");
            }

            if (registration.Backend is IBackendRightsCheck rights
                && await rights.MissingRightsAsync(cancellationToken).AsTask().WaitAsync(current.HealthCheckTimeout, time, cancellationToken) is { Count: > 0 } missing)
            {
                throw new FailoverRefusedException($"'{registration.ServiceId}' at {registration.Backend.Endpoint} answers and stores, but its user lacks rights the engine needs: {string.Join("; ", missing)}; grant them (e.g. ACL SETUSER … +unlink +pexpire +eval +evalsha +publish &cachefailover:*); it was not registered.");
            }

            cancellationToken.ThrowIfCancellationRequested();
            if (!registry.TryAdd(service))
            {
                throw new FailoverRefusedException($"service_id '{registration.ServiceId}' is already registered; choose another id or unregister it first.");
            }

            Attach(service);
            CatchUpOnConnectionState(service);
            Log.ServiceRegistered(logger, service.Id, service.Role.ToWireName(), service.Priority);
            return service;
        }
        catch
        {
            await registration.Backend.DisposeAsync();
            throw;
        }
    }

    /// <summary>Removes a backup. Refused for the primary and for the service that serves.</summary>
    public async Task UnregisterAsync(string serviceId)
    {
        var service = registry.Find(serviceId)
            ?? throw new FailoverRefusedException($"service_id '{serviceId}' is not registered; registered services: {string.Join(", ", registry.All.Select(s => s.Id))}.");
        if (service.IsPrimary)
        {
            throw new FailoverRefusedException($"'{serviceId}' is the primary and cannot be unregistered.");
        }

        var state = controller.Current;
        if (state.Active == service || state.Status is FailoverStatus.FailingOver or FailoverStatus.Recovering)
        {
            throw new FailoverRefusedException(state.Active == service
                ? $"'{serviceId}' is serving now; fail over or recover away from it first."
                : "a failover or recovery is in progress; try again when it has finished.");
        }

        if (registry.Remove(service))
        {
            Detach(service);
            cleanup.Forget(service);
            await service.Backend.DisposeAsync();
            Log.ServiceUnregistered(logger, serviceId);
        }
    }
}
