using CacheFailover.Backends;
using CacheFailover.Engine;
using CacheFailover.Telemetry;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using static CacheFailover.Core.Tests.Engine.EngineHarness;

namespace CacheFailover.Core.Tests.Engine;

public class HealthMonitorTests
{
    [Fact]
    public async Task Start_ClockAdvancesByIntervals_ProbesEveryServiceEachInterval()
    {
        await using var h = new EngineHarness();
        var completed = System.Threading.Channels.Channel.CreateUnbounded<int>();
        h.Engine.HealthCheckRoundCompleted += (_, _) => completed.Writer.TryWrite(0);

        h.Engine.Start();
        await completed.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10)); // the first round runs at start
        h.Time.Advance(TimeSpan.FromSeconds(0.9));
        Assert.False(completed.Reader.TryRead(out _));
        h.Time.Advance(TimeSpan.FromSeconds(0.1));
        await completed.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        h.Time.Advance(TimeSpan.FromSeconds(1));
        await completed.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        await h.Engine.StopAsync();

        Assert.Equal(3, h.Primary.Latency.Calls);
        Assert.Equal(3, h.Backup1.Latency.Calls);
    }

    [Fact]
    public async Task Probe_HangingService_CountsAsFailureAfterCheckTimeout()
    {
        await using var h = new EngineHarness(FastOptions() with { FailureThreshold = 1 });
        h.Primary.Faults.Hang();

        var round = h.Engine.RunHealthChecksAsync();
        Assert.False(round.IsCompleted);
        h.Time.Advance(TimeSpan.FromSeconds(h.Options.HealthCheckTimeoutSeconds));
        await round;

        var primary = h.Engine.GetStatus().Services.Single(s => s.ServiceId == "primary");
        Assert.Equal(ServiceHealth.Unhealthy, primary.Health);
        Assert.Contains("health_check_timeout_seconds = 0.5", primary.LastError, StringComparison.Ordinal);
        Assert.Equal(FailoverTrigger.HealthCheckFailure, Assert.Single(h.Events).Trigger);
    }

    [Fact]
    public async Task UpdateOptions_NewInterval_TakesEffectOnTheRunningLoop()
    {
        await using var h = new EngineHarness();
        var rounds = 0;
        h.Engine.HealthCheckRoundCompleted += (_, _) => Interlocked.Increment(ref rounds);
        h.Engine.Start();
        h.Engine.UpdateOptions(o => o with { HealthCheckIntervalSeconds = 10 });

        h.Time.Advance(TimeSpan.FromSeconds(5));
        await h.Engine.StopAsync();

        Assert.Equal(1, Volatile.Read(ref rounds));
    }

    [Fact]
    public async Task Status_AfterTraffic_ReportsCountersRatesAndLatency()
    {
        await using var h = new EngineHarness();
        h.Primary.Latency.Latency = TimeSpan.FromMilliseconds(2);
        for (var i = 0; i < 30; i++)
        {
            await h.Engine.SetAsync($"k{i}", Bytes("v"));
        }

        h.Primary.Faults.FailEveryNth(1, CacheFailureKind.Server);
        await h.Engine.RunHealthChecksAsync();

        var primary = h.Engine.GetStatus().Services.Single(s => s.ServiceId == "primary");
        Assert.Equal(ServiceHealth.Degraded, primary.Health);
        Assert.Equal(1, primary.ConsecutiveFailures);
        Assert.Equal(0, primary.ConsecutiveSuccesses);
        Assert.Equal(1.0, primary.SuccessRate);
        Assert.Equal(2, primary.AvgResponseMs, 3);
        Assert.InRange(primary.P95ResponseMs, 2, 2.25);
        Assert.Equal(2, primary.BaselineResponseMs!.Value, 3);
        Assert.Equal("failing every 1th call", h.Primary.Faults.ActiveFault);
    }

    [Fact]
    public async Task Metrics_OperationsFailoversAndChecks_AreCountedWithTags()
    {
        using var container = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var meters = container.GetRequiredService<IMeterFactory>();
        using var operations = new MetricCollector<long>(meters, FailoverMetrics.MeterName, "cachefailover.operations");
        using var failovers = new MetricCollector<long>(meters, FailoverMetrics.MeterName, "cachefailover.failovers");
        using var checks = new MetricCollector<long>(meters, FailoverMetrics.MeterName, "cachefailover.health_checks");
        await using var h = new EngineHarness(meterFactory: meters);

        await h.Engine.SetAsync("k", Bytes("v"));
        h.Primary.Faults.RefuseConnections(raiseConnectionEvent: false);
        await h.Engine.GetAsync("k");
        await h.Engine.RunHealthChecksAsync();

        var ops = operations.GetMeasurementSnapshot();
        Assert.Contains(ops, m => m.Tags["service.id"] as string == "primary" && m.Tags["operation"] as string == "set" && m.Tags["outcome"] as string == "success");
        Assert.Contains(ops, m => m.Tags["service.id"] as string == "primary" && m.Tags["operation"] as string == "get" && m.Tags["outcome"] as string == "failure");
        Assert.Contains(ops, m => m.Tags["service.id"] as string == "backup1" && m.Tags["outcome"] as string == "success");
        var failover = Assert.Single(failovers.GetMeasurementSnapshot());
        Assert.Equal("connection_failure", failover.Tags["trigger"]);
        Assert.Contains(checks.GetMeasurementSnapshot(), m => m.Tags["service.id"] as string == "primary" && m.Tags["outcome"] as string == "failure");
    }

    [Fact]
    public async Task PerformanceMetrics_Window_CountsOperationsAndSwitches()
    {
        await using var h = new EngineHarness(FastOptions() with { AutoRecoveryDelaySeconds = 0 });
        h.Primary.Latency.Latency = TimeSpan.FromMilliseconds(1);
        for (var i = 0; i < 10; i++)
        {
            await h.Engine.SetAsync($"k{i}", Bytes("v"));
        }

        h.Primary.Faults.RefuseConnections(raiseConnectionEvent: false);
        await h.Engine.SetAsync("x", Bytes("v"));
        h.Primary.Faults.Clear();
        await h.ProbeRoundsAsync(h.Options.RecoveryThreshold);

        var metrics = h.Engine.GetPerformanceMetrics(TimeSpan.FromMinutes(1));
        var primary = metrics.Services.Single(s => s.ServiceId == "primary");
        Assert.Equal((11L, 10L, 1L), (primary.Total, primary.Succeeded, primary.Failed));
        Assert.InRange(primary.P50Ms, 1, 1.125);
        var backup = metrics.Services.Single(s => s.ServiceId == "backup1");
        Assert.Equal((1L, 1L), (backup.Succeeded, backup.Retried));
        Assert.Equal(1, metrics.Failovers.Count);
        Assert.Equal(1, metrics.Failovers.ByTrigger["connection_failure"]);
        Assert.Equal(1, metrics.Recoveries.Succeeded);
        Assert.Equal(1, metrics.JournalInvalidatedKeys);
        Assert.True(metrics.SecondsInStatus["failed_over"] > 0);

        // Two minutes later, a one-minute window no longer holds them.
        h.Time.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal(0, h.Engine.GetPerformanceMetrics(TimeSpan.FromMinutes(1)).Services.Single(s => s.ServiceId == "primary").Total);
    }
}
