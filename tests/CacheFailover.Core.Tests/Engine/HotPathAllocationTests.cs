using CacheFailover.Backends;
using CacheFailover.Engine;
using CacheFailover.Options;
using CacheFailover.Services;
using Microsoft.Extensions.Time.Testing;

namespace CacheFailover.Core.Tests.Engine;

/// <summary>
/// The healthy path adds no allocation to what the backend itself allocates: routing, health
/// bookkeeping and metrics run on structs, locks and preallocated rings, and the shared deadline
/// buckets are made on the clock, off the operations' threads. (Speed is measured by the
/// benchmark, not here; allocation is deterministic on a fake clock, so it can be a test.)
/// </summary>
public class HotPathAllocationTests
{
    private static readonly FailoverOptions Options = new() { TimeoutThresholdMs = 1600 };

    // One deadline slot: 1/16 of the operation timeout.
    private static readonly TimeSpan Slot = TimeSpan.FromMilliseconds(100);

    [Fact]
    public async Task GetExistsDelete_HealthyInMemory_AllocateNothing()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        await using var engine = NewEngine(time);
        await WarmUpAsync(engine);

        var allocated = await MeasureAsync(engine, 10_000);

        Assert.Equal(0, allocated);
    }

    [Fact]
    public async Task GetExistsDelete_AcrossDeadlineSlots_AllocateNothing()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        await using var engine = NewEngine(time);
        await WarmUpAsync(engine);

        // Each step moves the clock into the next slot, so every batch needs a bucket the hot path
        // did not have before; the roller, fired by Advance (outside the measured spans), must have
        // prepared it.
        long allocated = 0;
        for (var slot = 0; slot < 50; slot++)
        {
            time.Advance(Slot);
            allocated += await MeasureAsync(engine, 200);
        }

        Assert.Equal(0, allocated);
    }

    private static FailoverEngine NewEngine(FakeTimeProvider time) => new(
        new CacheServiceRegistration("primary", new InMemoryCacheBackend("primary", time)),
        [new CacheServiceRegistration("backup", new InMemoryCacheBackend("backup", time))],
        Options,
        time);

    private static async Task WarmUpAsync(FailoverEngine engine)
    {
        await engine.SetAsync("k", new byte[100]);
        await MeasureAsync(engine, 1000);
    }

    private static async Task<long> MeasureAsync(FailoverEngine engine, int rounds)
    {
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < rounds; i++)
        {
            await engine.GetAsync("k");
            await engine.ExistsAsync("k");
            await engine.DeleteAsync("missing");
        }

        return GC.GetAllocatedBytesForCurrentThread() - before;
    }
}
