using System.Collections.Concurrent;
using CacheFailover.Engine;
using CacheFailover.Nemesis.Checking;
using CacheFailover.Nemesis.Cluster;
using CacheFailover.Nemesis.Faults;
using CacheFailover.Nemesis.History;
using CacheFailover.Nemesis.Workload;

namespace CacheFailover.Nemesis;

/// <summary>A member's engine event, as the run saw it.</summary>
public sealed record MemberEvent(long AtUs, string Member, FailoverEvent Event);

/// <summary>A member's state at the end of the run.</summary>
public sealed record MemberState(string Member, FailoverStatus Status, long Epoch, string Serving, long DroppedAnnouncements, int Restarts);

/// <summary>Everything a run produced, for the report.</summary>
public sealed record NemesisOutcome(
    NemesisSettings Settings,
    TimeSpan Elapsed,
    IReadOnlyList<ScheduledFault> Plan,
    IReadOnlyList<InjectedFault> Injected,
    IReadOnlyList<HistoryEntry> History,
    CheckResult Check,
    AvailabilityResult Availability,
    IReadOnlyList<MemberEvent> Events,
    IReadOnlyList<MemberState> FinalStates,
    bool Converged,
    IReadOnlyList<string> UnexpectedExits);

/// <summary>
/// One run: start the cluster, run the clients and the fault schedule, heal, let every member fail
/// back and read on for the quiet phase, read every key once more, then check the history.
/// </summary>
public static class NemesisRun
{
    /// <summary>After a fault ends, how long its window stays open for the availability figures.</summary>
    public static readonly TimeSpan Grace = TimeSpan.FromSeconds(2);

    private static readonly TimeSpan ConvergeLimit = TimeSpan.FromSeconds(30);

    public static async Task<NemesisOutcome> RunAsync(NemesisSettings settings, TextWriter progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(progress);
        var events = new ConcurrentQueue<MemberEvent>();
        var history = new HistoryRecorder();
        await using var cluster = await NemesisCluster.StartAsync(settings.Members, settings.Backups, settings.Processes, (member, e) => events.Enqueue(new MemberEvent(history.NowUs, member, e)), history, cancellationToken);

        var plan = FaultPlan.Create(settings.Seed, settings.FaultPhase, [.. cluster.Members.Select(m => m.Id)], settings.Backups, [.. cluster.Processes.Select(p => p.Id)]);
        progress.WriteLine($"nemesis: seed {settings.Seed}, {settings.Duration.TotalSeconds:0} s ({settings.FaultPhase.TotalSeconds:0} s of faults), {plan.Count} fault(s) planned, servers {string.Join(", ", cluster.Servers.Select(s => $"{s.Key}={s.Value.ConnectionString}"))}"
            + string.Concat(cluster.Processes.Select(p => $", {p.Id}=pid {p.Pid} (http {p.HttpPort}, resp {p.RespPort})")));

        // A member's clients alternate between its engine API and its RESP front door.
        var caches = new List<ICacheClient>();
        var clients = cluster.Members.Where(m => m.CarriesTraffic)
            .SelectMany(m => Enumerable.Range(0, settings.ClientsPerMember).Select(k => (Member: m.Id, Cache: k % 2 == 0 ? (ICacheClient)new EngineCacheClient(m) : new RespCacheClient(m.Id, m.FrontDoorPort!.Value))))
            // A server process's clients all go through its RESP front door (after the members' clients, so their seeds stay).
            .Concat(cluster.Processes.SelectMany(p => Enumerable.Range(0, settings.ClientsPerMember).Select(_ => (Member: p.Id, Cache: (ICacheClient)new RespCacheClient(p.Id, p.RespPort)))))
            .Select((c, i) =>
            {
                caches.Add(c.Cache);
                return new WorkloadClient(i + 1, c.Member, c.Cache, history, unchecked(settings.Seed * 7919 + i));
            })
            .ToArray();
        using var stopClients = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var running = clients.Select(c => Task.Run(() => c.RunAsync(stopClients.Token), CancellationToken.None)).ToArray();

        var injector = new FaultInjector(cluster, history);
        await injector.RunAsync(plan, cancellationToken);
        progress.WriteLine($"nemesis: faults done at {history.NowUs / 1e6:0.0} s, {history.Count} operation(s) so far; healing");
        await cluster.HealAsync(cancellationToken);
        var converged = await ConvergeAsync(cluster, cancellationToken);

        var quietEnds = settings.Duration - TimeSpan.FromMicroseconds(history.NowUs);
        if (quietEnds > TimeSpan.Zero)
        {
            await Task.Delay(quietEnds, TimeProvider.System, cancellationToken);
        }

        await stopClients.CancelAsync();
        await Task.WhenAll(running);
        foreach (var client in clients)
        {
            await client.SweepAsync();
        }

        foreach (var cache in caches)
        {
            await cache.DisposeAsync();
        }

        var elapsed = TimeSpan.FromMicroseconds(history.NowUs);
        var recorded = history.Snapshot();
        progress.WriteLine($"nemesis: {recorded.Count} operation(s) recorded in {elapsed.TotalSeconds:0.0} s; checking");
        var check = HistoryChecker.Check(recorded);
        var availability = AvailabilityAnalyzer.Analyze(recorded, injector.Injected, Grace);
        var states = cluster.Members.Select(m => new MemberState(m.Id, m.Engine.Status, m.Engine.Epoch, m.Engine.ActiveServiceId, m.Gate.Dropped, m.Restarts)).ToList();
        foreach (var process in cluster.Processes)
        {
            await process.CollectEventsAsync(cancellationToken);
            var health = await process.HealthAsync(cancellationToken);
            states.Add(new MemberState(process.Id, health?.Status ?? FailoverStatus.Active, health?.Epoch ?? -1, health?.ActiveServiceId ?? "(no /healthz answer)", 0, process.Restarts));
        }

        var unexpected = cluster.Processes.SelectMany(p => p.UnexpectedExits).ToArray();
        return new NemesisOutcome(settings, elapsed, plan, injector.Injected, recorded, check, availability, [.. events, .. cluster.Processes.SelectMany(p => p.Events)], states, converged, unexpected);
    }

    /// <summary>
    /// After the faults: recovers through the control-only member until every member (and every
    /// server process, by its <c>/healthz</c>) serves the primary (automatic recovery may get there
    /// first), so that the quiet phase reads after failback.
    /// </summary>
    private static async Task<bool> ConvergeAsync(NemesisCluster cluster, CancellationToken cancellationToken)
    {
        var control = cluster.Members.First(m => !m.CarriesTraffic).Engine;
        var until = TimeProvider.System.GetTimestamp() + (long)(ConvergeLimit.TotalSeconds * TimeProvider.System.TimestampFrequency);
        while (TimeProvider.System.GetTimestamp() < until)
        {
            if (cluster.Members.All(m => m.Engine.ActiveServiceId == m.Engine.PrimaryServiceId && m.Engine.Status is FailoverStatus.Active or FailoverStatus.Recovered)
                && await ProcessesOnThePrimaryAsync(cluster, control.PrimaryServiceId, cancellationToken))
            {
                return true;
            }

            try
            {
                if (control.ActiveServiceId != control.PrimaryServiceId)
                {
                    await control.TriggerManualRecoveryAsync("nemesis: faults over", cancellationToken: cancellationToken);
                }
            }
            catch (FailoverRefusedException)
            {
                // Another member's recovery is under way, or the primary is not ready yet: ask again.
            }

            await Task.Delay(TimeSpan.FromMilliseconds(250), TimeProvider.System, cancellationToken);
        }

        return false;
    }

    private static async Task<bool> ProcessesOnThePrimaryAsync(NemesisCluster cluster, string primary, CancellationToken cancellationToken)
    {
        foreach (var process in cluster.Processes)
        {
            if (await process.HealthAsync(cancellationToken) is not { } health || health.ActiveServiceId != primary || health.Status is not (FailoverStatus.Active or FailoverStatus.Recovered))
            {
                return false;
            }
        }

        return true;
    }
}
