using System.Globalization;
using System.Text;
using CacheFailover.Backends;
using CacheFailover.Health;
using CacheFailover.Journal;
using CacheFailover.Options;
using CacheFailover.Services;
using CacheFailover.Telemetry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using System.Diagnostics.Metrics;

namespace CacheFailover.Engine;

/// <summary>
/// The failover engine: routes cache operations to the serving service, watches every service's
/// health, fails over and recovers, and keeps the failback journal so that no stale value is read
/// after failing back. One per process; thread-safe.
/// </summary>
/// <remarks>
/// Split by concern: <c>.Operations.cs</c> (the hot path), <c>.Failover.cs</c>, <c>.Recovery.cs</c>,
/// <c>.Health.cs</c> (probe loop), <c>.Services.cs</c> (registration), <c>.Metrics.cs</c>.
/// </remarks>
public sealed partial class FailoverEngine : IAsyncDisposable
{
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ServiceRegistry _registry;
    private readonly FailoverController _controller;
    private readonly FailbackJournal _journal;
    private readonly EventHistory _history;
    private readonly FailoverMetrics _metrics;
    private readonly DeadlineTokens _deadlines;
    private readonly Lock _optionsLock = new();
    private volatile FailoverOptions _options;

    /// <summary>Creates the engine. Probes do not start until <see cref="Start"/>.</summary>
    /// <param name="primary">The primary service.</param>
    /// <param name="backups">Backups, in priority order unless they carry a priority.</param>
    /// <param name="options">Validated as a whole; invalid options throw <see cref="InvalidFailoverOptionsException"/>.</param>
    /// <param name="timeProvider">The clock; tests pass a fake one.</param>
    /// <param name="logger">Optional logger.</param>
    /// <param name="meterFactory">Optional meter factory (from DI).</param>
    public FailoverEngine(
        CacheServiceRegistration primary,
        IEnumerable<CacheServiceRegistration> backups,
        FailoverOptions? options = null,
        TimeProvider? timeProvider = null,
        ILogger<FailoverEngine>? logger = null,
        IMeterFactory? meterFactory = null)
    {
        ArgumentNullException.ThrowIfNull(primary);
        ArgumentNullException.ThrowIfNull(backups);
        options ??= new FailoverOptions();
        FailoverOptionsValidator.ThrowIfInvalid(options);
        _options = options;
        _time = timeProvider ?? TimeProvider.System;
        _deadlines = new DeadlineTokens(_time);
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _journal = new FailbackJournal(options.JournalCapacity);
        _history = new EventHistory(options.EventHistoryCapacity);
        _metrics = new FailoverMetrics(meterFactory, () => _journal.PendingKeys);

        ValidateServiceId(primary.ServiceId);
        var primaryService = new CacheService(primary.ServiceId, ServiceRole.Primary, 0, primary.Backend, new ServiceHealthTracker(options, _time));
        _registry = new ServiceRegistry(primaryService);
        _controller = new FailoverController(primaryService, _time);
        AttachConnectionEvents(primaryService);
        foreach (var backup in backups)
        {
            ValidateServiceId(backup.ServiceId);
            var service = new CacheService(backup.ServiceId, ServiceRole.Backup, backup.Priority ?? _registry.NextBackupPriority(), backup.Backend, new ServiceHealthTracker(options, _time));
            if (!_registry.TryAdd(service))
            {
                throw new ArgumentException($"Service id '{backup.ServiceId}' is used twice; every service needs its own id.", nameof(backups));
            }

            AttachConnectionEvents(service);
        }
    }

    /// <summary>Raised after every failover or recovery, successful or not. A throwing subscriber is logged and ignored.</summary>
    public event EventHandler<FailoverEventArgs>? EventRecorded;

    /// <summary>The options in force.</summary>
    public FailoverOptions Options => _options;

    /// <summary>The clock the engine runs on.</summary>
    public TimeProvider TimeProvider => _time;

    /// <summary>Current status (cheap).</summary>
    public FailoverStatus Status => _controller.Current.Status;

    /// <summary>Current epoch (cheap).</summary>
    public long Epoch => _controller.Current.Epoch;

    /// <summary>The id of the service that serves now (cheap).</summary>
    public string ActiveServiceId => _controller.Current.Active.Id;

    /// <summary>The primary's id.</summary>
    public string PrimaryServiceId => _registry.Primary.Id;

    /// <summary>The backend of a service, or null; drills use it to reach a service's fault injector.</summary>
    public ICacheBackend? GetBackend(string serviceId) => _registry.Find(serviceId)?.Backend;

    internal CacheService? FindService(string serviceId) => _registry.Find(serviceId);

    /// <summary>An immutable picture of the whole engine.</summary>
    public FailoverStatusSnapshot GetStatus()
    {
        var options = _options;
        var state = _controller.Current;
        var services = _registry.All.Select(service =>
        {
            var health = service.Health.Snapshot(options);
            return new ServiceSnapshot(
                service.Id,
                service.Role,
                service.Priority,
                service.Backend.Endpoint,
                health.Health,
                service == state.Active,
                health.ConsecutiveFailures,
                health.ConsecutiveSuccesses,
                health.SuccessRate,
                health.AvgResponseMs,
                health.P95ResponseMs,
                health.BaselineResponseMs,
                health.LastCheckAt,
                health.LastError,
                (service.Backend as FaultInjectingBackend)?.ActiveFault);
        }).ToArray();

        return new FailoverStatusSnapshot(
            state.Status,
            state.Epoch,
            state.Active.Id,
            _registry.Primary.Id,
            state.Since,
            options,
            services,
            GetJournal(),
            _history.Query(5),
            PrimaryHeldDownUntil(),
            _autoRecoverySuspended);
    }

    /// <summary>The failback journal's state.</summary>
    public JournalSnapshot GetJournal() =>
        new(_journal.PendingKeys, _journal.Capacity, _journal.Overflowed, _journal.PrimaryDirty, _journal.DirtyReason, _journal.RecordedTotal);

    /// <summary>Recorded events, newest first.</summary>
    public IReadOnlyList<FailoverEvent> GetEvents(int limit = 20, FailoverTrigger? trigger = null, DateTimeOffset? since = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        return _history.Query(limit, trigger, since);
    }

    /// <summary>
    /// Changes options at runtime, all or nothing: the change is validated as a whole and either
    /// applied entirely or rejected with <see cref="InvalidFailoverOptionsException"/>, changing nothing.
    /// </summary>
    public OptionsUpdateResult UpdateOptions(Func<FailoverOptions, FailoverOptions> change)
    {
        ArgumentNullException.ThrowIfNull(change);
        lock (_optionsLock)
        {
            var old = _options;
            var next = change(old);
            var problems = FailoverOptionsValidator.ValidateChange(old, next);
            if (problems.Count > 0)
            {
                throw new InvalidFailoverOptionsException(problems);
            }

            var changes = OptionsDiff.Compare(old, next);
            if (changes.Count == 0)
            {
                return new OptionsUpdateResult(true, changes, old);
            }

            _options = next;
            _journal.Resize(next.JournalCapacity);
            _history.Capacity = next.EventHistoryCapacity;
            if (_probeTimer is { } timer && next.HealthCheckIntervalSeconds != old.HealthCheckIntervalSeconds)
            {
                timer.Period = next.HealthCheckInterval;
            }

            Log.OptionsChanged(_logger, string.Join(", ", changes.Select(c => string.Create(CultureInfo.InvariantCulture, $"{c.Name}: {c.OldValue} -> {c.NewValue}"))));
            return new OptionsUpdateResult(true, changes, next);
        }
    }

    /// <summary>Stops probing and disposes every backend.</summary>
    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        foreach (var service in _registry.All)
        {
            DetachConnectionEvents(service);
            await service.Backend.DisposeAsync();
        }

        _metrics.Dispose();
    }

    private static void ValidateServiceId(string id)
    {
        if (string.IsNullOrWhiteSpace(id) || id.Length > 64 || id.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')))
        {
            throw new ArgumentException($"Service id '{id}' is invalid: use 1 to 64 ASCII letters, digits, '-', '_' or '.'.", nameof(id));
        }
    }

    private void Record(FailoverEvent failoverEvent)
    {
        _history.Add(failoverEvent);
        var handlers = EventRecorded;
        if (handlers is null)
        {
            return;
        }

        var args = new FailoverEventArgs(failoverEvent);
        foreach (var handler in handlers.GetInvocationList().Cast<EventHandler<FailoverEventArgs>>())
        {
            try
            {
                handler(this, args);
            }
#pragma warning disable CA1031 // A subscriber must never break the engine; its failure is logged.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                Log.SubscriberFailed(_logger, ex);
            }
        }
    }

    private static string Describe(Exception ex) => ex is CacheBackendException or TimeoutException or CacheOperationException ? ex.Message : ex.GetType().Name;

    private string DescribeServices()
    {
        var options = _options;
        var text = new StringBuilder();
        foreach (var service in _registry.All)
        {
            if (text.Length > 0)
            {
                text.Append("; ");
            }

            var snapshot = service.Health.Snapshot(options);
            text.Append(service.Id).Append(": ").Append(snapshot.Health.ToWireName());
            if (snapshot.Health is ServiceHealth.Unhealthy or ServiceHealth.Degraded && snapshot.LastError is { } error)
            {
                text.Append(" (").Append(error).Append(')');
            }
        }

        return text.ToString();
    }
}
