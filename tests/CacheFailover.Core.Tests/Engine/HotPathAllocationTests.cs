using CacheFailover.Backends;
using CacheFailover.Engine;
using CacheFailover.Services;

namespace CacheFailover.Core.Tests.Engine;

/// <summary>
/// The healthy path adds no allocation to what the backend itself allocates: routing, health
/// bookkeeping and metrics run on structs, locks and preallocated rings. (Speed is measured by the
/// benchmark, not here; allocation is deterministic, so it can be a test.)
/// </summary>
public class HotPathAllocationTests
{
    [Fact]
    public async Task GetExistsDelete_HealthyInMemory_AllocateNothing()
    {
        await using var engine = new FailoverEngine(
            new CacheServiceRegistration("primary", new InMemoryCacheBackend("primary")),
            [new CacheServiceRegistration("backup", new InMemoryCacheBackend("backup"))]);
        await engine.SetAsync("k", new byte[100]);
        for (var i = 0; i < 1000; i++)
        {
            await engine.GetAsync("k");
            await engine.ExistsAsync("k");
            await engine.DeleteAsync("missing");
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 10_000; i++)
        {
            await engine.GetAsync("k");
            await engine.ExistsAsync("k");
            await engine.DeleteAsync("missing");
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, allocated);
    }
}
