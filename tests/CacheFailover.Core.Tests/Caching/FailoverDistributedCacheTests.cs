using System.Buffers;
using System.Text;
using CacheFailover.Backends;
using CacheFailover.Caching;
using CacheFailover.Engine;
using CacheFailover.Options;
using CacheFailover.Services;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Time.Testing;

namespace CacheFailover.Core.Tests.Caching;

/// <summary>The failover cache over two in-memory services on one fake clock (the backends' TTLs run on it too).</summary>
public sealed class FailoverDistributedCacheTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly InMemoryCacheBackend _primary;
    private readonly InMemoryCacheBackend _backup;
    private readonly FailoverEngine _engine;
    private readonly FailoverDistributedCache _cache;

    public FailoverDistributedCacheTests()
    {
        _primary = new InMemoryCacheBackend("primary", _time);
        _backup = new InMemoryCacheBackend("backup", _time);
        _engine = new FailoverEngine(
            new CacheServiceRegistration("primary", _primary),
            [new CacheServiceRegistration("backup", _backup)],
            new FailoverOptions { AutoRecoveryEnabled = false },
            _time);
        _cache = new FailoverDistributedCache(_engine);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _engine.DisposeAsync();

    private static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);

    private static string? Text(byte[]? bytes) => bytes is null ? null : Encoding.UTF8.GetString(bytes);

    [Fact]
    public async Task SetAsync_NoExpiration_ReadsBackAndNeverExpires()
    {
        await _cache.SetAsync("k", Bytes("v"), new DistributedCacheEntryOptions());
        _time.Advance(TimeSpan.FromDays(365));

        Assert.Equal("v", Text(await _cache.GetAsync("k")));
    }

    [Fact]
    public async Task SetAsync_RelativeExpiration_ExpiresThen()
    {
        await _cache.SetAsync("k", Bytes("v"), new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = TimeSpan.FromSeconds(10) });

        _time.Advance(TimeSpan.FromSeconds(9.9));
        Assert.Equal("v", Text(await _cache.GetAsync("k")));
        _time.Advance(TimeSpan.FromSeconds(0.1));
        Assert.Null(await _cache.GetAsync("k"));
    }

    [Fact]
    public async Task SetAsync_AbsoluteExpiration_ExpiresAtThatInstant()
    {
        var at = _time.GetUtcNow().AddMinutes(1);
        await _cache.SetAsync("k", Bytes("v"), new DistributedCacheEntryOptions { AbsoluteExpiration = at });

        _time.Advance(TimeSpan.FromSeconds(59));
        Assert.NotNull(await _cache.GetAsync("k"));
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Null(await _cache.GetAsync("k"));
    }

    [Fact]
    public async Task SetAsync_AbsoluteAndRelative_RelativeWins()
    {
        await _cache.SetAsync("k", Bytes("v"), new DistributedCacheEntryOptions
        {
            AbsoluteExpiration = _time.GetUtcNow().AddHours(1),
            AbsoluteExpirationRelativeToNow = TimeSpan.FromSeconds(10),
        });

        _time.Advance(TimeSpan.FromSeconds(10));
        Assert.Null(await _cache.GetAsync("k"));
    }

    [Fact]
    public async Task GetAsync_SlidingExpiration_EachReadExtendsTheWindow()
    {
        await _cache.SetAsync("k", Bytes("v"), new DistributedCacheEntryOptions { SlidingExpiration = TimeSpan.FromSeconds(10) });

        // Read every 8 s for 40 s: each read re-arms 10 s, so it outlives its first window by far.
        for (var i = 0; i < 5; i++)
        {
            _time.Advance(TimeSpan.FromSeconds(8));
            Assert.Equal("v", Text(await _cache.GetAsync("k")));
        }

        _time.Advance(TimeSpan.FromSeconds(10));
        Assert.Null(await _cache.GetAsync("k"));
    }

    [Fact]
    public async Task RefreshAsync_SlidingExpiration_ExtendsWithoutReading()
    {
        await _cache.SetAsync("k", Bytes("v"), new DistributedCacheEntryOptions { SlidingExpiration = TimeSpan.FromSeconds(10) });

        _time.Advance(TimeSpan.FromSeconds(8));
        await _cache.RefreshAsync("k");
        _time.Advance(TimeSpan.FromSeconds(8));
        Assert.Equal("v", Text(await _cache.GetAsync("k")));
    }

    [Fact]
    public async Task RefreshAsync_NoSliding_DoesNotExtend()
    {
        await _cache.SetAsync("k", Bytes("v"), new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = TimeSpan.FromSeconds(10) });

        _time.Advance(TimeSpan.FromSeconds(8));
        await _cache.RefreshAsync("k");
        _time.Advance(TimeSpan.FromSeconds(2));
        Assert.Null(await _cache.GetAsync("k"));
    }

    [Fact]
    public async Task GetAsync_SlidingUnderAbsoluteCap_ExpiresAtTheCap()
    {
        await _cache.SetAsync("k", Bytes("v"), new DistributedCacheEntryOptions
        {
            SlidingExpiration = TimeSpan.FromSeconds(10),
            AbsoluteExpirationRelativeToNow = TimeSpan.FromSeconds(25),
        });

        _time.Advance(TimeSpan.FromSeconds(8));
        Assert.NotNull(await _cache.GetAsync("k"));
        _time.Advance(TimeSpan.FromSeconds(8));
        Assert.NotNull(await _cache.GetAsync("k"));
        _time.Advance(TimeSpan.FromSeconds(8));
        Assert.NotNull(await _cache.GetAsync("k")); // at 24 s: the refresh arms only the 1 s left
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Null(await _cache.GetAsync("k"));
        Assert.False(await _primary.ExistsAsync("k")); // the backend's TTL removed it, not only the header check
    }

    [Fact]
    public async Task RemoveAsync_Existing_IsGone()
    {
        await _cache.SetAsync("k", Bytes("v"), new DistributedCacheEntryOptions());
        await _cache.RemoveAsync("k");

        Assert.Null(await _cache.GetAsync("k"));
        await _cache.RemoveAsync("k"); // removing a missing key is not an error
    }

    [Fact]
    public void SyncOverloads_RoundTrip()
    {
        _cache.Set("k", Bytes("v"), new DistributedCacheEntryOptions { SlidingExpiration = TimeSpan.FromSeconds(10) });
        Assert.Equal("v", Text(_cache.Get("k")));
        _time.Advance(TimeSpan.FromSeconds(8));
        _cache.Refresh("k");
        _time.Advance(TimeSpan.FromSeconds(8));
        Assert.Equal("v", Text(_cache.Get("k")));

        _cache.Set("b", new ReadOnlySequence<byte>(Bytes("buffer")), new DistributedCacheEntryOptions());
        var writer = new ArrayBufferWriter<byte>();
        Assert.True(_cache.TryGet("b", writer));
        Assert.Equal("buffer", Encoding.UTF8.GetString(writer.WrittenSpan));

        _cache.Remove("k");
        Assert.Null(_cache.Get("k"));
    }

    [Fact]
    public async Task BufferOverloads_MultiSegmentValue_RoundTripsIntoTheWriter()
    {
        var first = new Segment(Bytes("hello, "));
        var last = first.Append(Bytes("world"));
        await _cache.SetAsync("k", new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length), new DistributedCacheEntryOptions());

        var writer = new ArrayBufferWriter<byte>();
        Assert.True(await _cache.TryGetAsync("k", writer));
        Assert.Equal("hello, world", Encoding.UTF8.GetString(writer.WrittenSpan));
        Assert.False(await _cache.TryGetAsync("missing", new ArrayBufferWriter<byte>()));
        Assert.Equal("hello, world", Text(await _cache.GetAsync("k"))); // the byte[] API reads what the buffer API wrote
    }

    [Fact]
    public async Task GetAsync_ValueNotWrittenByThisCache_IsAMiss()
    {
        await _engine.SetAsync("foreign", Bytes("x"));

        Assert.Null(await _cache.GetAsync("foreign"));
    }

    [Fact]
    public async Task BadArguments_ThrowNamingTheProblem()
    {
        var options = new DistributedCacheEntryOptions();
        Assert.Equal("key", (await Assert.ThrowsAsync<ArgumentNullException>(() => _cache.GetAsync(null!))).ParamName);
        Assert.Equal("key", (await Assert.ThrowsAsync<ArgumentException>(() => _cache.SetAsync("", Bytes("v"), options))).ParamName);
        Assert.Equal("key", Assert.Throws<ArgumentException>(() => _cache.Remove("")).ParamName);
        Assert.Equal("value", (await Assert.ThrowsAsync<ArgumentNullException>(() => _cache.SetAsync("k", null!, options))).ParamName);
        Assert.Equal("options", (await Assert.ThrowsAsync<ArgumentNullException>(() => _cache.SetAsync("k", Bytes("v"), null!))).ParamName);
        Assert.Equal("destination", (await Assert.ThrowsAsync<ArgumentNullException>(async () => await _cache.TryGetAsync("k", null!))).ParamName);

        var past = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() =>
            _cache.SetAsync("k", Bytes("v"), new DistributedCacheEntryOptions { AbsoluteExpiration = _time.GetUtcNow() }));
        Assert.Equal("options", past.ParamName);
        Assert.Contains("AbsoluteExpiration must lie in the future", past.Message, StringComparison.Ordinal);
        Assert.Null(await _cache.GetAsync("k")); // nothing was written
    }

    [Fact]
    public async Task SetAsync_WhileFailedOver_IsJournaledAndNotStaleAfterRecovery()
    {
        await _cache.SetAsync("k", Bytes("old"), new DistributedCacheEntryOptions());
        await _engine.TriggerManualFailoverAsync("patching the primary");
        Assert.Equal("backup", _engine.ActiveServiceId);

        await _cache.SetAsync("k", Bytes("new"), new DistributedCacheEntryOptions());
        Assert.Equal(1, _engine.GetJournal().PendingKeys);
        await _cache.RemoveAsync("gone");
        Assert.Equal(2, _engine.GetJournal().PendingKeys);

        var recovery = await _engine.TriggerManualRecoveryAsync();
        Assert.True(recovery.Success, recovery.RefusalReason);
        Assert.Equal("primary", _engine.ActiveServiceId);
        Assert.NotEqual("old", Text(await _cache.GetAsync("k"))); // the primary's older copy was invalidated
    }

    [Fact]
    public async Task RefreshAsync_WhileFailedOver_IsJournaledAndNotStaleAfterRecovery()
    {
        var sliding = new DistributedCacheEntryOptions { SlidingExpiration = TimeSpan.FromSeconds(10) };
        await _cache.SetAsync("k", Bytes("old"), sliding);
        await _engine.TriggerManualFailoverAsync("patching the primary");

        // The backup holds the entry too (as after a write made there while the primary was down).
        var entry = CacheEntryLayout.Compose(0, 10_000, new ReadOnlySequence<byte>(Bytes("new")));
        await _backup.SetAsync("k", entry, TimeSpan.FromSeconds(10));
        Assert.Equal(0, _engine.GetJournal().PendingKeys);

        await _cache.RefreshAsync("k");
        Assert.Equal(1, _engine.GetJournal().PendingKeys); // the TTL change is a write on the backup

        var recovery = await _engine.TriggerManualRecoveryAsync();
        Assert.True(recovery.Success, recovery.RefusalReason);
        Assert.Null(await _cache.GetAsync("k")); // not "old": the primary's copy was invalidated at failback
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory) => Memory = memory;

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory) { RunningIndex = RunningIndex + Memory.Length };
            Next = next;
            return next;
        }
    }
}
