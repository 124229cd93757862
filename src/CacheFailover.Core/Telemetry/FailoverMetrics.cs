using System.Diagnostics.Metrics;

namespace CacheFailover.Telemetry;

/// <summary>
/// The engine's instruments, from one <see cref="Meter"/> named <see cref="MeterName"/>. Tags are
/// low-cardinality: service id, operation, outcome, trigger — never a key.
/// </summary>
internal sealed class FailoverMetrics : IDisposable
{
    public const string MeterName = CacheFailoverTelemetry.MeterName;

    private readonly Meter _meter;
    private readonly Counter<long> _operations;
    private readonly Histogram<double> _operationDuration;
    private readonly Counter<long> _retries;
    private readonly Counter<long> _failovers;
    private readonly Counter<long> _recoveries;
    private readonly Counter<long> _healthChecks;
    private readonly Counter<long> _invalidatedKeys;

    /// <summary>
    /// Bucket bounds for operation durations, from 100 µs to 10 s: a cache answers in well under a
    /// millisecond, while the collectors' default bounds (0, 5, 10, … 10000) suit milliseconds and would
    /// put every operation in the first bucket.
    /// </summary>
    internal static readonly IReadOnlyList<double> DurationBuckets = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    private static readonly InstrumentAdvice<double> DurationAdvice = new() { HistogramBucketBoundaries = DurationBuckets };

    public FailoverMetrics(IMeterFactory? meterFactory, Func<int> journalSize)
    {
        _meter = meterFactory?.Create(MeterName) ?? new Meter(MeterName);
        _operations = _meter.CreateCounter<long>("cachefailover.operations", "{operation}", "Operations through the engine, per service and outcome.");
        _operationDuration = _meter.CreateHistogram<double>("cachefailover.operation.duration", "s", "Duration of each attempt of an operation on a service.", tags: null, advice: DurationAdvice);
        _retries = _meter.CreateCounter<long>("cachefailover.operation.retries", "{retry}", "Attempts beyond the first.");
        _failovers = _meter.CreateCounter<long>("cachefailover.failovers", "{failover}", "Failovers, per trigger and success.");
        _recoveries = _meter.CreateCounter<long>("cachefailover.recoveries", "{recovery}", "Recoveries to the primary, per success.");
        _healthChecks = _meter.CreateCounter<long>("cachefailover.health_checks", "{check}", "Health probes, per service and outcome.");
        _invalidatedKeys = _meter.CreateCounter<long>("cachefailover.journal.invalidated_keys", "{key}", "Journaled keys invalidated on the primary before failback.");
        _meter.CreateObservableGauge("cachefailover.journal.size", journalSize, "{key}", "Keys waiting in the failback journal.");
    }

    public void Operation(string serviceId, string operation, bool success, TimeSpan duration)
    {
        // The hot path calls this for every operation; with nobody listening it costs two reads.
        if (!_operations.Enabled && !_operationDuration.Enabled)
        {
            return;
        }

        var service = new KeyValuePair<string, object?>("service.id", serviceId);
        var op = new KeyValuePair<string, object?>("operation", operation);
        if (_operations.Enabled)
        {
            _operations.Add(1, service, op, new KeyValuePair<string, object?>("outcome", success ? "success" : "failure"));
        }

        if (_operationDuration.Enabled)
        {
            _operationDuration.Record(duration.TotalSeconds, service, op);
        }
    }

    public void Retry(string operation) => _retries.Add(1, new KeyValuePair<string, object?>("operation", operation));

    public void Failover(string trigger, bool success) =>
        _failovers.Add(1, new KeyValuePair<string, object?>("trigger", trigger), new KeyValuePair<string, object?>("success", success));

    public void Recovery(bool success) => _recoveries.Add(1, new KeyValuePair<string, object?>("success", success));

    public void HealthCheck(string serviceId, bool success) =>
        _healthChecks.Add(1, new KeyValuePair<string, object?>("service.id", serviceId), new KeyValuePair<string, object?>("outcome", success ? "success" : "failure"));

    public void InvalidatedKeys(long count) => _invalidatedKeys.Add(count);

    public void Dispose() => _meter.Dispose();
}
