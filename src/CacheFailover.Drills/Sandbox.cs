using System.Diagnostics.Metrics;
using System.Globalization;
using CacheFailover.Backends;
using CacheFailover.Engine;

namespace CacheFailover.Drills;

/// <summary>
/// The live engine's services as a sandbox mirrors them: the primary's id, and every backup's id and
/// priority, best first. A simulation answers "what would happen here?", so it must not imagine
/// backups the server does not have.
/// </summary>
internal sealed record SandboxTopology(string PrimaryId, IReadOnlyList<SandboxTopology.Backup> Backups, FailoverStatus LiveStatus, string LiveActiveId)
{
    /// <summary>A backup of the live engine.</summary>
    public sealed record Backup(string ServiceId, int Priority);

    /// <summary>Reads the topology from a status snapshot of the live engine.</summary>
    public static SandboxTopology Of(FailoverStatusSnapshot status)
    {
        ArgumentNullException.ThrowIfNull(status);
        var backups = status.Services
            .Where(s => s.Role == ServiceRole.Backup)
            .OrderBy(s => s.Priority)
            .Select(s => new Backup(s.ServiceId, s.Priority))
            .ToArray();
        return new SandboxTopology(status.PrimaryServiceId, backups, status.Status, status.ActiveServiceId);
    }

    /// <summary>For the timeline: "primary 'primary' and backups 'backup-1' (priority 1), …".</summary>
    public string Describe() => Backups.Count == 0
        ? $"primary '{PrimaryId}' and no backup (as the live engine)"
        : $"primary '{PrimaryId}' and {Backups.Count} backup(s) {string.Join(", ", Backups.Select(b => string.Create(CultureInfo.InvariantCulture, $"'{b.ServiceId}' (priority {b.Priority})")))} (as the live engine)";

    /// <summary>
    /// When the live engine is not on its primary, a note saying the sandbox starts from the primary
    /// serving anyway: the drill asks what the scenario does to a healthy set-up, not to the incident under way.
    /// </summary>
    public string? LiveSituation() => LiveStatus is FailoverStatus.Active or FailoverStatus.Recovered
        ? null
        : $"the live engine is {LiveStatus.ToWireName()} now ('{LiveActiveId}' serves); the sandbox starts with '{PrimaryId}' serving and every service healthy";
}

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

    public BackendConnectionEventArgs? LastConnectionChange => inner.LastConnectionChange;

    public bool HasOwnFailover => inner.HasOwnFailover;

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
