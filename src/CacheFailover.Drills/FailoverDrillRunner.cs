using CacheFailover.Backends;
using CacheFailover.Drills.Chaos;
using CacheFailover.Engine;
using CacheFailover.Options;
using CacheFailover.Services;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace CacheFailover.Drills;

/// <summary>
/// Failover drills: stage a failure and report what the engine did about it — how fast it noticed,
/// how fast a backup served, when the primary came back, and whether any read was stale — against
/// what the engine's options promise.
/// </summary>
/// <remarks>
/// <para><see cref="SimulateAsync"/> answers "what would happen with my options?" on a sandbox engine
/// that mirrors the live one (its services, their priorities, its options) over in-memory services on
/// a virtual clock: an outage of many minutes plays in well under a second and the live engine is not
/// touched.</para>
/// <para><see cref="RunLiveAsync"/> stages the failure for real on the live engine, which must have
/// been built with <see cref="FaultInjectingBackend"/>s. Its traffic uses its own keys, every wait is
/// capped, and the fault is always cleared.</para>
/// </remarks>
public sealed class FailoverDrillRunner
{
    /// <summary>The simulated round trip of each sandbox service.</summary>
    internal static readonly TimeSpan SimulatedRoundTrip = TimeSpan.FromMilliseconds(1);

    /// <summary>A simulation that runs longer than this in real time is cut short (its report says so).</summary>
    internal static readonly TimeSpan SimulationRealTimeLimit = TimeSpan.FromSeconds(30);

    /// <summary>A simulation never plays more virtual time than this.</summary>
    internal static readonly TimeSpan SimulationVirtualTimeLimit = TimeSpan.FromHours(8);

    private const string KeyPrefixRoot = "cachefailover:drill:";

    private readonly FailoverEngine _live;
    private readonly ILogger _logger;
    private int _liveRunning;

    /// <summary>Creates a runner for <paramref name="liveEngine"/>.</summary>
    /// <param name="liveEngine">The engine whose options simulations use, and which live drills exercise.</param>
    /// <param name="loggerFactory">Optional; drills log their start, end, and every live fault.</param>
    public FailoverDrillRunner(FailoverEngine liveEngine, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(liveEngine);
        _live = liveEngine;
        _logger = (ILogger?)loggerFactory?.CreateLogger<FailoverDrillRunner>() ?? NullLogger.Instance;
    }

    /// <summary>
    /// Plays <paramref name="scenario"/> on a sandbox engine that mirrors the live one: the same
    /// service ids, as many backups with the same priorities, and the current options (in-memory, 1 ms
    /// simulated round trip, behind fault injectors), on a virtual clock driven by the engine's own
    /// timers and probe loop. Touches nothing of the live engine. Runs on a dedicated thread; with the
    /// default options it takes well under a second. A scenario the live topology cannot survive (a
    /// primary failure with no backup) reports <c>passed: false</c> and says why.
    /// </summary>
    /// <exception cref="OperationCanceledException"><paramref name="ct"/> was cancelled.</exception>
    public Task<DrillReport> SimulateAsync(DrillScenario scenario, IProgress<DrillProgress>? progress, CancellationToken ct)
    {
        ThrowIfUnknown(scenario);
        var options = _live.Options;
        var topology = SandboxTopology.Of(_live.GetStatus());
        var start = _live.TimeProvider.GetUtcNow();
        return Task.Factory.StartNew(
            () => Simulate(scenario, options, topology, start, progress, ct),
            ct,
            TaskCreationOptions.LongRunning | TaskCreationOptions.DenyChildAttach,
            TaskScheduler.Default);
    }

    /// <summary>
    /// Stages <paramref name="scenario"/> on the live engine in real time: injects the fault into its
    /// fault-injecting backends for a bounded time (long enough for detection, capped at a minute),
    /// drives traffic on keys of its own (<c>cachefailover:drill:&lt;guid&gt;:</c>), waits for the
    /// failover, clears the fault, and waits for the recovery — or, when the options would make that
    /// wait longer than a minute, recovers manually and says so. Drill keys are deleted at the end and
    /// the fault is always cleared. The caller is responsible for confirmation: this is a real outage.
    /// </summary>
    /// <exception cref="DrillRefusedException">The engine's services are not fault-injecting, the primary is not serving, a fault is already active, the engine has no backup to fail over to, or another live drill runs. Nothing was changed.</exception>
    public async Task<DrillReport> RunLiveAsync(DrillScenario scenario, IProgress<DrillProgress>? progress, CancellationToken ct)
    {
        ThrowIfUnknown(scenario);
        if (Interlocked.CompareExchange(ref _liveRunning, 1, 0) != 0)
        {
            throw new DrillRefusedException("A live failover drill is already running on this engine; wait for it to finish.");
        }

        try
        {
            return await RunLiveCoreAsync(scenario, progress, ct);
        }
        finally
        {
            Volatile.Write(ref _liveRunning, 0);
        }
    }

    private static void ThrowIfUnknown(DrillScenario scenario)
    {
        if (!Enum.IsDefined(scenario))
        {
            throw new ArgumentOutOfRangeException(nameof(scenario), scenario, $"Unknown drill scenario; use one of {string.Join(", ", DrillScenarios.WireNames)}.");
        }
    }

    /// <summary>The fault injector wrapped around <paramref name="serviceId"/>'s backend in the live engine, or null when it has none (or no such service).</summary>
    public FaultInjectingBackend? InjectorOf(string serviceId) => _live.GetBackend(serviceId) as FaultInjectingBackend;

    private DrillReport Simulate(DrillScenario scenario, FailoverOptions options, SandboxTopology topology, DateTimeOffset start, IProgress<DrillProgress>? progress, CancellationToken ct)
    {
        DrillLog.Started(_logger, scenario.ToWireName(), "simulate");
        var clock = new VirtualTimeProvider(start);
        var loop = new SimulationLoop(clock);
        var report = loop.Run(abort => SimulateOnLoopAsync(scenario, options, topology, clock, loop, progress, abort, ct), SimulationRealTimeLimit, SimulationVirtualTimeLimit, ct);
        ct.ThrowIfCancellationRequested();
        DrillLog.Finished(_logger, report.Scenario, report.Mode, report.Passed ? "passed" : "not as expected", report.Summary);
        return report;
    }

    private static async Task<DrillReport> SimulateOnLoopAsync(DrillScenario scenario, FailoverOptions options, SandboxTopology topology, VirtualTimeProvider clock, SimulationLoop loop, IProgress<DrillProgress>? progress, CancellationToken abort, CancellationToken ct)
    {
        using var meters = new SandboxMeterFactory();
        FaultInjectingBackend Service(string name) =>
            new(new SimulatedLatencyBackend(new InMemoryCacheBackend("drill-" + name, clock), clock, SimulatedRoundTrip), clock);

        var primary = new FaultTarget(topology.PrimaryId, Service(topology.PrimaryId));
        FaultTarget[] backups = [.. topology.Backups.Select(b => new FaultTarget(b.ServiceId, Service(b.ServiceId)))];
        var engine = new FailoverEngine(
            new CacheServiceRegistration(primary.ServiceId, primary.Backend),
            topology.Backups.Select((b, i) => new CacheServiceRegistration(b.ServiceId, backups[i].Backend, b.Priority)),
            options,
            clock,
            logger: null,
            meters);
        await using (engine)
        {
            var plan = DrillPlan.Create(scenario, options, live: false, backups.Length, SimulatedRoundTrip);
            var recorder = new DrillRecorder(clock, primary.ServiceId, simulated: true);
            var traffic = new DrillTraffic(engine, clock, recorder, KeyPrefixRoot + Guid.NewGuid().ToString("N") + ":", plan.FinePace);
            var session = new DrillSession(engine, plan, recorder, traffic, primary, backups, progress, liveLogger: null, loop.HoldClock);
            recorder.Note($"sandbox: {topology.Describe()}, in-memory with a {DrillPlan.Format(SimulatedRoundTrip)} simulated round trip, on a virtual clock, with the live engine's options; its probe loop runs on that clock");
            if (topology.LiveSituation() is { } situation)
            {
                recorder.Note(situation);
            }

            engine.Start();
            return await session.RunAsync(
                _ =>
                {
                    if (loop.ForeignPosts > 0)
                    {
                        recorder.Note($"{loop.ForeignPosts} continuation(s) came back from the thread pool; their virtual timing is approximate");
                    }

                    return Task.CompletedTask;
                },
                () => loop.AbortReason,
                abort,
                ct);
        }
    }

    private async Task<DrillReport> RunLiveCoreAsync(DrillScenario scenario, IProgress<DrillProgress>? progress, CancellationToken ct)
    {
        var engine = _live;
        var status = engine.GetStatus();
        var primaryTarget = RequireInjector(status.PrimaryServiceId, scenario);
        var backupIds = status.Services.Where(s => s.Role == ServiceRole.Backup).OrderBy(s => s.Priority).Select(s => s.ServiceId).ToList();
        IReadOnlyList<FaultTarget> backups = scenario switch
        {
            DrillScenario.BackupDown when backupIds.Count == 0 => throw new DrillRefusedException("backup_down needs a backup, and the engine has none; register one first."),
            DrillScenario.BackupDown => [RequireInjector(backupIds[0], scenario)],
            DrillScenario.AllDown => backupIds.Select(id => RequireInjector(id, scenario)).ToArray(),
            _ => [],
        };

        if (status.Status is not (FailoverStatus.Active or FailoverStatus.Recovered))
        {
            throw new DrillRefusedException($"A live drill needs the primary serving, but the engine is {status.Status.ToWireName()} ('{status.ActiveServiceId}' serves); finish the current incident (recover) first.");
        }

        if (status.Services.Select(s => (s.ServiceId, Fault: InjectorOf(s.ServiceId)?.ActiveFault)).FirstOrDefault(s => s.Fault is not null) is { Fault: not null } faulted)
        {
            throw new DrillRefusedException($"A fault is already injected into '{faulted.ServiceId}' ({faulted.Fault}); clear it before a live drill.");
        }

        if (backupIds.Count == 0 && scenario is not DrillScenario.AllDown)
        {
            throw new DrillRefusedException($"The engine has no backup: a live {scenario.ToWireName()} drill would be an outage with nothing to fail over to.");
        }

        DrillLog.Started(_logger, scenario.ToWireName(), "live");
        var time = engine.TimeProvider;
        var baseline = status.Services.First(s => s.ServiceId == status.PrimaryServiceId).BaselineResponseMs is { } ms ? TimeSpan.FromMilliseconds(ms) : TimeSpan.Zero;
        var plan = DrillPlan.Create(scenario, engine.Options, live: true, backupIds.Count, baseline);
        var recorder = new DrillRecorder(time, status.PrimaryServiceId, simulated: false);
        var prefix = KeyPrefixRoot + Guid.NewGuid().ToString("N") + ":";
        var traffic = new DrillTraffic(engine, time, recorder, prefix, plan.FinePace);
        var session = new DrillSession(engine, plan, recorder, traffic, primaryTarget, backups, progress, _logger, holdClock: null);
        var cleanedUp = false;
        try
        {
            recorder.Note($"live engine: primary '{status.PrimaryServiceId}', backups {string.Join(", ", backupIds.Select(id => $"'{id}'"))}; drill keys {prefix}*");
            var report = await session.RunAsync(
                async _ =>
                {
                    // Not cancellable: a cancelled caller still gets its drill keys removed (each step is bounded).
                    cleanedUp = true;
                    await CleanUpAsync(engine, recorder, traffic, CancellationToken.None);
                },
                () => null,
                ct,
                ct);
            DrillLog.Finished(_logger, report.Scenario, report.Mode, report.Passed ? "passed" : "not as expected", report.Summary);
            return report;
        }
        finally
        {
            // The session clears its faults itself; this is the net under it for anything that escaped.
            primaryTarget.Backend.Clear();
            foreach (var backup in backups)
            {
                backup.Backend.Clear();
            }

            if (!cleanedUp)
            {
                await CleanUpAsync(engine, recorder, traffic, CancellationToken.None);
            }
        }
    }

    private FaultTarget RequireInjector(string serviceId, DrillScenario scenario)
    {
        var backend = _live.GetBackend(serviceId);
        return backend is FaultInjectingBackend injector
            ? new FaultTarget(serviceId, injector)
            : throw new DrillRefusedException(
                $"A live {scenario.ToWireName()} drill injects faults into '{serviceId}', but its backend ({backend?.GetType().Name ?? "none"} at {backend?.Endpoint ?? "?"}) is not a FaultInjectingBackend. "
                + "Run the server with fault injection enabled (every backend wrapped in FaultInjectingBackend) for live drills, or use mode simulate.");
    }

    /// <summary>
    /// Puts the live engine back as the drill found it: the primary serving (recovering manually if a
    /// cut-short drill left a backup serving), and no drill key left on any service.
    /// </summary>
    private async Task CleanUpAsync(FailoverEngine engine, DrillRecorder recorder, DrillTraffic traffic, CancellationToken ct)
    {
        var bound = TimeSpan.FromSeconds(10);
        if (recorder.Failover is not null && engine.Status == FailoverStatus.FailedOver
            && !string.Equals(engine.ActiveServiceId, recorder.PrimaryId, StringComparison.Ordinal))
        {
            DrillLog.RecoveringAfterAbort(_logger, "a backup still serves after the drill");
            try
            {
                var result = await engine.TriggerManualRecoveryAsync("failover drill cleanup: the drill ended with a backup serving", cancellationToken: ct).WaitAsync(bound, engine.TimeProvider, ct);
                recorder.Note(result.Success ? "cleanup: recovered the primary manually" : "cleanup: manual recovery refused: " + result.RefusalReason);
            }
            catch (TimeoutException)
            {
                recorder.Note("cleanup: manual recovery did not finish in time");
            }
        }

        var deleted = 0;
        foreach (var key in traffic.Keys)
        {
            try
            {
                await engine.DeleteAsync(key, ct).AsTask().WaitAsync(bound, engine.TimeProvider, ct);
                deleted++;
            }
            catch (Exception ex) when (ex is CacheOperationException or TimeoutException)
            {
                recorder.Note($"cleanup: deleting a drill key through the engine failed: {ex.Message}");
                break;
            }
        }

        // Straight on every service as well: a backup may still hold a key it took while serving.
        foreach (var service in engine.GetStatus().Services)
        {
            if (engine.GetBackend(service.ServiceId) is not { } backend)
            {
                continue;
            }

            try
            {
                await backend.InvalidateAsync(traffic.Keys, ct).AsTask().WaitAsync(bound, engine.TimeProvider, ct);
            }
            catch (Exception ex) when (ex is CacheBackendException or TimeoutException)
            {
                DrillLog.CleanupFailed(_logger, service.ServiceId, ex.Message);
                recorder.Note($"cleanup: removing drill keys from '{service.ServiceId}' failed: {ex.Message}");
            }
        }

        recorder.Note($"cleanup: deleted the {deleted} drill key(s) through the engine and from every service ({traffic.KeyPrefix}*)");
    }
}
