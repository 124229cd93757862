using System.Buffers;
using System.Text;
using CacheFailover.Backends;
using CacheFailover.Caching;
using CacheFailover.Engine;
using CacheFailover.Group;
using CacheFailover.Options;
using CacheFailover.Services;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Time.Testing;

namespace CacheFailover.Core.Tests.Caching;

/// <summary>
/// Two application instances (two engines over the same two in-memory caches, one group): what one
/// instance writes or refreshes through its cache while failed over is reconciled when the other fails back.
/// </summary>
public sealed class FailoverDistributedCacheGroupTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly InMemoryCacheBackend _primary;
    private readonly InMemoryCacheBackend _backup;

    public FailoverDistributedCacheGroupTests()
    {
        _primary = new InMemoryCacheBackend("primary", _time);
        _backup = new InMemoryCacheBackend("backup", _time);
    }

    [Fact]
    public async Task OtherInstanceWritesAndRefreshesDuringFailover_AfterFailbackByThisOne_NothingStale()
    {
        await using var a = await MemberAsync("a");
        await using var b = await MemberAsync("b");
        var cacheA = new FailoverDistributedCache(a);
        var cacheB = new FailoverDistributedCache(b);
        var sliding = new DistributedCacheEntryOptions { SlidingExpiration = TimeSpan.FromSeconds(10) };
        foreach (var key in new[] { "refreshed", "set", "removed" })
        {
            await cacheA.SetAsync(key, Bytes("old"), sliding);
        }

        await a.TriggerManualFailoverAsync("maintenance");
        Assert.Equal("backup", b.ActiveServiceId); // b followed the group's record

        // The backup holds "refreshed" too (written there while the primary was away).
        await _backup.SetAsync("refreshed", CacheEntryLayout.Compose(0, 10_000, new ReadOnlySequence<byte>(Bytes("new"))), TimeSpan.FromSeconds(10));
        await cacheB.RefreshAsync("refreshed");
        await cacheB.SetAsync("set", Bytes("new"), sliding);
        await cacheB.RemoveAsync("removed");

        // a recovers: it knows b's writes only from the journal kept on the backup.
        var recovery = await a.TriggerManualRecoveryAsync("back");

        Assert.True(recovery.Success, recovery.RefusalReason);
        Assert.Equal(3, recovery.ReconciledKeys);
        Assert.Equal("primary", b.ActiveServiceId);
        foreach (var cache in new[] { cacheA, cacheB })
        {
            Assert.Null(await cache.GetAsync("refreshed"));
            Assert.NotEqual("old", Text(await cache.GetAsync("set")));
            Assert.Null(await cache.GetAsync("removed"));
        }
    }

    private async Task<FailoverEngine> MemberAsync(string id)
    {
        var engine = new FailoverEngine(
            new CacheServiceRegistration("primary", _primary),
            [new CacheServiceRegistration("backup", _backup)],
            new FailoverOptions { AutoRecoveryEnabled = false },
            _time,
            group: new FailoverGroupOptions { MemberId = id });
        await engine.StartAsync();
        return engine;
    }

    private static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);

    private static string? Text(byte[]? value) => value is null ? null : Encoding.UTF8.GetString(value);
}
