using CacheFailover.Engine;

namespace CacheFailoverMcp.Hosting.StatusPage;

/// <summary>One service at one moment, as the status page's chart plots it.</summary>
/// <param name="At">When the sample was taken.</param>
/// <param name="Health">The service's health then (wire name: healthy, degraded, unhealthy, unknown).</param>
/// <param name="LatencyMs">Median of its recent probes then, or null before the first probe answered.</param>
/// <param name="Active">Whether it was the serving service then.</param>
public sealed record ServiceSample(DateTimeOffset At, string Health, double? LatencyMs, bool Active);

/// <summary>
/// The last <see cref="Capacity"/> samples of each service, oldest first: bounded memory however
/// long the server runs. A service that is no longer in the engine loses its series at the next
/// sample, so registering and removing services cannot grow it either.
/// </summary>
public sealed class ServiceSampleHistory
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, Queue<ServiceSample>> _series = new(StringComparer.Ordinal);

    /// <param name="capacity">Samples kept per service (at least 1).</param>
    public ServiceSampleHistory(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        Capacity = capacity;
    }

    public int Capacity { get; }

    /// <summary>Adds one sample per service of <paramref name="status"/>, taken at <paramref name="at"/>.</summary>
    public void Record(FailoverStatusSnapshot status, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(status);
        lock (_lock)
        {
            var present = new HashSet<string>(StringComparer.Ordinal);
            foreach (var service in status.Services)
            {
                present.Add(service.ServiceId);
                if (!_series.TryGetValue(service.ServiceId, out var samples))
                {
                    samples = new Queue<ServiceSample>(Capacity);
                    _series.Add(service.ServiceId, samples);
                }

                if (samples.Count == Capacity)
                {
                    samples.Dequeue();
                }

                samples.Enqueue(new ServiceSample(at, service.Health.ToWireName(), service.ProbeLatencyMs is { } ms ? Math.Round(ms, 3) : null, service.IsActive));
            }

            foreach (var gone in _series.Keys.Where(id => !present.Contains(id)).ToList())
            {
                _series.Remove(gone);
            }
        }
    }

    /// <summary>A copy of every series, by service id, oldest sample first.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<ServiceSample>> Snapshot()
    {
        lock (_lock)
        {
            return _series.ToDictionary(p => p.Key, p => (IReadOnlyList<ServiceSample>)[.. p.Value], StringComparer.Ordinal);
        }
    }
}
