using System.Diagnostics;
using System.Globalization;
using System.Text;
using CacheFailover.Backends;
using CacheFailover.Engine;
using CacheFailover.Group;
using CacheFailover.Options;
using CacheFailover.Services;
using CacheFailover.Testing;
using CacheFailover.Testing.Topologies;
using Xunit.Abstractions;

namespace CacheFailover.Redis.Tests.Topologies;

/// <summary>
/// A three-primary Redis Cluster is one service to the engine: the group's record and journal
/// (one hash slot, by their hash tag) and the failback's invalidation (batched per slot) work
/// with keys in every slot, as the primary and as the backup that takes the writes.
/// </summary>
[Collection(RedisCollectionDefinition.Name)]
public sealed class ClusterFailoverTests(ITestOutputHelper output)
{
    /// <summary>Set to e.g. 100000 for the large figure (the CI run uses the default).</summary>
    public const string InvalidateKeysVariable = "CACHEFAILOVER_CLUSTER_INVALIDATE_KEYS";

    private const int DefaultInvalidateKeys = 10_000;
    private const int FailbackKeys = 2_000;
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(20);

    private static FailoverOptions Options { get; } = new()
    {
        TimeoutThresholdMs = 1000,
        HealthCheckIntervalSeconds = 1,
        HealthCheckTimeoutSeconds = 0.5,
        AutoRecoveryEnabled = false,
    };

    [Fact]
    public async Task ClusterPrimary_FailoverAndFailback_InvalidatesJournaledKeysInEverySlotAndKeepsTheGroupRecord()
    {
        await using var cluster = await RedisClusterTopology.StartAsync();
        await using var backup = await RedisServerProcess.StartAsync();
        var factory = new RedisCacheBackendFactory();
        await using var engine = new FailoverEngine(
            new CacheServiceRegistration("primary", factory.Create("primary", cluster.ConnectionString)),
            [new CacheServiceRegistration("backup", factory.Create("backup", backup.ConnectionString))],
            Options);
        await engine.StartAsync();
        var keys = Enumerable.Range(0, FailbackKeys).Select(i => $"cluster-failback:{i}").ToArray();
        await ForEachAsync(keys, key => engine.SetAsync(key, Bytes("primary's old value")));
        foreach (var node in cluster.Nodes)
        {
            Assert.True(await DbSizeAsync(node) > 100, $"{node} holds too few of the keys: they are not spread over the slots");
        }

        await engine.TriggerManualFailoverAsync("cluster maintenance");
        Assert.Equal("backup", engine.ActiveServiceId);
        await ForEachAsync(keys, async key =>
        {
            if (key.EndsWith('0'))
            {
                await engine.DeleteAsync(key);
            }
            else
            {
                await engine.SetAsync(key, Bytes("backup's value"));
            }
        });

        var recovery = await engine.TriggerManualRecoveryAsync("cluster back");

        Assert.True(recovery.Success, recovery.RefusalReason);
        Assert.Equal(FailbackKeys, recovery.ReconciledKeys);
        Assert.Equal("primary", engine.ActiveServiceId);
        var stale = 0;
        await ForEachAsync(keys, async key =>
        {
            var read = await engine.GetWithResultAsync(key);
            Assert.Equal("primary", read.ServedBy);
            if (read.Value is not null)
            {
                Interlocked.Increment(ref stale);
            }
        });
        Assert.Equal(0, stale);

        // The group's record was claimed on the cluster at every switch: one script over keys of one slot.
        var record = (await engine.GetGroupAsync()).Record!;
        Assert.Equal(FailoverStatus.Recovered, record.Status);
        var groupKeys = new GroupKeys("default");
        var owner = await cluster.NodeForSlotAsync(await SlotAsync(cluster, groupKeys.Record));
        Assert.Equal(record.Version.ToString(CultureInfo.InvariantCulture), await owner.ExecuteAsync(["HGET", groupKeys.Record, "version"]));
        Assert.Equal(await SlotAsync(cluster, groupKeys.Record), await SlotAsync(cluster, groupKeys.Journal(record.Epoch)));
    }

    [Fact]
    public async Task ClusterBackup_WritesInEverySlotWhileServing_AreFencedJournaledAndCleanedAfterFailback()
    {
        await using var primary = await RedisServerProcess.StartAsync();
        await using var cluster = await RedisClusterTopology.StartAsync();
        var factory = new RedisCacheBackendFactory();
        await using var engine = new FailoverEngine(
            new CacheServiceRegistration("primary", factory.Create("primary", primary.ConnectionString)),
            [new CacheServiceRegistration("backup", factory.Create("backup", cluster.ConnectionString))],
            Options);
        await engine.StartAsync();
        var keys = Enumerable.Range(0, 600).Select(i => $"cluster-backup:{i}").ToArray();
        await ForEachAsync(keys, key => engine.SetAsync(key, Bytes("old")));
        var failover = await engine.TriggerManualFailoverAsync("primary maintenance");
        Assert.Equal("backup", engine.ActiveServiceId);

        // Fenced writes to the cluster (most keys are not in the group's slot, so these are split).
        await ForEachAsync(keys, key => engine.SetAsync(key, Bytes("new")));
        foreach (var node in cluster.Nodes)
        {
            Assert.True(await DbSizeAsync(node) > 50, $"{node} took too few of the writes");
        }

        var store = ((IGroupStoreProvider)engine.GetBackend("backup")!).OpenGroupStore("default")!;
        await using (store)
        {
            var journal = await store.ReadJournalAsync(failover.Epoch, CancellationToken.None);
            Assert.False(journal.Overflowed);
            Assert.Equal(keys.Order(StringComparer.Ordinal), journal.Keys.Order(StringComparer.Ordinal));

            // A writer still at the epoch before the failover is refused, and nothing is written.
            var stale = new GroupFence(failover.Epoch - 1, "backup", 1000);
            await Assert.ThrowsAsync<GroupFencedException>(async () => await store.SetFencedAsync(stale, "cluster-backup:fenced", Bytes("x"), null, CancellationToken.None));
            Assert.Null(await engine.GetBackend("backup")!.GetAsync("cluster-backup:fenced"));
        }

        var recovery = await engine.TriggerManualRecoveryAsync("primary back");

        Assert.True(recovery.Success, recovery.RefusalReason);
        Assert.Equal(keys.Length, recovery.ReconciledKeys);
        foreach (var key in keys)
        {
            Assert.Null(await engine.GetAsync(key));
        }


        // The backup's copies go too (backup clean-up, batched per slot), so a later failover to it cannot serve them.
        var backupBackend = engine.GetBackend("backup")!;
        Assert.True(await RealTimePoll.UntilAsync(async () => !await backupBackend.ExistsAsync(keys[0]) && !await backupBackend.ExistsAsync(keys[^1]), Limit), "the backup's copies were not removed");
        foreach (var key in keys)
        {
            Assert.False(await backupBackend.ExistsAsync(key), key);
        }
    }

    [Fact]
    public async Task InvalidateAsync_ManyKeysOnClusterAndOnOneServer_RemovesEveryKeyAndReportsBothTimes()
    {
        var count = int.TryParse(Environment.GetEnvironmentVariable(InvalidateKeysVariable), NumberStyles.None, CultureInfo.InvariantCulture, out var configured) ? configured : DefaultInvalidateKeys;
        var keys = Enumerable.Range(0, count).Select(i => $"invalidate:{i}").ToArray();

        await using var single = await RedisServerProcess.StartAsync();
        var singleTime = await InvalidateAllAsync(single.ConnectionString, keys, async () => await DbSizeAsync(single));
        await using var cluster = await RedisClusterTopology.StartAsync();
        var clusterTime = await InvalidateAllAsync(cluster.ConnectionString, keys, async () =>
        {
            long total = 0;
            foreach (var node in cluster.Nodes)
            {
                total += await DbSizeAsync(node);
            }

            return total;
        });

        output.WriteLine($"InvalidateAsync of {count:N0} keys: 3-primary cluster {clusterTime:0} ms (one UNLINK per slot batch), one redis-server {singleTime:0} ms (batches of 1,000); ratio {clusterTime / singleTime:0.0}x, same run");
    }

    /// <summary>Writes every key, then times one InvalidateAsync of all of them and checks that none is left.</summary>
    private static async Task<double> InvalidateAllAsync(string connection, string[] keys, Func<Task<long>> keysLeft)
    {
        await using var backend = RedisCacheBackend.Create("invalidate", connection);

        // Warmed up first (connections to every node, the code paths), so that neither side pays for starting.
        var warmUp = keys.Take(1000).Select(k => "warm-up:" + k).ToArray();
        await ForEachAsync(warmUp, key => backend.SetAsync(key, Bytes("v")));
        Assert.Equal(warmUp.Length, await backend.InvalidateAsync(warmUp));

        await ForEachAsync(keys, key => backend.SetAsync(key, Bytes("v")));
        Assert.Equal(keys.Length, await keysLeft());

        var started = Stopwatch.GetTimestamp();
        var removed = await backend.InvalidateAsync(keys);
        var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;

        Assert.Equal(keys.Length, removed);
        Assert.Equal(0, await keysLeft());
        return elapsed;
    }

    /// <summary>Runs <paramref name="action"/> for every key, 200 at a time.</summary>
    private static async Task ForEachAsync(IEnumerable<string> keys, Func<string, ValueTask> action)
    {
        foreach (var chunk in keys.Chunk(200))
        {
            await Task.WhenAll(chunk.Select(key => action(key).AsTask()));
        }
    }

    private static async Task<long> DbSizeAsync(RedisServerProcess node) => (long)(await node.ExecuteAsync(["DBSIZE"]))!;

    private static async Task<int> SlotAsync(RedisClusterTopology cluster, string key) => (int)(long)(await cluster.Nodes[0].ExecuteAsync(["CLUSTER", "KEYSLOT", key]))!;

    private static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);
}
