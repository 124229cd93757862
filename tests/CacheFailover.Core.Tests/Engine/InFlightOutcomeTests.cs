using CacheFailover.Backends;
using CacheFailover.Engine;
using CacheFailover.Options;
using CacheFailover.Services;
using Microsoft.Extensions.Time.Testing;

namespace CacheFailover.Core.Tests.Engine;

/// <summary>
/// I4 for a write that was in flight on a service when the engine switched away from it: it may have
/// landed there, so however its retries end, a failure is reported as possibly applied, never as
/// "not applied". Found by the nemesis (seed 3, two backups): a SET through the RESP front door was
/// answered "failed and was not applied", and its value was then read on the backup it had been in
/// flight on when a rival decision moved the member to the other backup.
/// </summary>
public sealed class InFlightOutcomeTests
{
    [Fact]
    public async Task Set_LandedAndInFlightWhenEngineSwitchesAway_RetriesRefused_ReportedAsPossiblyApplied()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var primary = new LandsThenHangs(new InMemoryCacheBackend("primary", time));
        var backup = new RefusesDataWrites(new InMemoryCacheBackend("backup", time));
        await using var engine = new FailoverEngine(
            new CacheServiceRegistration("primary", primary),
            [new CacheServiceRegistration("backup", backup)],
            EngineHarness.FastOptions() with { TimeoutThresholdMs = 60_000, MaxFailoverAttempts = 2 },
            time);

        var write = engine.SetAsync("k", EngineHarness.Bytes("v")).AsTask();
        await primary.Landed.Task;
        await engine.TriggerManualFailoverAsync("maintenance");
        var failure = await Assert.ThrowsAnyAsync<CacheOperationException>(() => write);

        Assert.Equal("v", EngineHarness.Text(await primary.Inner.GetAsync("k")));
        Assert.Equal(OperationOutcome.Unknown, failure.Outcome);
    }

    /// <summary>Applies a SET of a data key, then never answers it (until the caller gives up).</summary>
    private sealed class LandsThenHangs(InMemoryCacheBackend inner) : Passthrough(inner)
    {
        public TaskCompletionSource Landed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override async ValueTask SetAsync(string key, ReadOnlyMemory<byte> value, TimeSpan? timeToLive = null, CancellationToken cancellationToken = default)
        {
            await Inner.SetAsync(key, value, timeToLive, cancellationToken);
            if (key == "k")
            {
                Landed.TrySetResult();
                await Task.Delay(Timeout.InfiniteTimeSpan, cancellationToken);
            }
        }
    }

    /// <summary>Refuses every SET of a data key as a refused connection (certainly not applied); verification writes pass.</summary>
    private sealed class RefusesDataWrites(InMemoryCacheBackend inner) : Passthrough(inner)
    {
        public override ValueTask SetAsync(string key, ReadOnlyMemory<byte> value, TimeSpan? timeToLive = null, CancellationToken cancellationToken = default)
            => key == "k"
                ? ValueTask.FromException(new CacheBackendException(CacheFailureKind.Connection, OperationOutcome.NotApplied, "backup: connection refused"))
                : Inner.SetAsync(key, value, timeToLive, cancellationToken);
    }

    private class Passthrough(InMemoryCacheBackend inner) : ICacheBackend
    {
        public InMemoryCacheBackend Inner => inner;

        public string Endpoint => inner.Endpoint;

        public event EventHandler<BackendConnectionEventArgs>? ConnectionStateChanged
        {
            add { }
            remove { }
        }

        public BackendConnectionEventArgs? LastConnectionChange => null;

        public ValueTask<byte[]?> GetAsync(string key, CancellationToken cancellationToken = default) => inner.GetAsync(key, cancellationToken);

        public virtual ValueTask SetAsync(string key, ReadOnlyMemory<byte> value, TimeSpan? timeToLive = null, CancellationToken cancellationToken = default) => inner.SetAsync(key, value, timeToLive, cancellationToken);

        public ValueTask<bool> DeleteAsync(string key, CancellationToken cancellationToken = default) => inner.DeleteAsync(key, cancellationToken);

        public ValueTask<bool> ExistsAsync(string key, CancellationToken cancellationToken = default) => inner.ExistsAsync(key, cancellationToken);

        public ValueTask<TimeSpan> PingAsync(CancellationToken cancellationToken = default) => inner.PingAsync(cancellationToken);

        public ValueTask<long> InvalidateAsync(IReadOnlyList<string> keys, CancellationToken cancellationToken = default) => inner.InvalidateAsync(keys, cancellationToken);

        public ValueTask FlushAsync(CancellationToken cancellationToken = default) => inner.FlushAsync(cancellationToken);

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
