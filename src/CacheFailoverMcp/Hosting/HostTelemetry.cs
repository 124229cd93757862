using CacheFailover.Telemetry;
using CacheFailoverMcp.Configuration;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace CacheFailoverMcp.Hosting;

/// <summary>
/// The engine's <c>CacheFailover</c> meter through OpenTelemetry: over OTLP when configured
/// (<c>--otlp-endpoint</c> or any <c>OTEL_EXPORTER_OTLP_*</c> variable), and for the Prometheus
/// scrape at <see cref="MetricsEndpoint.Path"/> in HTTP mode. Nothing is registered when neither
/// applies, so the stdio server an assistant starts pays nothing for it.
/// </summary>
public static class HostTelemetry
{
    /// <summary>The OpenTelemetry <c>service.name</c> unless <c>OTEL_SERVICE_NAME</c> says otherwise.</summary>
    public const string ServiceName = "cachefailover-mcp";

    /// <summary>The standard variable that <c>--otlp-endpoint</c> stands for (it has the same meaning).</summary>
    public const string OtlpEndpointVariable = "OTEL_EXPORTER_OTLP_ENDPOINT";

    /// <summary>True when these settings export anything at all.</summary>
    public static bool IsEnabled(HostSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return settings.ExportsOtlp || settings.Transport == McpTransportKind.Http;
    }

    public static void Add(IServiceCollection services, IConfigurationBuilder configuration, HostSettings settings)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(settings);
        if (!IsEnabled(settings))
        {
            return;
        }

        // The SDK reads OTEL_* from the host's configuration. The hosts here read no environment of
        // their own (the settings loader did), so hand it the variables, with the option on top.
        var values = settings.OpenTelemetryEnvironment.ToDictionary(pair => pair.Key, pair => (string?)pair.Value, StringComparer.Ordinal);
        if (settings.OtlpEndpoint is { } endpoint)
        {
            values[OtlpEndpointVariable] = endpoint.ToString();
        }

        configuration.AddInMemoryCollection(values);

        services.AddOpenTelemetry()
            .ConfigureResource(resource => resource
                .AddService(ServiceName, serviceVersion: ProductVersion.Text)
                // Added after the service, so OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES win.
                .AddEnvironmentVariableDetector())
            .WithMetrics(metrics =>
            {
                metrics.AddMeter(CacheFailoverTelemetry.MeterName);
                if (settings.ExportsOtlp)
                {
                    metrics.AddOtlpExporter();
                }

                if (settings.Transport == McpTransportKind.Http)
                {
                    // No cached answer (the exporter's default keeps one for 300 ms): a scrape right
                    // after a failover shows it, and Prometheus scrapes seconds apart anyway.
                    metrics.AddPrometheusExporter(prometheus => prometheus.ScrapeResponseCacheDurationMilliseconds = 0);
                }
            });
    }
}
