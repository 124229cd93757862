using System.Security.Cryptography;
using CacheFailover.Backends;

namespace CacheFailover.Core.Tests.Backends;

/// <summary>
/// The behaviour every <see cref="ICacheBackend"/> must have. Each backend's test project derives
/// from this class and says how to create the backend and how time passes for it.
/// </summary>
/// <remarks>
/// xunit creates a new instance per test, so every test gets a fresh backend; keys are unique per
/// test as well, because a real server may be shared by several test classes.
/// </remarks>
public abstract class BackendContractTests : IAsyncLifetime
{
    private ICacheBackend? _backend;

    /// <summary>The backend under test (created before each test).</summary>
    protected ICacheBackend Backend => _backend ?? throw new InvalidOperationException("The backend is created in InitializeAsync.");

    /// <summary>
    /// A TTL short enough for tests that wait for expiry. Against a real server this is real time, so it
    /// is kept small; a fake clock makes any value free.
    /// </summary>
    protected virtual TimeSpan ShortTimeToLive => TimeSpan.FromMilliseconds(150);

    /// <summary>Creates the backend under test; called once per test.</summary>
    protected abstract Task<ICacheBackend> CreateBackendAsync();

    /// <summary>Lets <paramref name="duration"/> pass for the backend: advance a fake clock, or really wait.</summary>
    protected abstract Task AdvanceTimeAsync(TimeSpan duration);

    public async Task InitializeAsync() => _backend = await CreateBackendAsync();

    public async Task DisposeAsync()
    {
        if (_backend is not null)
        {
            await _backend.DisposeAsync();
        }
    }

    [Fact]
    public async Task GetAsync_MissingKey_ReturnsNull()
    {
        Assert.Null(await Backend.GetAsync(NewKey()));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(17)]
    [InlineData(4096)]
    [InlineData(100_000)]
    public async Task SetAsync_ThenGet_ReturnsSameBytes(int length)
    {
        var key = NewKey();
        var value = RandomNumberGenerator.GetBytes(length);

        await Backend.SetAsync(key, value);

        var read = await Backend.GetAsync(key);
        Assert.NotNull(read);
        Assert.Equal(value, read);
    }

    [Fact]
    public async Task SetAsync_EveryByteValue_RoundTripsUnchanged()
    {
        var key = NewKey();
        var value = Enumerable.Range(0, 256).Select(i => (byte)i).Concat(new byte[] { 0, 13, 10, 0, 255 }).ToArray();

        await Backend.SetAsync(key, value);

        Assert.Equal(value, await Backend.GetAsync(key));
    }

    [Fact]
    public async Task SetAsync_SliceOfLargerBuffer_StoresOnlyTheSlice()
    {
        var key = NewKey();
        var buffer = RandomNumberGenerator.GetBytes(64);

        await Backend.SetAsync(key, buffer.AsMemory(8, 16));

        Assert.Equal(buffer[8..24], await Backend.GetAsync(key));
    }

    [Fact]
    public async Task SetAsync_KeyWithUnusualCharacters_RoundTrips()
    {
        var key = NewKey() + ":ünïcødé key with spaces\r\n*$";

        await Backend.SetAsync(key, new byte[] { 1, 2, 3 });

        Assert.Equal(new byte[] { 1, 2, 3 }, await Backend.GetAsync(key));
    }

    [Fact]
    public async Task SetAsync_ExistingKey_OverwritesValue()
    {
        var key = NewKey();
        await Backend.SetAsync(key, new byte[] { 1 });

        await Backend.SetAsync(key, new byte[] { 2, 2 });

        Assert.Equal(new byte[] { 2, 2 }, await Backend.GetAsync(key));
    }

    [Fact]
    public async Task SetAsync_WithTimeToLive_ExpiresAfterIt()
    {
        var key = NewKey();
        await Backend.SetAsync(key, new byte[] { 1 }, ShortTimeToLive);
        Assert.True(await Backend.ExistsAsync(key));

        await AdvanceTimeAsync(ShortTimeToLive * 2);

        Assert.Null(await Backend.GetAsync(key));
        Assert.False(await Backend.ExistsAsync(key));
    }

    [Fact]
    public async Task SetAsync_WithTimeToLive_PresentBeforeExpiry()
    {
        var key = NewKey();
        await Backend.SetAsync(key, new byte[] { 7 }, ShortTimeToLive * 20);

        await AdvanceTimeAsync(ShortTimeToLive);

        Assert.Equal(new byte[] { 7 }, await Backend.GetAsync(key));
    }

    [Fact]
    public async Task SetAsync_WithoutTimeToLive_Persists()
    {
        var key = NewKey();
        await Backend.SetAsync(key, new byte[] { 3 });

        await AdvanceTimeAsync(ShortTimeToLive * 3);

        Assert.Equal(new byte[] { 3 }, await Backend.GetAsync(key));
    }

    [Fact]
    public async Task SetAsync_OverwriteWithoutTimeToLive_ClearsPreviousExpiry()
    {
        var key = NewKey();
        await Backend.SetAsync(key, new byte[] { 1 }, ShortTimeToLive);

        await Backend.SetAsync(key, new byte[] { 2 });
        await AdvanceTimeAsync(ShortTimeToLive * 2);

        Assert.Equal(new byte[] { 2 }, await Backend.GetAsync(key));
    }

    [Fact]
    public async Task SetAsync_NonPositiveTimeToLive_ThrowsArgumentOutOfRange()
    {
        var key = NewKey();

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await Backend.SetAsync(key, new byte[] { 1 }, TimeSpan.Zero));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await Backend.SetAsync(key, new byte[] { 1 }, TimeSpan.FromSeconds(-1)));
        Assert.False(await Backend.ExistsAsync(key));
    }

    [Fact]
    public async Task DeleteAsync_ExistingKey_ReturnsTrueAndRemovesIt()
    {
        var key = NewKey();
        await Backend.SetAsync(key, new byte[] { 1 });

        Assert.True(await Backend.DeleteAsync(key));

        Assert.Null(await Backend.GetAsync(key));
        Assert.False(await Backend.ExistsAsync(key));
    }

    [Fact]
    public async Task DeleteAsync_MissingKey_ReturnsFalse()
    {
        Assert.False(await Backend.DeleteAsync(NewKey()));
    }

    [Fact]
    public async Task DeleteAsync_ExpiredKey_ReturnsFalse()
    {
        var key = NewKey();
        await Backend.SetAsync(key, new byte[] { 1 }, ShortTimeToLive);
        await AdvanceTimeAsync(ShortTimeToLive * 2);

        Assert.False(await Backend.DeleteAsync(key));
    }

    [Fact]
    public async Task ExistsAsync_ExistingAndMissingKeys_ReportsEach()
    {
        var present = NewKey();
        await Backend.SetAsync(present, Array.Empty<byte>());

        Assert.True(await Backend.ExistsAsync(present));
        Assert.False(await Backend.ExistsAsync(NewKey()));
    }

    [Fact]
    public async Task InvalidateAsync_ManyKeysSomeMissing_RemovesAllAndCountsExisting()
    {
        var prefix = NewKey();
        var existing = Enumerable.Range(0, 2000).Select(i => $"{prefix}:{i}").ToList();
        var missing = Enumerable.Range(0, 500).Select(i => $"{prefix}:missing:{i}").ToList();
        await Task.WhenAll(existing.Select(key => Backend.SetAsync(key, new byte[] { 1 }).AsTask()));
        var keys = existing.Concat(missing).OrderBy(key => key.GetHashCode(StringComparison.Ordinal)).ToList();

        var removed = await Backend.InvalidateAsync(keys);

        Assert.Equal(2000, removed);
        var stillThere = await Task.WhenAll(existing.Select(key => Backend.ExistsAsync(key).AsTask()));
        Assert.DoesNotContain(true, stillThere);
    }

    [Fact]
    public async Task InvalidateAsync_SameKeyTwice_CountsItOnce()
    {
        var key = NewKey();
        await Backend.SetAsync(key, new byte[] { 1 });

        Assert.Equal(1, await Backend.InvalidateAsync([key, key]));
        Assert.False(await Backend.ExistsAsync(key));
    }

    [Fact]
    public async Task InvalidateAsync_EmptyList_ReturnsZero()
    {
        Assert.Equal(0, await Backend.InvalidateAsync([]));
    }

    [Fact]
    public async Task InvalidateAsync_ExpiredKeys_AreNotCounted()
    {
        var expired = NewKey();
        var live = NewKey();
        await Backend.SetAsync(expired, new byte[] { 1 }, ShortTimeToLive);
        await Backend.SetAsync(live, new byte[] { 1 });
        await AdvanceTimeAsync(ShortTimeToLive * 2);

        Assert.Equal(1, await Backend.InvalidateAsync([expired, live]));
    }

    [Fact]
    public async Task PingAsync_HealthyBackend_ReturnsNonNegativeLatency()
    {
        var latency = await Backend.PingAsync();

        Assert.True(latency >= TimeSpan.Zero, $"latency was {latency}");
    }

    [Fact]
    public async Task FlushAsync_WithKeys_RemovesEverything()
    {
        var keys = Enumerable.Range(0, 20).Select(_ => NewKey()).ToList();
        foreach (var key in keys)
        {
            await Backend.SetAsync(key, new byte[] { 1 }, key.EndsWith('0') ? ShortTimeToLive * 100 : null);
        }

        await Backend.FlushAsync();

        foreach (var key in keys)
        {
            Assert.False(await Backend.ExistsAsync(key));
        }
    }

    [Fact]
    public async Task SetAndGetAsync_ManyConcurrentTasks_EachReadsItsOwnValue()
    {
        var prefix = NewKey();
        var tasks = Enumerable.Range(0, 32).Select(worker => Task.Run(async () =>
        {
            for (var i = 0; i < 50; i++)
            {
                var key = $"{prefix}:{worker}:{i % 5}";
                var value = BitConverter.GetBytes((worker * 1000) + i);
                await Backend.SetAsync(key, value);
                Assert.Equal(value, await Backend.GetAsync(key));
            }
        }));

        await Task.WhenAll(tasks);
    }

    [Fact]
    public async Task SetAndGetAsync_ConcurrentWritersToOneKey_LastWriteWinsWithAWholeValue()
    {
        var key = NewKey();
        var values = Enumerable.Range(0, 16).Select(i => Enumerable.Repeat((byte)i, 1024).ToArray()).ToArray();

        await Task.WhenAll(values.Select(value => Task.Run(async () => await Backend.SetAsync(key, value))));

        var read = await Backend.GetAsync(key);
        Assert.NotNull(read);
        Assert.Contains(values, value => value.AsSpan().SequenceEqual(read));
    }

    [Fact]
    public async Task Operations_NullKey_ThrowArgumentNull()
    {
        await Assert.ThrowsAsync<ArgumentNullException>(async () => await Backend.GetAsync(null!));
        await Assert.ThrowsAsync<ArgumentNullException>(async () => await Backend.SetAsync(null!, new byte[] { 1 }));
        await Assert.ThrowsAsync<ArgumentNullException>(async () => await Backend.DeleteAsync(null!));
        await Assert.ThrowsAsync<ArgumentNullException>(async () => await Backend.ExistsAsync(null!));
        await Assert.ThrowsAsync<ArgumentNullException>(async () => await Backend.InvalidateAsync(null!));
    }

    [Fact]
    public void Endpoint_Always_IsNotEmpty()
    {
        Assert.False(string.IsNullOrWhiteSpace(Backend.Endpoint));
    }

    /// <summary>A key no other test (or test run) uses.</summary>
    protected string NewKey() => $"contract:{GetType().Name}:{Guid.NewGuid():N}";
}
