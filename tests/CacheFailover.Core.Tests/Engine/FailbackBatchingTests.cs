using CacheFailover.Backends;
using CacheFailover.Engine;
using CacheFailover.Services;
using Microsoft.Extensions.Time.Testing;
using Moq;
using static CacheFailover.Core.Tests.Engine.EngineHarness;

namespace CacheFailover.Core.Tests.Engine;

public class FailbackBatchingTests
{
    [Fact]
    public async Task Recovery_ManyJournaledKeys_InvalidatesThemOnThePrimaryInBatchesOfTheConfiguredSize()
    {
        var time = new FakeTimeProvider();
        var primary = new Mock<ICacheBackend>();
        primary.SetupGet(p => p.Endpoint).Returns("mock://primary");
        primary.Setup(p => p.PingAsync(It.IsAny<CancellationToken>())).Returns(new ValueTask<TimeSpan>(TimeSpan.Zero));
        var batches = new List<int>();
        primary.Setup(p => p.InvalidateAsync(It.IsAny<IReadOnlyList<string>>(), It.IsAny<CancellationToken>()))
            .Returns((IReadOnlyList<string> keys, CancellationToken _) =>
            {
                batches.Add(keys.Count);
                return new ValueTask<long>(keys.Count);
            });
        // The primary refuses writes until it comes back (recovery checks that it takes a write again).
        var primaryDown = true;
        primary.Setup(p => p.SetAsync(It.IsAny<string>(), It.IsAny<ReadOnlyMemory<byte>>(), It.IsAny<TimeSpan?>(), It.IsAny<CancellationToken>()))
            .Returns(() => primaryDown
                ? ValueTask.FromException(new CacheBackendException(CacheFailureKind.Connection, OperationOutcome.NotApplied, "refused"))
                : ValueTask.CompletedTask);
        await using var engine = new FailoverEngine(
            new CacheServiceRegistration("primary", primary.Object),
            [new CacheServiceRegistration("backup", new InMemoryCacheBackend("backup", time))],
            FastOptions() with { InvalidationBatchSize = 100 },
            time);

        for (var i = 0; i < 250; i++)
        {
            await engine.SetAsync($"k{i}", Bytes("v"));
        }

        primaryDown = false;
        var result = await engine.TriggerManualRecoveryAsync("done");

        Assert.True(result.Success);
        Assert.Equal(250, result.ReconciledKeys);
        Assert.Equal([100, 100, 50], batches);
        primary.Verify(p => p.FlushAsync(It.IsAny<CancellationToken>()), Times.Never);
    }
}
