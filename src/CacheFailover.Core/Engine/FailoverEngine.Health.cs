using CacheFailover.Backends;
using CacheFailover.Options;
using CacheFailover.Services;
using CacheFailover.Telemetry;

namespace CacheFailover.Engine;

/// <summary>Health monitoring: the probe loop on the injected clock, and the reactions to probes and connection events.</summary>
public sealed partial class FailoverEngine
{
    private readonly Lock _lifecycleLock = new();
    private CancellationTokenSource? _loopCancellation;
    private Task? _loop;
    private PeriodicTimer? _probeTimer;

    /// <summary>Raised after each health-check round has been evaluated (tests and drills wait on it).</summary>
    public event EventHandler? HealthCheckRoundCompleted;

    /// <summary>Starts the probe loop: one round at once, then one every <c>health_check_interval_seconds</c>.</summary>
    public void Start()
    {
        lock (_lifecycleLock)
        {
            if (_loop is not null)
            {
                return;
            }

            _loopCancellation = new CancellationTokenSource();
            _probeTimer = new PeriodicTimer(_options.HealthCheckInterval, _time);
            _loop = RunLoopAsync(_probeTimer, _loopCancellation.Token);
            Log.EngineStarted(_logger, _registry.Primary.Id, _registry.All.Count - 1, _options.HealthCheckIntervalSeconds);
        }
    }

    /// <summary>Stops the probe loop and waits for the round in progress.</summary>
    public async Task StopAsync()
    {
        Task? loop;
        CancellationTokenSource? cancellation;
        lock (_lifecycleLock)
        {
            loop = _loop;
            cancellation = _loopCancellation;
            cancellation?.Cancel();
            _probeTimer?.Dispose();
            _loop = null;
            _probeTimer = null;
            _loopCancellation = null;
        }

        if (loop is not null)
        {
            await loop;
            Log.EngineStopped(_logger);
        }

        cancellation?.Dispose();
    }

    /// <summary>
    /// One health-check round: probes every service at once, each bounded by
    /// <c>health_check_timeout_seconds</c>, then fails over, or recovers, as the results say.
    /// </summary>
    public async Task RunHealthChecksAsync(CancellationToken cancellationToken = default)
    {
        var options = _options;
        var services = _registry.All;
        var probes = new Task[services.Count];
        for (var i = 0; i < services.Count; i++)
        {
            probes[i] = ProbeAsync(services[i], options, cancellationToken);
        }

        await Task.WhenAll(probes);
        await EvaluateAsync(options, cancellationToken);
        HealthCheckRoundCompleted?.Invoke(this, EventArgs.Empty);
    }

    private async Task RunLoopAsync(PeriodicTimer timer, CancellationToken cancellationToken)
    {
        try
        {
            do
            {
                try
                {
                    await RunHealthChecksAsync(cancellationToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    Log.HealthLoopFailed(_logger, ex);
                }
            }
            while (await timer.WaitForNextTickAsync(cancellationToken));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    private async Task ProbeAsync(CacheService service, FailoverOptions options, CancellationToken cancellationToken)
    {
        var started = _time.GetTimestamp();
        try
        {
            var pending = service.Backend.PingAsync(cancellationToken);
            if (!pending.IsCompletedSuccessfully)
            {
                await WithDeadlineAsync(pending, service, options.HealthCheckTimeout, (int)options.HealthCheckTimeout.TotalMilliseconds, cancellationToken);
            }

            service.Health.RecordProbeSuccess(_time.GetElapsedTime(started));
            _metrics.HealthCheck(service.Id, true);
        }
        catch (CacheBackendException ex)
        {
            var message = ex.Kind == CacheFailureKind.Timeout ? $"{service.Id} did not answer the probe within health_check_timeout_seconds = {options.HealthCheckTimeoutSeconds}" : ex.Message;
            service.Health.RecordProbeFailure(started, ex.Kind, message);
            _metrics.HealthCheck(service.Id, false);
            Log.ProbeFailed(_logger, service.Id, ex.Kind.ToString(), message);
        }
    }

    private async Task EvaluateAsync(FailoverOptions options, CancellationToken cancellationToken)
    {
        var state = _controller.Current;
        var active = state.Active;
        if (options.EnableFailover && state.Status is FailoverStatus.Active or FailoverStatus.FailedOver or FailoverStatus.Recovered)
        {
            var health = active.Health.Evaluate(options);
            if (health == ServiceHealth.Unhealthy && (active.IsPrimary || options.CascadeFailoverEnabled))
            {
                var trigger = active.IsPrimary ? FailoverTrigger.HealthCheckFailure : FailoverTrigger.CascadeFailure;
                var snapshot = active.Health.Snapshot(options);
                await FailOverAsync(trigger, $"'{active.Id}' failed {snapshot.ConsecutiveFailures} consecutive check(s): {snapshot.LastError}", state.Epoch, active, target: null, automatic: true);
            }
            else if (health == ServiceHealth.Degraded)
            {
                Interlocked.Exchange(ref _nextDegradationCheck, 0);
                await CheckDegradationAsync(active, state, options, _time.GetTimestamp());
            }
        }

        await TryAutoRecoverAsync(options, cancellationToken);
    }

    private void AttachConnectionEvents(CacheService service)
    {
        service.ConnectionHandler = (_, e) => OnConnectionStateChanged(service, e);
        service.Backend.ConnectionStateChanged += service.ConnectionHandler;
    }

    private static void DetachConnectionEvents(CacheService service)
    {
        if (service.ConnectionHandler is { } handler)
        {
            service.Backend.ConnectionStateChanged -= handler;
        }
    }

    /// <summary>A dropped connection of the serving service fails over at once instead of waiting for the next probe.</summary>
    private void OnConnectionStateChanged(CacheService service, BackendConnectionEventArgs e)
    {
        Log.ConnectionChanged(_logger, service.Id, e.Connected ? "restored" : "failed", e.Message);
        if (e.Connected)
        {
            return;
        }

        service.Health.MarkConnectionDown(e.Message ?? "connection lost");
        var options = _options;
        var state = _controller.Current;
        if (!options.EnableFailover || state.Active != service || (!service.IsPrimary && !options.CascadeFailoverEnabled))
        {
            return;
        }

        var trigger = service.IsPrimary ? FailoverTrigger.ConnectionFailure : FailoverTrigger.CascadeFailure;
        _ = FailOverInBackgroundAsync(trigger, $"'{service.Id}' reported its connection lost: {e.Message}", state.Epoch, service);
    }

    private async Task FailOverInBackgroundAsync(FailoverTrigger trigger, string reason, long epoch, CacheService from)
    {
        try
        {
            await FailOverAsync(trigger, reason, epoch, from, target: null, automatic: true, throttled: true);
        }
#pragma warning disable CA1031 // A background failover must never crash the process; it is logged.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            Log.BackgroundTaskFailed(_logger, ex);
        }
    }
}
