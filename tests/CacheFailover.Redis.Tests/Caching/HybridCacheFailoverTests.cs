using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;
using CacheFailover.Caching;
using CacheFailover.Engine;
using CacheFailover.Options;
using CacheFailover.Services;
using CacheFailover.Testing;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace CacheFailover.Redis.Tests.Caching;

/// <summary>
/// HybridCache with the failover cache as its L2, over two real redis-servers. HybridCache logs and
/// swallows L2 failures (it falls back to the factory), so the L2 is wrapped in a counter: "no
/// error" means no exception reached HybridCache from the failover cache, not only none reached the caller.
/// </summary>
[Collection(RedisCollectionDefinition.Name)]
public sealed class HybridCacheFailoverTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(10);
    private static readonly HybridCacheEntryOptions L2Only = new() { Flags = HybridCacheEntryFlags.DisableLocalCache };
    private readonly List<RedisServerProcess> _servers = [];
    private readonly List<ServiceProvider> _providers = [];
    private FailoverEngine? _engine;
    private CountingCache? _l2;

    private FailoverEngine Engine => _engine!;

    private CountingCache L2 => _l2!;

    public async Task InitializeAsync()
    {
        var primary = await RedisServerProcess.StartAsync();
        _servers.Add(primary);
        var backup = await RedisServerProcess.StartAsync();
        _servers.Add(backup);
        var factory = new RedisCacheBackendFactory();
        _engine = new FailoverEngine(
            new CacheServiceRegistration("primary", factory.Create("primary", primary.ConnectionString)),
            [new CacheServiceRegistration("backup", factory.Create("backup", backup.ConnectionString))],
            new FailoverOptions
            {
                TimeoutThresholdMs = 100,
                HealthCheckIntervalSeconds = 0.25,
                HealthCheckTimeoutSeconds = 0.2,
                FailureThreshold = 2,
                RecoveryThreshold = 3,
                AutoRecoveryDelaySeconds = 3600,
                RetryBaseDelayMs = 5,
            });
        await _engine.StartAsync();
        _l2 = new CountingCache(new FailoverDistributedCache(_engine));
        Assert.True(await WaitForAsync(() => _engine.GetStatus().Services.All(s => s.Health == ServiceHealth.Healthy), Limit), "services did not become healthy");
    }

    public async Task DisposeAsync()
    {
        foreach (var provider in _providers)
        {
            await provider.DisposeAsync();
        }

        if (_engine is not null)
        {
            await _engine.DisposeAsync();
        }

        foreach (var server in _servers)
        {
            await server.DisposeAsync();
        }
    }

    /// <summary>A HybridCache of its own (its own L1, as in another process) over the shared failover L2.</summary>
    private HybridCache NewHybridCache()
    {
        var services = new ServiceCollection();
        services.AddSingleton<IDistributedCache>(L2);
        services.AddHybridCache();
        var provider = services.BuildServiceProvider();
        _providers.Add(provider);
        return provider.GetRequiredService<HybridCache>();
    }

    [Fact]
    public async Task GetOrCreateAsync_PrimaryKilledUnderLoad_NoErrors()
    {
        var hybrid = NewHybridCache();
        var errors = new ConcurrentQueue<Exception>();
        long calls = 0;
        long afterFailover = 0;
        using var stop = new CancellationTokenSource();
        var workers = Enumerable.Range(0, 8).Select(w => Task.Run(async () =>
        {
            var i = 0;
            while (!stop.IsCancellationRequested)
            {
                var key = $"hc-load:{(w * 100) + (i++ % 100)}";
                try
                {
                    var value = await hybrid.GetOrCreateAsync(key, _ => ValueTask.FromResult(key), L2Only);
                    Assert.Equal(key, value);
                    Interlocked.Increment(ref calls);
                    if (Engine.ActiveServiceId == "backup")
                    {
                        Interlocked.Increment(ref afterFailover);
                    }
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    errors.Enqueue(e);
                }
            }
        })).ToArray();

        Assert.True(await WaitForAsync(() => Interlocked.Read(ref calls) >= 2000, Limit), "load did not start");
        _servers[0].Kill();
        Assert.True(await WaitForAsync(() => Interlocked.Read(ref afterFailover) >= 2000, Limit), "no load served after the kill");
        await stop.CancelAsync();
        await Task.WhenAll(workers);

        output.WriteLine($"GetOrCreateAsync calls: {calls}, on the backup: {afterFailover}; L2 operations {L2.Operations}, L2 errors {L2.Errors}; caller errors {errors.Count}");
        Assert.Equal("backup", Engine.ActiveServiceId);
        Assert.Equal(FailoverTrigger.ConnectionFailure, Assert.Single(Engine.GetEvents(), e => e.Kind == FailoverEventKind.Failover).Trigger);
        Assert.Empty(errors);
        Assert.Equal(0, L2.Errors);
    }

    [Fact]
    public async Task WritesDuringManualFailover_AfterFailback_NoStaleReadFromL2()
    {
        const int Keys = 200;
        var writer = NewHybridCache();
        var otherInstance = NewHybridCache();
        string Key(int i) => $"hc-failback:{i}";
        for (var i = 0; i < Keys; i++)
        {
            await writer.SetAsync(Key(i), "old");
            Assert.Equal("old", await otherInstance.GetOrCreateAsync(Key(i), _ => ValueTask.FromResult("factory"))); // its L1 now holds "old"
        }

        await Engine.TriggerManualFailoverAsync("patching the primary");
        for (var i = 0; i < Keys; i++)
        {
            if (i % 2 == 0)
            {
                await writer.SetAsync(Key(i), "new");
            }
            else
            {
                await writer.RemoveAsync(Key(i));
            }
        }

        Assert.Equal(Keys, Engine.GetJournal().PendingKeys);
        var recovery = await Engine.TriggerManualRecoveryAsync("patched");
        Assert.True(recovery.Success, recovery.RefusalReason);

        // A fresh instance has no L1: everything it reads comes from the primary, which must not hand back "old".
        var fresh = NewHybridCache();
        var staleFromL2 = 0;
        for (var i = 0; i < Keys; i++)
        {
            if (await fresh.GetOrCreateAsync(Key(i), _ => ValueTask.FromResult("reloaded")) == "old")
            {
                staleFromL2++;
            }
        }

        // What HybridCache's L1 does: an instance that read a key before the failover keeps serving its
        // in-process copy until LocalCacheExpiration (5 minutes by default), whatever failback did.
        var staleFromOtherL1 = 0;
        for (var i = 0; i < Keys; i++)
        {
            if (await otherInstance.GetOrCreateAsync(Key(i), _ => ValueTask.FromResult("reloaded")) == "old")
            {
                staleFromOtherL1++;
            }
        }

        output.WriteLine($"after failback: stale from L2 {staleFromL2}/{Keys}; stale from another instance's L1 {staleFromOtherL1}/{Keys}; L2 errors {L2.Errors}");
        Assert.Equal(0, staleFromL2);
        Assert.Equal(Keys, staleFromOtherL1);
        Assert.Equal(0, L2.Errors);
    }

    private static Task<bool> WaitForAsync(Func<bool> condition, TimeSpan limit) => RealTimePoll.UntilAsync(condition, limit);

    /// <summary>Counts every call into the failover cache and every exception out of it, then rethrows.</summary>
    private sealed class CountingCache(FailoverDistributedCache inner) : IBufferDistributedCache
    {
        private long _operations;
        private long _errors;

        public long Operations => Interlocked.Read(ref _operations);

        public long Errors => Interlocked.Read(ref _errors);

        public byte[]? Get(string key) => Count(() => inner.Get(key));

        public Task<byte[]?> GetAsync(string key, CancellationToken token = default) => CountAsync(() => inner.GetAsync(key, token));

        public void Set(string key, byte[] value, DistributedCacheEntryOptions options) => Count(() => { inner.Set(key, value, options); return true; });

        public Task SetAsync(string key, byte[] value, DistributedCacheEntryOptions options, CancellationToken token = default) => CountAsync(async () => { await inner.SetAsync(key, value, options, token); return true; });

        public void Refresh(string key) => Count(() => { inner.Refresh(key); return true; });

        public Task RefreshAsync(string key, CancellationToken token = default) => CountAsync(async () => { await inner.RefreshAsync(key, token); return true; });

        public void Remove(string key) => Count(() => { inner.Remove(key); return true; });

        public Task RemoveAsync(string key, CancellationToken token = default) => CountAsync(async () => { await inner.RemoveAsync(key, token); return true; });

        public bool TryGet(string key, IBufferWriter<byte> destination) => Count(() => inner.TryGet(key, destination));

        public async ValueTask<bool> TryGetAsync(string key, IBufferWriter<byte> destination, CancellationToken token = default) => await CountAsync(() => inner.TryGetAsync(key, destination, token).AsTask());

        public void Set(string key, ReadOnlySequence<byte> value, DistributedCacheEntryOptions options) => Count(() => { inner.Set(key, value, options); return true; });

        public async ValueTask SetAsync(string key, ReadOnlySequence<byte> value, DistributedCacheEntryOptions options, CancellationToken token = default) => await CountAsync(async () => { await inner.SetAsync(key, value, options, token); return true; });

        private T Count<T>(Func<T> call)
        {
            Interlocked.Increment(ref _operations);
            try
            {
                return call();
            }
            catch
            {
                Interlocked.Increment(ref _errors);
                throw;
            }
        }

        private async Task<T> CountAsync<T>(Func<Task<T>> call)
        {
            Interlocked.Increment(ref _operations);
            try
            {
                return await call();
            }
            catch
            {
                Interlocked.Increment(ref _errors);
                throw;
            }
        }
    }
}
