using CacheFailover.Engine;
using CacheFailover.Nemesis.Faults;
using CacheFailover.Nemesis.History;
using CacheFailover.Options;
using CacheFailover.Testing;

namespace CacheFailover.Nemesis.Cluster;

/// <summary>
/// What the nemesis runs against: a primary and two backups (real redis-servers on loopback
/// ports, started and signalled by PID through <see cref="RedisServerProcess"/>) and several
/// in-process engines that form one failover group over them, plus (optionally) server processes
/// of the product in the same group (<see cref="ProcessMember"/>).
/// </summary>
public sealed class NemesisCluster : IAsyncDisposable
{
    /// <summary>The group's name, for the in-process members and the server processes alike.</summary>
    public const string Group = "nemesis";

    private NemesisCluster(IReadOnlyDictionary<string, RedisServerProcess> servers, IReadOnlyList<Member> members, IReadOnlyList<ProcessMember> processes)
    {
        Servers = servers;
        Members = members;
        Processes = processes;
    }

    /// <summary>Service id → its server.</summary>
    public IReadOnlyDictionary<string, RedisServerProcess> Servers { get; }

    public IReadOnlyList<Member> Members { get; }

    /// <summary>The server processes (p1, p2, …); empty without --processes.</summary>
    public IReadOnlyList<ProcessMember> Processes { get; }

    /// <summary>The engine options every member runs with: fast probes and recovery, so a minute holds many failovers and failbacks.</summary>
    public static FailoverOptions Options { get; } = new()
    {
        TimeoutThresholdMs = 150,
        HealthCheckIntervalSeconds = 0.5,
        HealthCheckTimeoutSeconds = 0.4,
        FailureThreshold = 3,
        RecoveryThreshold = 3,
        AutoRecoveryEnabled = true,
        AutoRecoveryDelaySeconds = 1,
        MaxHoldDownSeconds = 6,
        CascadeFailoverEnabled = true,
        MaxFailoverAttempts = 3,
        RetryBaseDelayMs = 5,
    };

    /// <summary>Starts the servers, then the members (traffic members m1…mN and one control-only member, "ops"), then the server processes.</summary>
    public static async Task<NemesisCluster> StartAsync(int trafficMembers, int backups, int processes, Action<string, FailoverEvent> onEvent, HistoryRecorder clock, CancellationToken cancellationToken)
    {
        var servers = new Dictionary<string, RedisServerProcess>(StringComparer.Ordinal);
        var members = new List<Member>();
        var started = new List<ProcessMember>();
        try
        {
            foreach (var id in FaultPlan.Backups(backups).Prepend("primary"))
            {
                servers[id] = await RedisServerProcess.StartAsync(cancellationToken: cancellationToken);
            }

            foreach (var (id, traffic) in Enumerable.Range(1, trafficMembers).Select(i => ($"m{i}", true)).Append(("ops", false)))
            {
                members.Add(await Cluster.Member.StartAsync(id, traffic, servers, onEvent, cancellationToken));
            }

            var connections = servers.ToDictionary(s => s.Key, s => s.Value.ConnectionString, StringComparer.Ordinal);
            foreach (var id in FaultPlan.Processes(processes))
            {
                started.Add(await ProcessMember.StartAsync(id, connections, Group, Options, clock, cancellationToken));
            }

            return new NemesisCluster(servers, members, started);
        }
        catch
        {
            foreach (var process in started)
            {
                await process.DisposeAsync();
            }

            foreach (var member in members)
            {
                await member.DisposeAsync();
            }

            foreach (var server in servers.Values)
            {
                await server.DisposeAsync();
            }

            throw;
        }
    }

    public Member Member(string id) => Members.First(m => m.Id == id);

    public ProcessMember Process(string id) => Processes.First(p => p.Id == id);

    public bool IsProcess(string id) => Processes.Any(p => p.Id == id);

    /// <summary>Resumes frozen servers and restarts dead ones (and server processes that ended by themselves): the end of the fault phase.</summary>
    public async Task HealAsync(CancellationToken cancellationToken)
    {
        foreach (var server in Servers.Values)
        {
            if (server.IsStopped)
            {
                server.Resume();
            }

            if (!server.IsRunning)
            {
                await server.RestartAsync(cancellationToken);
            }
        }

        foreach (var process in Processes.Where(p => p.Pid is null))
        {
            await process.StartProcessAsync(cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var process in Processes)
        {
            await process.DisposeAsync();
        }

        foreach (var member in Members)
        {
            await member.DisposeAsync();
        }

        foreach (var server in Servers.Values)
        {
            if (server.IsStopped)
            {
                server.Resume();
            }

            await server.DisposeAsync();
        }
    }
}
