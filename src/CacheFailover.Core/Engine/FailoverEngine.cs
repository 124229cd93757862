using System.Diagnostics.Metrics;
using System.Globalization;
using System.Runtime.CompilerServices;
using CacheFailover.Backends;
using CacheFailover.Group;
using CacheFailover.Backends.Commands;
using CacheFailover.Health;
using CacheFailover.Journal;
using CacheFailover.Options;
using CacheFailover.Services;
using CacheFailover.Telemetry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace CacheFailover.Engine;

/// <summary>
/// The failover engine: routes cache operations to the serving service, watches every service's
/// health, fails over and recovers, and keeps the failback journal so that no stale value is read
/// after failing back. One per process; thread-safe.
/// </summary>
/// <remarks>
/// A facade over parts with one job each (see docs/architecture.md): the
/// <see cref="FailoverController"/> owns every switch; the <see cref="OperationExecutor"/> is the
/// hot path; the <see cref="ProbeLoop"/> watches health; the <see cref="FailoverCoordinator"/>,
/// <see cref="DegradationWatcher"/> and <see cref="RecoveryCoordinator"/> decide switches and ask
/// the controller for them; the <see cref="ServiceRegistrar"/> adds and removes services.
/// </remarks>
public sealed class FailoverEngine : IAsyncDisposable
{
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly EngineOptions _options;
    private readonly ServiceRegistry _registry;
    private readonly FailbackJournal _journal;
    private readonly FailoverEvents _events;
    private readonly FailoverMetrics _metrics;
    private readonly FailoverController _controller;
    private readonly BackupCleanup _cleanup;
    private readonly FailoverCoordinator _failover;
    private readonly RecoveryCoordinator _recovery;
    private readonly DegradationWatcher _degradation;
    private readonly ProbeLoop _probes;
    private readonly OperationExecutor _executor;
    private readonly ServiceRegistrar _registrar;
    private readonly GroupCoordinator _group;
    private readonly Lock _optionsLock = new();

    /// <summary>Creates the engine. Probes do not start until <see cref="Start"/>.</summary>
    /// <param name="primary">The primary service.</param>
    /// <param name="backups">Backups, in priority order unless they carry a priority.</param>
    /// <param name="options">Validated as a whole; invalid options throw <see cref="InvalidFailoverOptionsException"/>.</param>
    /// <param name="timeProvider">The clock; tests pass a fake one.</param>
    /// <param name="logger">Optional logger.</param>
    /// <param name="meterFactory">Optional meter factory (from DI).</param>
    /// <param name="group">The failover group this engine is a member of (default: group "default", carrying traffic).</param>
    public FailoverEngine(
        CacheServiceRegistration primary,
        IEnumerable<CacheServiceRegistration> backups,
        FailoverOptions? options = null,
        TimeProvider? timeProvider = null,
        ILogger<FailoverEngine>? logger = null,
        IMeterFactory? meterFactory = null,
        FailoverGroupOptions? group = null)
    {
        ArgumentNullException.ThrowIfNull(primary);
        ArgumentNullException.ThrowIfNull(backups);
        options ??= new FailoverOptions();
        FailoverOptionsValidator.ThrowIfInvalid(options);
        _options = new EngineOptions(options);
        _time = timeProvider ?? TimeProvider.System;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _journal = new FailbackJournal(options.JournalCapacity);
        _events = new FailoverEvents(options.EventHistoryCapacity, _logger) { Sender = this };
        _metrics = new FailoverMetrics(meterFactory, () => _journal.PendingKeys);

        ServiceRegistrar.ValidateServiceId(primary.ServiceId);
        var primaryService = new CacheService(primary.ServiceId, ServiceRole.Primary, 0, primary.Backend, new ServiceHealthTracker(options, _time));
        _registry = new ServiceRegistry(primaryService);
        _controller = new FailoverController(primaryService, _journal, _time);
        var prober = new ServiceProber(_options, _time, _metrics, _logger);
        _cleanup = new BackupCleanup(prober, _options, _time, _logger);
        _group = new GroupCoordinator(group ?? new FailoverGroupOptions(), _controller, _registry, _events, _options, _time, _logger);
        _failover = new FailoverCoordinator(_controller, _registry, prober, _cleanup, _group, _events, _metrics, _options, _time, _logger);
        _degradation = new DegradationWatcher(_controller, _registry, prober, _failover, _options, _time, _logger);
        _recovery = new RecoveryCoordinator(_controller, _registry, _journal, prober, _cleanup, _group, _events, _metrics, _options, _time, _logger);
        _probes = new ProbeLoop(_controller, _registry, prober, _failover, _degradation, _recovery, _group, _options, _time, _logger) { Sender = this };
        _executor = new OperationExecutor(_controller, _registry, _journal, _failover, _degradation, _group, _metrics, _options, _time, _logger);
        _registrar = new ServiceRegistrar(_registry, _controller, prober, _cleanup, _probes, _options, _time, _logger);

        _registrar.Attach(primaryService);
        _group.Attach(primaryService);
        foreach (var backup in backups)
        {
            ServiceRegistrar.ValidateServiceId(backup.ServiceId);
            if (_registry.FindByEndpoint(backup.Backend.Endpoint) is { } same)
            {
                throw new ArgumentException($"Service '{backup.ServiceId}' at {backup.Backend.Endpoint} is the same endpoint as '{same.Id}'; every service needs a cache of its own.", nameof(backups));
            }

            var service = _registrar.Create(backup, ServiceRole.Backup, backup.Priority ?? _registry.NextBackupPriority());
            if (!_registry.TryAdd(service))
            {
                throw new ArgumentException($"Service id '{backup.ServiceId}' is used twice; every service needs its own id.", nameof(backups));
            }

            _registrar.Attach(service);
            _group.Attach(service);
        }

        // Only once every service is known: a primary found down must have somewhere to go.
        foreach (var service in _registry.All)
        {
            _registrar.CatchUpOnConnectionState(service);
        }
    }

    /// <summary>Raised after every failover or recovery, successful or not. A throwing subscriber is logged and ignored.</summary>
    public event EventHandler<FailoverEventArgs>? EventRecorded
    {
        add => _events.Recorded += value;
        remove => _events.Recorded -= value;
    }

    /// <summary>Raised after each health-check round has been evaluated (tests and drills wait on it).</summary>
    public event EventHandler? HealthCheckRoundCompleted
    {
        add => _probes.RoundCompleted += value;
        remove => _probes.RoundCompleted -= value;
    }

    /// <summary>The longest window <see cref="GetPerformanceMetrics"/> can cover.</summary>
    public static TimeSpan MaxMetricsWindow => MetricSlices.MaxWindow;

    /// <summary>The options in force.</summary>
    public FailoverOptions Options => _options.Current;

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

    /// <summary>The backend of a service as it was registered, or null.</summary>
    public ICacheBackend? GetBackend(string serviceId) => _registry.Find(serviceId)?.Backend;

    internal CacheService? FindService(string serviceId) => _registry.Find(serviceId);

    /// <summary>Reads a value from the serving service; null when missing.</summary>
    public ValueTask<byte[]?> GetAsync(string key, CancellationToken cancellationToken = default)
        => _executor.ExecuteAsync<GetOperation, byte[]?, ValueOnly<byte[]?>, byte[]?>(new GetOperation(key), cancellationToken);

    /// <summary>Reads a value and says who served it.</summary>
    public ValueTask<CacheResult<byte[]?>> GetWithResultAsync(string key, CancellationToken cancellationToken = default)
        => _executor.ExecuteAsync<GetOperation, byte[]?, WithRoute<byte[]?>, CacheResult<byte[]?>>(new GetOperation(key), cancellationToken);

    /// <summary>Writes a value to the serving service (journaled while a backup serves).</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public async ValueTask SetAsync(string key, ReadOnlyMemory<byte> value, TimeSpan? timeToLive = null, CancellationToken cancellationToken = default)
        => await _executor.ExecuteAsync<SetOperation, bool, ValueOnly<bool>, bool>(new SetOperation(key, value, timeToLive), cancellationToken);

    /// <summary>Writes a value and says who stored it.</summary>
    public ValueTask<CacheResult<bool>> SetWithResultAsync(string key, ReadOnlyMemory<byte> value, TimeSpan? timeToLive = null, CancellationToken cancellationToken = default)
        => _executor.ExecuteAsync<SetOperation, bool, WithRoute<bool>, CacheResult<bool>>(new SetOperation(key, value, timeToLive), cancellationToken);

    /// <summary>Deletes a key on the serving service (journaled while a backup serves); true when it existed there.</summary>
    public ValueTask<bool> DeleteAsync(string key, CancellationToken cancellationToken = default)
        => _executor.ExecuteAsync<DeleteOperation, bool, ValueOnly<bool>, bool>(new DeleteOperation(key), cancellationToken);

    /// <summary>Deletes a key and says who served it.</summary>
    public ValueTask<CacheResult<bool>> DeleteWithResultAsync(string key, CancellationToken cancellationToken = default)
        => _executor.ExecuteAsync<DeleteOperation, bool, WithRoute<bool>, CacheResult<bool>>(new DeleteOperation(key), cancellationToken);

    /// <summary>True when the key exists on the serving service.</summary>
    public ValueTask<bool> ExistsAsync(string key, CancellationToken cancellationToken = default)
        => _executor.ExecuteAsync<ExistsOperation, bool, ValueOnly<bool>, bool>(new ExistsOperation(key), cancellationToken);

    /// <summary>Checks a key and says who served it.</summary>
    public ValueTask<CacheResult<bool>> ExistsWithResultAsync(string key, CancellationToken cancellationToken = default)
        => _executor.ExecuteAsync<ExistsOperation, bool, WithRoute<bool>, CacheResult<bool>>(new ExistsOperation(key), cancellationToken);

    /// <summary>
    /// Runs a Redis-protocol command on the serving service with the engine's deadline, health
    /// feedback and retries, like any other operation. When <paramref name="routing"/> says it writes,
    /// every key it names is journaled first while a backup serves (I1/I2); when it is not safe to
    /// repeat, an unknown outcome is reported as <see cref="CacheOperationException"/> with
    /// <see cref="OperationOutcome.Unknown"/> and never retried (I4). The server's own error replies
    /// come back as error replies, not exceptions.
    /// </summary>
    public ValueTask<CommandReply> ExecuteCommandAsync(CacheCommand command, CommandRouting routing, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(routing.Keys);
        return _executor.ExecuteAsync<CommandOperation, CommandReply, ValueOnly<CommandReply>, CommandReply>(new CommandOperation(command, routing), cancellationToken);
    }

    /// <summary>
    /// Runs <paramref name="commands"/> as one transaction on the serving service (MULTI … EXEC), with
    /// the same deadline, journal and retry rules as <see cref="ExecuteCommandAsync"/>; <paramref name="routing"/>
    /// covers every command of it.
    /// </summary>
    public ValueTask<CommandReply> ExecuteTransactionAsync(IReadOnlyList<CacheCommand> commands, CommandRouting routing, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(commands);
        ArgumentNullException.ThrowIfNull(routing.Keys);
        return _executor.ExecuteAsync<TransactionOperation, CommandReply, ValueOnly<CommandReply>, CommandReply>(new TransactionOperation(commands, routing), cancellationToken);
    }

    /// <summary>
    /// Fails over at an operator's request, to <paramref name="targetServiceId"/> or to the best
    /// candidate. Refused (with <see cref="FailoverRefusedException"/>, nothing changed) when the
    /// target is unknown, already serving, the primary (use recovery), or cannot serve. After a
    /// manual failover automatic recovery waits for a manual recovery: the operator moved traffic on purpose.
    /// </summary>
    public Task<FailoverEvent> TriggerManualFailoverAsync(string reason, string? targetServiceId = null, CancellationToken cancellationToken = default)
        => _failover.TriggerManualAsync(reason, targetServiceId, cancellationToken);

    /// <summary>
    /// Switches back to the primary at an operator's request. The primary is probed first and the
    /// request is refused (with the reason, nothing changed) when it cannot serve, or when it is
    /// dirty and <paramref name="flushDirtyPrimary"/> is false.
    /// </summary>
    public Task<RecoveryResult> TriggerManualRecoveryAsync(string? reason = null, bool flushDirtyPrimary = false, CancellationToken cancellationToken = default)
        => TriggerManualRecoveryAsync(reason, flushDirtyPrimary, progress: null, cancellationToken);

    /// <summary>
    /// <see cref="TriggerManualRecoveryAsync(string?, bool, CancellationToken)"/>, telling <paramref name="progress"/>
    /// each step as it ends: every verification probe, the journals read, each invalidation batch, the group's
    /// record claimed, the switch.
    /// </summary>
    public Task<RecoveryResult> TriggerManualRecoveryAsync(string? reason, bool flushDirtyPrimary, IProgress<RecoveryProgress>? progress, CancellationToken cancellationToken = default)
        => _recovery.RecoverAsync(manual: true, string.IsNullOrWhiteSpace(reason) ? "manual recovery" : reason, flushDirtyPrimary, progress, cancellationToken);

    /// <summary>Marks the primary dirty (e.g. an operator knows writes bypassed the engine). It will not serve again until reconciled.</summary>
    public void MarkPrimaryDirty(string reason) => _recovery.MarkPrimaryDirty(reason);

    /// <summary>
    /// Adds a backup after verifying that it can serve (a probe, a write and a delete). Refused
    /// (nothing changed) when the id is taken or invalid, or the service cannot serve; the backend is then disposed.
    /// </summary>
    public async Task<ServiceSnapshot> RegisterServiceAsync(CacheServiceRegistration registration, CancellationToken cancellationToken = default)
    {
        var service = await _registrar.RegisterAsync(registration, cancellationToken);
        _group.Attach(service);
        return Describe(service, _options.Current, _controller.Current);
    }

    /// <summary>Removes a backup. Refused for the primary and for the service that serves.</summary>
    public async Task UnregisterServiceAsync(string serviceId)
    {
        var service = _registry.Find(serviceId);
        await _registrar.UnregisterAsync(serviceId);
        if (service is not null)
        {
            await _group.DetachAsync(service);
        }
    }

    /// <summary>Starts the probe loop: one round at once, then one every <c>health_check_interval_seconds</c>.</summary>
    /// <remarks>Prefer <see cref="StartAsync"/>: it follows the group's record before the first operation.</remarks>
    public void Start() => _probes.Start();

    /// <summary>
    /// Joins the failover group — reads its record on every service and follows it, so that a
    /// process (re)started while the group is failed over serves the backup at once (F3) — then
    /// starts the probe loop.
    /// </summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        await _group.RefreshAsync(cancellationToken);
        _ = _group.HeartbeatAsync(CancellationToken.None);
        _probes.Start();
    }

    /// <summary>The failover group as this member sees it: its record, its members and their heartbeats.</summary>
    public Task<GroupSnapshot> GetGroupAsync(CancellationToken cancellationToken = default) => _group.SnapshotAsync(cancellationToken);

    /// <summary>
    /// Waits until every live member of the group follows this member's newest record (at most
    /// <paramref name="timeout"/>, default 2 s); returns the members that do not yet.
    /// </summary>
    public async Task<IReadOnlyList<GroupMember>> WaitForGroupToFollowAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
        => _group.Record is { } record
            ? await _group.WaitForAdoptionAsync(record.Version, timeout ?? EngineTimings.ManualDecisionAdoptionWait, cancellationToken)
            : [];

    /// <summary>Stops the probe loop and waits for the round in progress.</summary>
    public Task StopAsync() => _probes.StopAsync();

    /// <summary>
    /// One health-check round: probes every service at once, each bounded by
    /// <c>health_check_timeout_seconds</c>, then fails over, or recovers, as the results say.
    /// </summary>
    public Task RunHealthChecksAsync(CancellationToken cancellationToken = default) => _probes.RunRoundAsync(cancellationToken);

    /// <summary>An immutable picture of the whole engine.</summary>
    public FailoverStatusSnapshot GetStatus()
    {
        var options = _options.Current;
        var state = _controller.Current;
        var services = _registry.All.Select(service => Describe(service, options, state)).ToArray();
        var holdDown = _controller.HoldDown(options);
        return new FailoverStatusSnapshot(
            state.Status,
            state.Epoch,
            state.Active.Id,
            _registry.Primary.Id,
            state.Since,
            options,
            services,
            GetJournal(),
            _events.History.Query(5),
            holdDown?.Until,
            _controller.AutoRecoverySuspended,
            holdDown?.Reason,
            _cleanup.Pending());
    }

    /// <summary>The failback journal's state.</summary>
    public JournalSnapshot GetJournal() =>
        new(_journal.PendingKeys, _journal.Capacity, _journal.Overflowed, _journal.PrimaryDirty, _journal.DirtyReason, _journal.RecordedTotal);

    /// <summary>Recorded events, newest first.</summary>
    public IReadOnlyList<FailoverEvent> GetEvents(int limit = 20, FailoverTrigger? trigger = null, DateTimeOffset? since = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        return _events.History.Query(limit, trigger, since);
    }

    /// <summary>
    /// Operation counts and latency percentiles per service, failover and recovery figures, journal
    /// invalidations and time per status, over the last <paramref name="window"/> (default 5 minutes;
    /// whole 10-second slices up to 5 minutes, whole 2-minute slices beyond; at most <see cref="MaxMetricsWindow"/>).
    /// </summary>
    public PerformanceSnapshot GetPerformanceMetrics(TimeSpan? window = null)
    {
        var span = window ?? TimeSpan.FromMinutes(5);
        if (span <= TimeSpan.Zero || span > MaxMetricsWindow)
        {
            throw new ArgumentOutOfRangeException(nameof(window), span, $"The window must be between 1 second and {MaxMetricsWindow.TotalSeconds} seconds.");
        }

        return PerformanceReport.Build(span, _registry.All, _events.History, _controller, _recovery, _time);
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
            var old = _options.Current;
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

            _options.Current = next;
            _journal.Resize(next.JournalCapacity);
            _events.History.Capacity = next.EventHistoryCapacity;
            if (next.HealthCheckIntervalSeconds != old.HealthCheckIntervalSeconds)
            {
                _probes.OnIntervalChanged(next.HealthCheckInterval);
            }

            Log.OptionsChanged(_logger, string.Join(", ", changes.Select(c => string.Create(CultureInfo.InvariantCulture, $"{c.Name}: {c.OldValue} -> {c.NewValue}"))));
            return new OptionsUpdateResult(true, changes, next);
        }
    }

    /// <summary>Stops probing and disposes every backend.</summary>
    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _probes.Dispose();
        _degradation.Dispose();
        _executor.Dispose();
        _cleanup.Dispose();
        await _group.LeaveAsync();
        await _group.DisposeAsync();
        foreach (var service in _registry.All)
        {
            ServiceRegistrar.Detach(service);
            await service.Backend.DisposeAsync();
        }

        _metrics.Dispose();
    }

    /// <summary>Runs one operation and says who served it (tests route operations the public API does not offer).</summary>
    internal ValueTask<CacheResult<T>> ExecuteAsync<TOperation, T>(TOperation operation, CancellationToken cancellationToken)
        where TOperation : struct, IEngineOperation<T>
        => _executor.ExecuteAsync<TOperation, T, WithRoute<T>, CacheResult<T>>(operation, cancellationToken);

    /// <summary>An automatic failover decision taken under <paramref name="expectedEpoch"/> (tests show I3 with it).</summary>
    internal Task<FailoverEvent?> FailOverAsync(FailoverTrigger trigger, string reason, long expectedEpoch, CacheService from, CacheService? target, bool automatic)
        => _failover.FailOverAsync(trigger, reason, expectedEpoch, from, target, automatic);

    private static ServiceSnapshot Describe(CacheService service, FailoverOptions options, ServingState state)
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
            health.OperationSuccessRate,
            health.AvgResponseMs ?? health.ProbeLatencyMs ?? 0,
            health.P95ResponseMs ?? health.ProbeLatencyMs ?? 0,
            health.BaselineResponseMs,
            health.LastCheckAt,
            health.LastError,
            health.ConsecutiveProbeFailures,
            health.ProbeSuccessRate,
            health.ProbeLatencyMs,
            health.ProbeBaselineMs,
            health.LastErrorAt);
    }
}
