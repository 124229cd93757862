using CacheFailover.Telemetry;

namespace CacheFailover.Core.Tests.Telemetry;

public class LatencyHistogramTests
{
    [Fact]
    public void Percentile_Empty_IsZero()
    {
        Assert.Equal(TimeSpan.Zero, new LatencyHistogram().Percentile(0.99));
    }

    [Fact]
    public void Percentile_UniformMilliseconds_WithinBucketPrecision()
    {
        var histogram = new LatencyHistogram();
        for (var ms = 1; ms <= 1000; ms++)
        {
            histogram.Record(TimeSpan.FromMilliseconds(ms).Ticks);
        }

        AssertNear(500, histogram.Percentile(0.50).TotalMilliseconds);
        AssertNear(950, histogram.Percentile(0.95).TotalMilliseconds);
        AssertNear(990, histogram.Percentile(0.99).TotalMilliseconds);
        Assert.Equal(1000, histogram.Percentile(1).TotalMilliseconds);
        Assert.Equal(1000, TimeSpan.FromTicks(histogram.MaxTicks).TotalMilliseconds);
        Assert.Equal(500.5, histogram.Mean.TotalMilliseconds, 3);
    }

    [Fact]
    public void AddTo_MergesCountsAndMax()
    {
        var a = new LatencyHistogram();
        var b = new LatencyHistogram();
        a.Record(10);
        b.Record(1_000_000);
        var merged = new LatencyHistogram();

        a.AddTo(merged);
        b.AddTo(merged);

        Assert.Equal(2, merged.Count);
        Assert.Equal(1_000_000, merged.MaxTicks);
    }

    private static void AssertNear(double expected, double actual) =>
        Assert.InRange(actual, expected, expected * 1.125);
}
