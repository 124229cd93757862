namespace CacheFailover.Services;

/// <summary>
/// The registered services. Reads are lock-free snapshots (the hot path reads this on every
/// retry); writes copy the array under a lock.
/// </summary>
internal sealed class ServiceRegistry
{
    private readonly Lock _lock = new();
    private volatile CacheService[] _services;

    public ServiceRegistry(CacheService primary)
    {
        Primary = primary;
        _services = [primary];
    }

    public CacheService Primary { get; }

    public IReadOnlyList<CacheService> All => _services;

    public CacheService? Find(string id)
    {
        foreach (var service in _services)
        {
            if (string.Equals(service.Id, id, StringComparison.Ordinal))
            {
                return service;
            }
        }

        return null;
    }

    /// <summary>
    /// The service whose backend points at <paramref name="endpoint"/> (as <c>ICacheBackend.Endpoint</c>
    /// shows it, compared without case), if any: one cache must not be registered twice, e.g. as primary and backup.
    /// </summary>
    public CacheService? FindByEndpoint(string endpoint)
    {
        foreach (var service in _services)
        {
            if (string.Equals(service.Backend.Endpoint, endpoint, StringComparison.OrdinalIgnoreCase))
            {
                return service;
            }
        }

        return null;
    }

    public bool TryAdd(CacheService service)
    {
        lock (_lock)
        {
            if (Find(service.Id) is not null)
            {
                return false;
            }

            _services = [.. _services, service];
            return true;
        }
    }

    public bool Remove(CacheService service)
    {
        lock (_lock)
        {
            var next = _services.Where(s => s != service).ToArray();
            if (next.Length == _services.Length)
            {
                return false;
            }

            _services = next;
            return true;
        }
    }

    public int NextBackupPriority()
    {
        var max = 0;
        foreach (var service in All)
        {
            max = Math.Max(max, service.Priority);
        }

        return max + 1;
    }
}
