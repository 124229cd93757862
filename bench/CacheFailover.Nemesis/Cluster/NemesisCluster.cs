using CacheFailover.Engine;
using CacheFailover.Nemesis.Faults;
using CacheFailover.Options;
using CacheFailover.Testing;

namespace CacheFailover.Nemesis.Cluster;

/// <summary>
/// What the nemesis runs against: a primary and two backups (real redis-servers on loopback
/// ports, started and signalled by PID through <see cref="RedisServerProcess"/>) and several
/// in-process engines that form one failover group over them.
/// </summary>
public sealed class NemesisCluster : IAsyncDisposable
{
    private NemesisCluster(IReadOnlyDictionary<string, RedisServerProcess> servers, IReadOnlyList<Member> members)
    {
        Servers = servers;
        Members = members;
    }

    /// <summary>Service id → its server.</summary>
    public IReadOnlyDictionary<string, RedisServerProcess> Servers { get; }

    public IReadOnlyList<Member> Members { get; }

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

    /// <summary>Starts the servers, then the members (traffic members m1…mN and one control-only member, "ops").</summary>
    public static async Task<NemesisCluster> StartAsync(int trafficMembers, int backups, Action<string, FailoverEvent> onEvent, CancellationToken cancellationToken)
    {
        var servers = new Dictionary<string, RedisServerProcess>(StringComparer.Ordinal);
        try
        {
            foreach (var id in FaultPlan.Backups(backups).Prepend("primary"))
            {
                servers[id] = await RedisServerProcess.StartAsync(cancellationToken: cancellationToken);
            }

            var members = new List<Member>();
            foreach (var (id, traffic) in Enumerable.Range(1, trafficMembers).Select(i => ($"m{i}", true)).Append(("ops", false)))
            {
                members.Add(await Cluster.Member.StartAsync(id, traffic, servers, onEvent, cancellationToken));
            }

            return new NemesisCluster(servers, members);
        }
        catch
        {
            foreach (var server in servers.Values)
            {
                await server.DisposeAsync();
            }

            throw;
        }
    }

    public Member Member(string id) => Members.First(m => m.Id == id);

    /// <summary>Resumes frozen servers and restarts dead ones: the end of the fault phase.</summary>
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
    }

    public async ValueTask DisposeAsync()
    {
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
