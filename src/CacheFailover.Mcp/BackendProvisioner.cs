using CacheFailover.Backends;
using CacheFailover.Drills.Chaos;

namespace CacheFailover.Mcp;

/// <summary>
/// Turns connection strings into backends: asks each factory in order and, only when the server
/// allows live drills, wraps every backend in a <see cref="FaultInjectingBackend"/> (a pass-through
/// until a fault is set) so that a live drill can inject faults into any service. Without that
/// permission the engine gets the plain backends: there is no fault-injection path to misuse.
/// One per process; also used by <c>register_failover_service</c>.
/// </summary>
public sealed class BackendProvisioner
{
    private readonly IReadOnlyList<ICacheBackendFactory> _factories;
    private readonly TimeProvider _timeProvider;

    /// <param name="factories">Asked in order; the first that understands a connection creates its backend.</param>
    /// <param name="timeProvider">The fault injectors' clock.</param>
    /// <param name="faultInjection">Wrap every backend in a fault injector (the server runs with <c>--allow-live-drills</c>).</param>
    public BackendProvisioner(IEnumerable<ICacheBackendFactory> factories, TimeProvider timeProvider, bool faultInjection = false)
    {
        ArgumentNullException.ThrowIfNull(factories);
        _factories = [.. factories];
        _timeProvider = timeProvider ?? throw new ArgumentNullException(nameof(timeProvider));
        FaultInjection = faultInjection;
    }

    /// <summary>Whether backends are wrapped in fault injectors for live drills.</summary>
    public bool FaultInjection { get; }

    /// <summary>What a connection may look like, for messages.</summary>
    public const string AcceptedForms = "redis://[user:password@]host[:port][/db], rediss://… (TLS), a StackExchange.Redis configuration string such as host:6379,password=…, memory, or memory://name";

    /// <summary>
    /// Creates the backend for <paramref name="connection"/> without waiting for the server. Throws
    /// <see cref="ArgumentException"/> (message free of secrets) when no factory understands it or it is malformed.
    /// </summary>
    public ICacheBackend Create(string serviceId, string connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var trimmed = connection.Trim();
        if (trimmed.Length == 0)
        {
            throw new ArgumentException($"the connection is empty; use {AcceptedForms}.", nameof(connection));
        }

        var factory = _factories.FirstOrDefault(f => f.CanCreate(trimmed))
            ?? throw new ArgumentException($"'{Redact(trimmed)}' is not a connection this server understands; use {AcceptedForms}.", nameof(connection));
        var backend = factory.Create(serviceId, trimmed);
        return FaultInjection ? new FaultInjectingBackend(backend, _timeProvider) : backend;
    }

    /// <summary>The connection string with passwords and tokens replaced by <c>***</c>.</summary>
    public string Redact(string connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        foreach (var factory in _factories)
        {
            if (factory.CanCreate(connection))
            {
                return factory.Redact(connection);
            }
        }

        // Text no factory claims: the product's one redactor, by what the secrets in it look like.
        return CacheFailover.Security.SecretRedactor.Redact(connection);
    }
}
