using System.Collections;
using System.Reflection;
using CacheFailover.Backends;
using Microsoft.Extensions.Time.Testing;

namespace CacheFailover.Core.Tests.Backends;

/// <summary>The backend contract, run against <see cref="InMemoryCacheBackend"/> on a fake clock, plus its own behaviour.</summary>
public sealed class InMemoryBackendContractTests : BackendContractTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    protected override Task<ICacheBackend> CreateBackendAsync()
        => Task.FromResult<ICacheBackend>(new InMemoryCacheBackend("contract", _time));

    protected override Task AdvanceTimeAsync(TimeSpan duration)
    {
        _time.Advance(duration);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task SetAsync_WithoutTimeToLive_PersistsForAYear()
    {
        var key = NewKey();
        await Backend.SetAsync(key, new byte[] { 1 });

        _time.Advance(TimeSpan.FromDays(365));

        Assert.True(await Backend.ExistsAsync(key));
    }

    [Fact]
    public async Task SetAsync_TimeToLive_ExpiresExactlyAtTheDeadline()
    {
        var key = NewKey();
        await Backend.SetAsync(key, new byte[] { 1 }, TimeSpan.FromSeconds(10));

        _time.Advance(TimeSpan.FromSeconds(10) - TimeSpan.FromTicks(1));
        Assert.True(await Backend.ExistsAsync(key));

        _time.Advance(TimeSpan.FromTicks(1));
        Assert.False(await Backend.ExistsAsync(key));
    }

    [Fact]
    public async Task SetAsync_BeyondEntryBound_EvictsToStayWithinIt()
    {
        var backend = new InMemoryCacheBackend("bounded", _time, maxEntries: 3);
        foreach (var key in new[] { "a", "b", "c" })
        {
            await backend.SetAsync(key, new byte[] { 1 });
        }

        await backend.SetAsync("d", new byte[] { 4 });

        Assert.Equal(3, backend.Count);
        Assert.Equal(new byte[] { 4 }, await backend.GetAsync("d"));
    }

    [Fact]
    public async Task SetAsync_BoundReachedWithExpiredEntries_EvictsExpiredFirst()
    {
        var backend = new InMemoryCacheBackend("bounded", _time, maxEntries: 3);
        await backend.SetAsync("short", new byte[] { 1 }, TimeSpan.FromSeconds(1));
        await backend.SetAsync("keep1", new byte[] { 2 });
        await backend.SetAsync("keep2", new byte[] { 3 });
        _time.Advance(TimeSpan.FromSeconds(2));

        await backend.SetAsync("new", new byte[] { 4 });

        Assert.True(await backend.ExistsAsync("keep1"));
        Assert.True(await backend.ExistsAsync("keep2"));
        Assert.True(await backend.ExistsAsync("new"));
    }

    [Fact]
    public async Task SetAsync_OverwriteAtBound_EvictsNothing()
    {
        var backend = new InMemoryCacheBackend("bounded", _time, maxEntries: 2);
        await backend.SetAsync("a", new byte[] { 1 });
        await backend.SetAsync("b", new byte[] { 2 });

        await backend.SetAsync("a", new byte[] { 3 });

        Assert.Equal(new byte[] { 3 }, await backend.GetAsync("a"));
        Assert.Equal(new byte[] { 2 }, await backend.GetAsync("b"));
    }

    [Fact]
    public async Task GetAsync_ExpiredEntry_RemovesItFromStorage()
    {
        var backend = new InMemoryCacheBackend("expiry", _time);
        await backend.SetAsync("gone", new byte[] { 1 }, TimeSpan.FromSeconds(1));
        await backend.SetAsync("kept", new byte[] { 1 });
        _time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(2, StoredEntries(backend));

        Assert.Null(await backend.GetAsync("gone"));

        Assert.Equal(1, StoredEntries(backend));
        Assert.Equal(1, backend.Count);
    }

    [Fact]
    public async Task PingAsync_InMemory_ReturnsZero()
    {
        Assert.Equal(TimeSpan.Zero, await Backend.PingAsync());
    }

    [Fact]
    public void Endpoint_InMemory_IsMemoryUri()
    {
        Assert.Equal("memory://contract", Backend.Endpoint);
    }

    [Fact]
    public void Constructor_ZeroEntryBound_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new InMemoryCacheBackend("x", _time, maxEntries: 0));
    }

    /// <summary>Raw entries, expired ones included: the only way to see that a read removed one.</summary>
    private static int StoredEntries(InMemoryCacheBackend backend)
    {
        var field = typeof(InMemoryCacheBackend).GetField("_entries", BindingFlags.NonPublic | BindingFlags.Instance)
            ?? throw new InvalidOperationException("InMemoryCacheBackend no longer stores entries in '_entries'; update this test.");
        return ((ICollection)field.GetValue(backend)!).Count;
    }
}
