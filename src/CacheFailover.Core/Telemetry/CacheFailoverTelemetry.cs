namespace CacheFailover.Telemetry;

/// <summary>
/// Names an application needs to collect the engine's telemetry, e.g.
/// <c>metrics.AddMeter(CacheFailoverTelemetry.MeterName)</c> with OpenTelemetry. The instruments are
/// listed in docs/metrics.md.
/// </summary>
public static class CacheFailoverTelemetry
{
    /// <summary>The engine's one <see cref="System.Diagnostics.Metrics.Meter"/>.</summary>
    public const string MeterName = "CacheFailover";
}
