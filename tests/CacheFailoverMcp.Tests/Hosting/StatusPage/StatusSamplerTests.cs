using CacheFailover.Backends;
using CacheFailover.Engine;
using CacheFailover.Options;
using CacheFailover.Services;
using CacheFailover.Testing;
using CacheFailoverMcp.Hosting.StatusPage;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace CacheFailoverMcp.Tests.Hosting.StatusPage;

/// <summary>The status page's sampler on a fake clock: one point per service per interval, bounded, following the engine.</summary>
public sealed class StatusSamplerTests : IAsyncLifetime
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(10);
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 2, 12, 0, 0, TimeSpan.Zero));
    private FailoverEngine _engine = null!;

    public async Task InitializeAsync()
    {
        _engine = new FailoverEngine(
            new CacheServiceRegistration("primary", new InMemoryCacheBackend("p", _time)),
            [new CacheServiceRegistration("backup-1", new InMemoryCacheBackend("b1", _time)), new CacheServiceRegistration("backup-2", new InMemoryCacheBackend("b2", _time))],
            new FailoverOptions { HealthCheckIntervalSeconds = 3600, AutoRecoveryEnabled = false },
            _time);
        await _engine.StartAsync();
    }

    public async Task DisposeAsync() => await _engine.DisposeAsync();

    [Fact]
    public async Task Sampler_EveryInterval_AddsOnePointPerServiceAndKeepsOnlyTheWindow()
    {
        var options = new StatusPageOptions { SampleInterval = TimeSpan.FromSeconds(5), Window = TimeSpan.FromSeconds(30) };
        var history = new ServiceSampleHistory(options.Capacity);
        using var sampler = new StatusSampler(_engine, history, options, NullLogger<StatusSampler>.Instance);

        await sampler.StartAsync(CancellationToken.None);
        Assert.True(await RealTimePoll.UntilAsync(() => Count(history, "primary") == 1, Limit), "no sample at start");
        for (var tick = 1; tick <= 9; tick++)
        {
            _time.Advance(TimeSpan.FromSeconds(5));
            var expected = Math.Min(tick + 1, options.Capacity);
            var at = _time.GetUtcNow();
            Assert.True(await RealTimePoll.UntilAsync(() => history.Snapshot()["primary"][^1].At == at, Limit), $"no sample after tick {tick}");
            Assert.Equal(expected, Count(history, "primary"));
        }

        await sampler.StopAsync(CancellationToken.None);

        var points = history.Snapshot();
        Assert.Equal(6, options.Capacity);
        Assert.Equal(["backup-1", "backup-2", "primary"], points.Keys.Order(StringComparer.Ordinal));
        Assert.All(points.Values, series => Assert.Equal(6, series.Count));

        // The oldest kept is the window's start: samples at 20 s … 45 s after the start, 5 s apart.
        var start = new DateTimeOffset(2026, 12, 2, 12, 0, 0, TimeSpan.Zero);
        Assert.Equal(Enumerable.Range(4, 6).Select(i => start.AddSeconds(5 * i)), points["primary"].Select(p => p.At));
    }

    [Fact]
    public async Task Record_AfterFailoverAndUnregister_FollowsTheServingServiceAndDropsRemovedServices()
    {
        var history = new ServiceSampleHistory(10);
        var sampler = new StatusSampler(_engine, history, new StatusPageOptions(), NullLogger<StatusSampler>.Instance);
        await _engine.RunHealthChecksAsync();

        sampler.SampleNow();
        await _engine.TriggerManualFailoverAsync("patching the primary");
        sampler.SampleNow();
        _time.Advance(TimeSpan.FromSeconds(5));
        await _engine.RunHealthChecksAsync();
        sampler.SampleNow();
        await _engine.UnregisterServiceAsync("backup-2");
        _time.Advance(TimeSpan.FromSeconds(5));
        sampler.SampleNow();

        var points = history.Snapshot();
        Assert.Equal([true, false, false, false], points["primary"].Select(p => p.Active));
        Assert.Equal([false, true, true, true], points["backup-1"].Select(p => p.Active));
        Assert.False(points.ContainsKey("backup-2"));
        Assert.All(points["backup-1"], p => Assert.Equal("healthy", p.Health));

        // A switch makes the engine forget both services' recent probes (judged afresh): a gap in the
        // chart until the next probe round, not an old figure.
        Assert.Equal([true, false, true, true], points["backup-1"].Select(p => p.LatencyMs is not null));
    }

    [Fact]
    public void History_CapacityBelowOne_IsRefused()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new ServiceSampleHistory(0));

        Assert.Equal("capacity", error.ParamName);
    }

    private static int Count(ServiceSampleHistory history, string serviceId) =>
        history.Snapshot().TryGetValue(serviceId, out var series) ? series.Count : 0;
}
