using System.Diagnostics.Metrics;
using CacheFailover.Telemetry;

namespace CacheFailoverMcp.Tests.Docs;

/// <summary>
/// docs/metrics.md's instrument table is the meter as the engine publishes it: every instrument,
/// with its kind and unit, and nothing that does not exist.
/// </summary>
public sealed class MetricsDocsTests
{
    [Fact]
    public async Task MetricsMd_InstrumentTable_ListsEveryInstrumentOfTheMeterWithItsKindAndUnit()
    {
        var published = new Dictionary<string, (string Kind, string Unit)>(StringComparer.Ordinal);
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, _) =>
            {
                if (instrument.Meter.Name == CacheFailoverTelemetry.MeterName)
                {
                    lock (published)
                    {
                        published[instrument.Name] = (KindOf(instrument), instrument.Unit ?? string.Empty);
                    }
                }
            },
        };
        listener.Start();
        await using var server = await TestServer.StartAsync();

        var documented = File.ReadAllLines(Path.Combine(RepositoryFiles.Root, "docs", "metrics.md"))
            .Where(line => line.StartsWith("| `cachefailover.", StringComparison.Ordinal))
            .Select(line => line.Split('|', StringSplitOptions.TrimEntries))
            .ToDictionary(cells => cells[1].Trim('`'), cells => (Kind: cells[3], Unit: cells[4].Trim('`')), StringComparer.Ordinal);

        Assert.Equal(8, published.Count);
        Assert.Equal(published.Keys.Order(StringComparer.Ordinal), documented.Keys.Order(StringComparer.Ordinal));
        foreach (var (name, (kind, unit)) in published)
        {
            Assert.StartsWith(kind, documented[name].Kind, StringComparison.Ordinal);
            Assert.Equal(unit, documented[name].Unit);
        }
    }

    private static string KindOf(Instrument instrument) => instrument switch
    {
        Counter<long> => "counter",
        Histogram<double> => "histogram",
        ObservableGauge<int> or ObservableGauge<long> => "gauge",
        _ => instrument.GetType().Name,
    };
}
