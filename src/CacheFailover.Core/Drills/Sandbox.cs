using System.Diagnostics.Metrics;
using CacheFailover.Backends;

namespace CacheFailover.Drills;

/// <summary>
/// Gives a simulated backend the round trip of a real server: every call takes <c>latency</c> on the
/// drill's clock. Without it every in-memory call takes zero virtual time, learned baselines are zero
/// and "slower than the baseline" loses its meaning.
/// </summary>
internal sealed class SimulatedLatencyBackend(ICacheBackend inner, TimeProvider timeProvider, TimeSpan latency) : ICacheBackend
{
    public string Endpoint => inner.Endpoint;

    /// <remarks>The in-memory backends drills use have no connection; nothing to forward.</remarks>
    public event EventHandler<BackendConnectionEventArgs>? ConnectionStateChanged
    {
        add => inner.ConnectionStateChanged += value;
        remove => inner.ConnectionStateChanged -= value;
    }

    public async ValueTask<byte[]?> GetAsync(string key, CancellationToken cancellationToken = default)
    {
        await RoundTripAsync(cancellationToken);
        return await inner.GetAsync(key, cancellationToken);
    }

    public async ValueTask SetAsync(string key, ReadOnlyMemory<byte> value, TimeSpan? timeToLive = null, CancellationToken cancellationToken = default)
    {
        await RoundTripAsync(cancellationToken);
        await inner.SetAsync(key, value, timeToLive, cancellationToken);
    }

    public async ValueTask<bool> DeleteAsync(string key, CancellationToken cancellationToken = default)
    {
        await RoundTripAsync(cancellationToken);
        return await inner.DeleteAsync(key, cancellationToken);
    }

    public async ValueTask<bool> ExistsAsync(string key, CancellationToken cancellationToken = default)
    {
        await RoundTripAsync(cancellationToken);
        return await inner.ExistsAsync(key, cancellationToken);
    }

    public async ValueTask<TimeSpan> PingAsync(CancellationToken cancellationToken = default)
    {
        var started = timeProvider.GetTimestamp();
        await RoundTripAsync(cancellationToken);
        await inner.PingAsync(cancellationToken);
        return timeProvider.GetElapsedTime(started);
    }

    public async ValueTask<long> InvalidateAsync(IReadOnlyList<string> keys, CancellationToken cancellationToken = default)
    {
        await RoundTripAsync(cancellationToken);
        return await inner.InvalidateAsync(keys, cancellationToken);
    }

    public async ValueTask FlushAsync(CancellationToken cancellationToken = default)
    {
        await RoundTripAsync(cancellationToken);
        await inner.FlushAsync(cancellationToken);
    }

    public ValueTask DisposeAsync() => inner.DisposeAsync();

    private Task RoundTripAsync(CancellationToken cancellationToken) =>
        latency > TimeSpan.Zero ? Task.Delay(latency, timeProvider, cancellationToken) : Task.CompletedTask;
}

/// <summary>
/// Meters for a sandbox engine under their own name, so that a simulated failover never shows up in
/// the live engine's <c>CacheFailover</c> metrics.
/// </summary>
internal sealed class SandboxMeterFactory : IMeterFactory
{
    public const string MeterName = "CacheFailover.Drills.Sandbox";

    private readonly Lock _lock = new();
    private readonly List<Meter> _meters = [];

    public Meter Create(MeterOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var meter = new Meter(new MeterOptions(MeterName) { Version = options.Version, Scope = this });
        lock (_lock)
        {
            _meters.Add(meter);
        }

        return meter;
    }

    public void Dispose()
    {
        lock (_lock)
        {
            foreach (var meter in _meters)
            {
                meter.Dispose();
            }

            _meters.Clear();
        }
    }
}
