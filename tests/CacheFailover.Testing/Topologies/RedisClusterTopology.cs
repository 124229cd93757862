using System.Diagnostics;
using System.Globalization;

namespace CacheFailover.Testing.Topologies;

/// <summary>
/// A Redis Cluster of three primaries on loopback (no replicas: the machine has two cores, and
/// replicas add nothing the engine sees), created with <c>redis-cli --cluster create</c>. Each node
/// has its own cluster-bus port (<c>--cluster-port</c>), since port + 10000 may not be free.
/// </summary>
public sealed class RedisClusterTopology : IAsyncDisposable
{
    private static readonly TimeSpan SettleTimeout = TimeSpan.FromSeconds(30);

    private RedisClusterTopology(IReadOnlyList<RedisServerProcess> nodes)
    {
        Nodes = nodes;
    }

    public IReadOnlyList<RedisServerProcess> Nodes { get; }

    /// <summary>A StackExchange.Redis configuration string naming every node (one would do; the client discovers the rest).</summary>
    public string ConnectionString => string.Join(',', Nodes.Select(n => n.ConnectionString));

    /// <summary>Starts three nodes, assigns all 16384 slots and waits until every node reports the cluster ok.</summary>
    public static async Task<RedisClusterTopology> StartAsync()
    {
        var nodes = new List<RedisServerProcess>();
        try
        {
            for (var i = 0; i < 3; i++)
            {
                nodes.Add(await RedisServerProcess.StartAsync(
                [
                    "--cluster-enabled", "yes",
                    "--cluster-config-file", "nodes.conf",
                    "--cluster-node-timeout", "2000",
                    "--cluster-port", RedisServerProcess.FreeLoopbackPort().ToString(CultureInfo.InvariantCulture),
                ]));
            }

            await ExternalTool.RunAsync(
                "redis-cli",
                ["--cluster", "create", .. nodes.Select(n => n.ConnectionString), "--cluster-yes"],
                TimeSpan.FromSeconds(30));
            var topology = new RedisClusterTopology(nodes);
            await topology.WaitUntilOkAsync();
            return topology;
        }
        catch
        {
            foreach (var node in nodes)
            {
                await node.DisposeAsync();
            }

            throw;
        }
    }

    /// <summary>The node that owns <paramref name="slot"/>.</summary>
    public async Task<RedisServerProcess> NodeForSlotAsync(int slot)
    {
        var slots = await Nodes[0].ExecuteAsync(["CLUSTER", "SLOTS"]) as object?[] ?? [];
        foreach (var range in slots.OfType<object?[]>())
        {
            if ((long)range[0]! <= slot && slot <= (long)range[1]! && range[2] is object?[] owner)
            {
                var port = (long)owner[1]!;
                return Nodes.Single(n => n.Port == port);
            }
        }

        throw new InvalidOperationException($"No node owns slot {slot}.");
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var node in Nodes)
        {
            await node.DisposeAsync();
        }
    }

    private async Task WaitUntilOkAsync()
    {
        var started = Stopwatch.GetTimestamp();
        while (true)
        {
            var ok = 0;
            foreach (var node in Nodes)
            {
                if ((await node.ExecuteAsync(["CLUSTER", "INFO"]) as string ?? string.Empty).Contains("cluster_state:ok", StringComparison.Ordinal))
                {
                    ok++;
                }
            }

            if (ok == Nodes.Count)
            {
                return;
            }

            if (Stopwatch.GetElapsedTime(started) > SettleTimeout)
            {
                throw new InvalidOperationException($"The cluster was not ok within {SettleTimeout.TotalSeconds:0} s. Output of the first node:{Environment.NewLine}{Nodes[0].RecentOutput}");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100), TimeProvider.System); // waiting on real processes
        }
    }
}
