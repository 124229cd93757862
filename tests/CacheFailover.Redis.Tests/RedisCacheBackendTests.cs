using System.Diagnostics;
using System.Collections.Concurrent;
using CacheFailover.Backends;
using CacheFailover.Testing;

namespace CacheFailover.Redis.Tests;

/// <summary>Redis-specific behaviour against a healthy server: databases, credentials, start-up and disposal.</summary>
[Collection(RedisCollectionDefinition.Name)]
public sealed class RedisCacheBackendTests(RedisServerFixture fixture)
{
    private RedisServerProcess Server => fixture.Server;

    [Fact]
    public async Task SetAsync_UriWithDatabase_WritesToThatDatabaseOnly()
    {
        var key = NewKey();
        await using var backend = RedisCacheBackend.Create("db3", $"{Server.Uri}/3");

        await backend.SetAsync(key, "in-three"u8.ToArray());

        Assert.Equal("in-three", await Server.ExecuteAsync(["GET", key], database: 3));
        Assert.Null(await Server.ExecuteAsync(["GET", key], database: 0));
    }

    [Fact]
    public async Task GetAsync_ConfigurationStringWithDefaultDatabase_ReadsThatDatabase()
    {
        var key = NewKey();
        await Server.ExecuteAsync(["SET", key, "in-four"], database: 4);
        await using var backend = RedisCacheBackend.Create("db4", $"{Server.ConnectionString},defaultDatabase=4");

        Assert.Equal("in-four"u8.ToArray(), await backend.GetAsync(key));
        Assert.Equal(4, backend.Database);
    }

    [Fact]
    public async Task FlushAsync_OneDatabase_LeavesOtherDatabasesAlone()
    {
        var mine = NewKey();
        var other = NewKey();
        await Server.ExecuteAsync(["SET", other, "keep"], database: 0);
        await using var backend = RedisCacheBackend.Create("db5", $"{Server.Uri}/5");
        await backend.SetAsync(mine, new byte[] { 1 });

        await backend.FlushAsync();

        Assert.False(await backend.ExistsAsync(mine));
        Assert.Equal(0L, await Server.ExecuteAsync(["DBSIZE"], database: 5));
        Assert.Equal("keep", await Server.ExecuteAsync(["GET", other], database: 0));
    }

    [Fact]
    public async Task SetAsync_WithTimeToLive_SetsMillisecondExpiryOnServer()
    {
        var key = NewKey();
        await using var backend = RedisCacheBackend.Create("ttl", Server.Uri);

        await backend.SetAsync(key, new byte[] { 1 }, TimeSpan.FromMilliseconds(1500.2));

        var remaining = (long)(await Server.ExecuteAsync(["PTTL", key]))!;
        Assert.InRange(remaining, 1000, 1501);
    }

    [Fact]
    public async Task SetAsync_WithoutTimeToLive_LeavesNoExpiryOnServer()
    {
        var key = NewKey();
        await using var backend = RedisCacheBackend.Create("ttl", Server.Uri);

        await backend.SetAsync(key, new byte[] { 1 });

        Assert.Equal(-1L, await Server.ExecuteAsync(["PTTL", key]));
    }

    [Fact]
    public async Task Operations_IssuedRightAfterCreate_WaitForTheFirstConnectAndSucceed()
    {
        var key = NewKey();
        await using var backend = RedisCacheBackend.Create("eager", Server.Uri);

        // No warm-up: these run while the multiplexer is still connecting.
        var set = backend.SetAsync(key, new byte[] { 9 }).AsTask();
        var ping = backend.PingAsync().AsTask();
        var exists = backend.ExistsAsync(NewKey()).AsTask();
        await Task.WhenAll(set, ping, exists);

        Assert.Equal(new byte[] { 9 }, await backend.GetAsync(key));
        Assert.True(backend.IsConnected);
    }

    [Fact]
    public async Task ConnectionStateChanged_FirstConnectSucceeds_ReportsConnected()
    {
        await using var backend = RedisCacheBackend.Create("events", Server.Uri);
        var connected = new TaskCompletionSource<BackendConnectionEventArgs>(TaskCreationOptions.RunContinuationsAsynchronously);
        backend.ConnectionStateChanged += (_, e) => connected.TrySetResult(e);

        // The connect may complete before the handler exists: the contract keeps the last change.
        if (backend.LastConnectionChange is { } earlier)
        {
            connected.TrySetResult(earlier);
        }

        var change = await connected.Task.WaitAsync(TimeSpan.FromSeconds(5));

        Assert.True(change.Connected);
        Assert.Null(change.FailureKind);
    }

    [Fact]
    public async Task LastConnectionChange_SubscriberArrivesAfterTheConnect_SeesIt()
    {
        await using var backend = RedisCacheBackend.Create("late", Server.Uri);
        await backend.SetAsync(NewKey(), new byte[] { 1 });

        // No handler was attached while it connected; the change is still there to read.
        var change = backend.LastConnectionChange;

        Assert.NotNull(change);
        Assert.True(change.Connected);
    }

    [Fact]
    public async Task InvalidateAsync_MoreKeysThanOneBatch_RemovesAllOnServer()
    {
        var prefix = NewKey();
        var keys = Enumerable.Range(0, 4321).Select(i => $"{prefix}:{i}").ToList();
        await using var backend = RedisCacheBackend.Create("bulk", $"{Server.Uri}/6");
        await Task.WhenAll(keys.Where((_, i) => i % 2 == 0).Select(key => backend.SetAsync(key, new byte[] { 1 }).AsTask()));

        var removed = await backend.InvalidateAsync(keys);

        Assert.Equal(2161, removed);
        Assert.Equal(0L, await Server.ExecuteAsync(["EXISTS", keys[0], keys[2], keys[4320]], database: 6));
    }

    [Fact]
    public async Task Operations_AfterDispose_FailAsConnectionNotApplied()
    {
        var backend = RedisCacheBackend.Create("disposed", Server.Uri);
        await backend.PingAsync();

        await backend.DisposeAsync();

        var failure = await Assert.ThrowsAsync<CacheBackendException>(async () => await backend.GetAsync(NewKey()));
        Assert.Equal(CacheFailureKind.Connection, failure.Kind);
        Assert.Equal(OperationOutcome.NotApplied, failure.Outcome);
    }

    [Fact]
    public async Task DisposeAsync_Twice_IsHarmless()
    {
        var backend = RedisCacheBackend.Create("twice", Server.Uri);
        await backend.PingAsync();

        await backend.DisposeAsync();
        await backend.DisposeAsync();
    }

    [Fact]
    public async Task SetAsync_ManyInFlightWithBuffersReusedAtOnce_EveryValueReadsBackWhole()
    {
        // SET copies the value into a pooled buffer that goes back to the pool when the command is
        // done: values of every size, many in flight, each caller scribbling over its own buffer as
        // soon as its call returns, must all land whole and unmixed.
        await using var backend = RedisCacheBackend.Create("pooled", Server.Uri);
        int[] sizes = [0, 1, 100, 1000, 4097, 70_000];
        var keys = new ConcurrentDictionary<string, byte[]>();
        var workers = Enumerable.Range(0, 32).Select(worker => Task.Run(async () =>
        {
            var buffer = new byte[sizes.Max()];
            for (var i = 0; i < 60; i++)
            {
                var size = sizes[(worker + i) % sizes.Length];
                var expected = new byte[size];
                for (var b = 0; b < size; b++)
                {
                    expected[b] = (byte)(worker + i + b);
                }

                expected.CopyTo(buffer, 0);
                var key = NewKey();
                await backend.SetAsync(key, buffer.AsMemory(0, size));
                Array.Fill(buffer, (byte)0xEE);
                keys[key] = expected;
            }
        })).ToArray();
        await Task.WhenAll(workers);

        foreach (var (key, expected) in keys)
        {
            Assert.Equal(expected, await backend.GetAsync(key));
        }
    }

    [Fact]
    public async Task GetAsync_CancelledToken_ThrowsOperationCanceled()
    {
        await using var backend = RedisCacheBackend.Create("cancel", Server.Uri);
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await backend.GetAsync(NewKey(), cancelled.Token));
    }

    [Fact]
    public async Task Operations_PasswordProtectedServer_WorkWithTheRightPasswordAndNeverLeakIt()
    {
        const string password = "Corr3ct-H0rse";
        const string wrong = "Wr0ng-Batt3ry";
        await using var secured = await RedisServerProcess.StartAsync(["--requirepass", password]);

        await using (var good = RedisCacheBackend.Create("good", $"redis://:{password}@{RedisServerProcess.Host}:{secured.Port}"))
        {
            await good.SetAsync(NewKey(), new byte[] { 1 });
            Assert.DoesNotContain(password, good.Endpoint, StringComparison.Ordinal);
        }

        await using var bad = RedisCacheBackend.Create("bad", $"{secured.ConnectionString},password={wrong}");
        var events = new ConcurrentQueue<BackendConnectionEventArgs>();
        bad.ConnectionStateChanged += (_, e) => events.Enqueue(e);
        var failure = await Assert.ThrowsAsync<CacheBackendException>(async () => await bad.GetAsync(NewKey()));

        Assert.Equal(OperationOutcome.NotApplied, failure.Outcome);
        Assert.DoesNotContain(wrong, failure.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(wrong, bad.Endpoint, StringComparison.Ordinal);
        Assert.All(events, e => Assert.DoesNotContain(wrong, e.Message ?? string.Empty, StringComparison.Ordinal));
    }

    [Fact]
    public async Task WrongPassword_OperationsAndProbes_SayAuthenticationFailedWithoutTheSecret()
    {
        const string wrong = "Wr0ng-Batt3ry";
        await using var secured = await RedisServerProcess.StartAsync(["--requirepass", "Corr3ct-H0rse"]);
        await using var bad = RedisCacheBackend.Create("bad", $"redis://:{wrong}@{RedisServerProcess.Host}:{secured.Port}");

        // The first failures can come before the client has learnt why it has no connection; within
        // a few attempts every failure says it.
        CacheBackendException? operation = null;
        CacheBackendException? probe = null;
        var deadline = Stopwatch.GetTimestamp() + (5 * Stopwatch.Frequency);
        while (Stopwatch.GetTimestamp() < deadline)
        {
            operation = await Assert.ThrowsAsync<CacheBackendException>(async () => await bad.GetAsync(NewKey()));
            probe = await Assert.ThrowsAsync<CacheBackendException>(async () => await bad.PingAsync());
            if (operation.Message.Contains("authentication failed", StringComparison.Ordinal) && probe.Message.Contains("authentication failed", StringComparison.Ordinal))
            {
                break;
            }

            await Task.Delay(50); // waiting on a real server's refusals
        }

        Assert.Contains("authentication failed", operation!.Message, StringComparison.Ordinal);
        Assert.Contains("authentication failed", probe!.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(wrong, operation.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(wrong, probe.ToString(), StringComparison.Ordinal);
        Assert.Equal(OperationOutcome.NotApplied, operation.Outcome);
    }

    private static string NewKey() => $"redis-backend:{Guid.NewGuid():N}";
}
