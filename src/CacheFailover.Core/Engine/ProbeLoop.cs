using CacheFailover.Backends;
using CacheFailover.Options;
using CacheFailover.Services;
using CacheFailover.Telemetry;
using Microsoft.Extensions.Logging;

namespace CacheFailover.Engine;

/// <summary>
/// Health monitoring: the probe loop on the injected clock (one round at once, then one every
/// <c>health_check_interval_seconds</c>), what a round concludes, and the reaction to the
/// backends' connection events.
/// </summary>
internal sealed class ProbeLoop(
    FailoverController controller,
    ServiceRegistry registry,
    ServiceProber prober,
    FailoverCoordinator failover,
    DegradationWatcher degradation,
    RecoveryCoordinator recovery,
    GroupCoordinator group,
    EngineOptions options,
    TimeProvider time,
    ILogger logger) : IDisposable
{
    private readonly Lock _lifecycleLock = new();
    private CancellationTokenSource? _loopCancellation;
    private Task? _loop;
    private PeriodicTimer? _timer;

    /// <summary>Raised after each round has been evaluated (tests and drills wait on it).</summary>
    public event EventHandler? RoundCompleted;

    /// <summary>The sender subscribers see (the engine).</summary>
    public object? Sender { get; set; }

    public void Start()
    {
        lock (_lifecycleLock)
        {
            if (_loop is not null)
            {
                return;
            }

            _loopCancellation = new CancellationTokenSource();
            _timer = new PeriodicTimer(options.Current.HealthCheckInterval, time);
            _loop = RunAsync(_timer, _loopCancellation.Token);
            Log.EngineStarted(logger, registry.Primary.Id, registry.All.Count - 1, options.Current.HealthCheckIntervalSeconds);
        }
    }

    public async Task StopAsync()
    {
        Task? loop;
        CancellationTokenSource? cancellation;
        lock (_lifecycleLock)
        {
            loop = _loop;
            cancellation = _loopCancellation;
            cancellation?.Cancel();
            _timer?.Dispose();
            _loop = null;
            _timer = null;
            _loopCancellation = null;
        }

        if (loop is not null)
        {
            await loop;
            Log.EngineStopped(logger);
        }

        cancellation?.Dispose();
    }

    /// <summary>Stops the loop without waiting for it (the engine awaits <see cref="StopAsync"/> first; this is the backstop).</summary>
    public void Dispose()
    {
        lock (_lifecycleLock)
        {
            _loopCancellation?.Cancel();
            _timer?.Dispose();
        }
    }

    /// <summary>A changed health_check_interval_seconds applies from the next tick.</summary>
    public void OnIntervalChanged(TimeSpan interval)
    {
        lock (_lifecycleLock)
        {
            if (_timer is { } timer)
            {
                timer.Period = interval;
            }
        }
    }

    /// <summary>
    /// One round: probes every service at once, each bounded by <c>health_check_timeout_seconds</c>,
    /// then fails over, or recovers, as the results say.
    /// </summary>
    public async Task RunRoundAsync(CancellationToken cancellationToken)
    {
        var services = registry.All;
        var probes = new Task[services.Count];
        for (var i = 0; i < services.Count; i++)
        {
            probes[i] = prober.ProbeAsync(services[i], cancellationToken);
        }

        // The group's record first (announcements can be missed): this round judges the services
        // the group serves from now.
        await Task.WhenAll([.. probes, group.RefreshAsync(cancellationToken)]);
        await EvaluateAsync(options.Current, cancellationToken);
        // Not awaited: a hung service must not hold the next round.
        _ = group.HeartbeatAsync(CancellationToken.None);
        RoundCompleted?.Invoke(Sender, EventArgs.Empty);
    }

    /// <summary>A dropped connection of the serving service fails over at once instead of waiting for the next probe.</summary>
    public void OnConnectionStateChanged(CacheService service, BackendConnectionEventArgs e)
    {
        Log.ConnectionChanged(logger, service.Id, e.Connected ? "restored" : "failed", e.Message);
        if (e.Connected)
        {
            return;
        }

        service.Health.MarkConnectionDown(e.Message ?? "connection lost");
        var current = options.Current;
        var state = controller.Current;
        // A service with its own failover (Sentinel) is expected to lose a connection while it
        // promotes a replica; the probes decide whether it stays down.
        if (!current.EnableFailover || state.Active != service || (!service.IsPrimary && !current.CascadeFailoverEnabled) || !service.MayFailOverFrom(current))
        {
            return;
        }

        var trigger = service.IsPrimary ? FailoverTrigger.ConnectionFailure : FailoverTrigger.CascadeFailure;
        failover.FailOverInBackground(trigger, $"'{service.Id}' reported its connection lost: {e.Message}", state.Epoch, service);
    }

    private async Task RunAsync(PeriodicTimer timer, CancellationToken cancellationToken)
    {
        try
        {
            do
            {
                try
                {
                    await RunRoundAsync(cancellationToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    Log.HealthLoopFailed(logger, ex);
                }
            }
            while (await timer.WaitForNextTickAsync(cancellationToken));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    private async Task EvaluateAsync(FailoverOptions current, CancellationToken cancellationToken)
    {
        var state = controller.Current;
        var active = state.Active;
        if (current.EnableFailover && state.Status is FailoverStatus.Active or FailoverStatus.FailedOver or FailoverStatus.Recovered)
        {
            var health = active.Health.Evaluate(current);
            if (health == ServiceHealth.Unhealthy && (active.IsPrimary || current.CascadeFailoverEnabled))
            {
                // Unless its own failover (Sentinel) may still bring it back: the next rounds decide.
                if (active.MayFailOverFrom(current))
                {
                    await FailOverFromUnhealthyAsync(active, state.Epoch, current);
                }
            }
            else
            {
                await degradation.CheckAsync(active);
            }
        }

        await recovery.TryTakeOverAsync(cancellationToken);
        await failover.TryTakeBackStalledHandoverAsync();
        await recovery.TryAutoRecoverAsync(cancellationToken);
    }

    private async Task FailOverFromUnhealthyAsync(CacheService active, long epoch, FailoverOptions current)
    {
        var trigger = active.IsPrimary ? FailoverTrigger.HealthCheckFailure : FailoverTrigger.CascadeFailure;
        var snapshot = active.Health.Snapshot(current);
        await failover.FailOverAsync(trigger, $"'{active.Id}' failed {snapshot.ConsecutiveFailures} consecutive check(s): {snapshot.LastError}", epoch, active, target: null, automatic: true);
    }
}
