using System.Diagnostics;
using System.Globalization;

namespace CacheFailover.Testing.Topologies;

/// <summary>
/// A Sentinel-managed primary on loopback: one primary, one replica and three sentinels (quorum 2)
/// watching it as <see cref="ServiceName"/>. The sentinels judge the primary down after 1 s, so a
/// killed primary is replaced by the replica within a few seconds. Every process is stopped by PID.
/// </summary>
public sealed class RedisSentinelTopology : IAsyncDisposable
{
    /// <summary>The name the sentinels know the primary by.</summary>
    public const string ServiceName = "cachefailover-sentinel";

    /// <summary>How long the sentinels wait before judging the primary down.</summary>
    public static readonly TimeSpan DownAfter = TimeSpan.FromSeconds(1);

    /// <summary>Small, so that a failover that could not promote anyone (no replica left) is retried soon.</summary>
    public static readonly TimeSpan FailoverTimeout = TimeSpan.FromSeconds(3);

    private static readonly TimeSpan SettleTimeout = TimeSpan.FromSeconds(30);
    private readonly List<string> _configDirectories;

    private RedisSentinelTopology(RedisServerProcess primary, RedisServerProcess replica, IReadOnlyList<RedisServerProcess> sentinels, List<string> configDirectories)
    {
        Primary = primary;
        Replica = replica;
        Sentinels = sentinels;
        _configDirectories = configDirectories;
    }

    /// <summary>The primary the sentinels were started on (it may have been demoted since).</summary>
    public RedisServerProcess Primary { get; }

    /// <summary>The replica the sentinels promote when <see cref="Primary"/> goes down.</summary>
    public RedisServerProcess Replica { get; }

    public IReadOnlyList<RedisServerProcess> Sentinels { get; }

    /// <summary>A StackExchange.Redis configuration string naming the sentinels and the service.</summary>
    public string ConnectionString => string.Join(',', Sentinels.Select(s => s.ConnectionString)) + ",serviceName=" + ServiceName;

    /// <summary>Starts everything and waits until the sentinels agree on the primary and know the replica and each other.</summary>
    public static async Task<RedisSentinelTopology> StartAsync()
    {
        var processes = new List<RedisServerProcess>();
        var directories = new List<string>();
        try
        {
            var primary = await RedisServerProcess.StartAsync();
            processes.Add(primary);
            var replica = await RedisServerProcess.StartAsync(["--replicaof", RedisServerProcess.Host, primary.Port.ToString(CultureInfo.InvariantCulture)]);
            processes.Add(replica);
            var sentinels = new List<RedisServerProcess>();
            for (var i = 0; i < 3; i++)
            {
                var directory = Directory.CreateTempSubdirectory("cachefailover-sentinel-").FullName;
                directories.Add(directory);
                var config = Path.Combine(directory, "sentinel.conf");
                await File.WriteAllTextAsync(config, string.Join('\n',
                    $"sentinel monitor {ServiceName} {RedisServerProcess.Host} {primary.Port} 2",
                    $"sentinel down-after-milliseconds {ServiceName} {DownAfter.TotalMilliseconds:0}",
                    $"sentinel failover-timeout {ServiceName} {FailoverTimeout.TotalMilliseconds:0}",
                    $"sentinel parallel-syncs {ServiceName} 1",
                    string.Empty));
                var sentinel = await RedisServerProcess.StartAsync(["--sentinel"], config);
                processes.Add(sentinel);
                sentinels.Add(sentinel);
            }

            var topology = new RedisSentinelTopology(primary, replica, sentinels, directories);
            await topology.WaitUntilSettledAsync();
            return topology;
        }
        catch
        {
            foreach (var process in processes)
            {
                await process.DisposeAsync();
            }

            DeleteDirectories(directories);
            throw;
        }
    }

    /// <summary>The port the first answering sentinel names as the current primary.</summary>
    public async Task<int> CurrentPrimaryPortAsync()
    {
        foreach (var sentinel in Sentinels.Where(s => s.IsRunning))
        {
            if (await sentinel.ExecuteAsync(["SENTINEL", "get-master-addr-by-name", ServiceName]) is object?[] { Length: 2 } address)
            {
                return int.Parse((string)address[1]!, CultureInfo.InvariantCulture);
            }
        }

        throw new InvalidOperationException("No sentinel named a primary.");
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var process in Sentinels.Concat([Replica, Primary]))
        {
            await process.DisposeAsync();
        }

        DeleteDirectories(_configDirectories);
    }

    private async Task WaitUntilSettledAsync()
    {
        var started = Stopwatch.GetTimestamp();
        while (true)
        {
            if (await IsSettledAsync())
            {
                return;
            }

            if (Stopwatch.GetElapsedTime(started) > SettleTimeout)
            {
                throw new InvalidOperationException($"The sentinels did not settle within {SettleTimeout.TotalSeconds:0} s. Last sentinel output:{Environment.NewLine}{Sentinels[0].RecentOutput}");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100), TimeProvider.System); // waiting on real processes
        }
    }

    private async Task<bool> IsSettledAsync()
    {
        var link = await Replica.ExecuteAsync(["INFO", "replication"]) as string ?? string.Empty;
        if (!link.Contains("master_link_status:up", StringComparison.Ordinal))
        {
            return false;
        }

        foreach (var sentinel in Sentinels)
        {
            // Each sentinel must know the replica (to promote it) and the two other sentinels (to vote).
            var replicas = await sentinel.ExecuteAsync(["SENTINEL", "replicas", ServiceName]) as object?[];
            var peers = await sentinel.ExecuteAsync(["SENTINEL", "sentinels", ServiceName]) as object?[];
            if (replicas is not { Length: 1 } || peers is not { Length: 2 })
            {
                return false;
            }
        }

        return true;
    }

    private static void DeleteDirectories(IEnumerable<string> directories)
    {
        foreach (var directory in directories)
        {
            try
            {
                Directory.Delete(directory, recursive: true);
            }
            catch (IOException)
            {
                // A leftover temporary directory is harmless.
            }
        }
    }
}
