using System.Diagnostics.Metrics;
using System.Text;
using CacheFailover.Backends;
using CacheFailover.Drills.Chaos;
using CacheFailover.Engine;
using CacheFailover.Options;
using CacheFailover.Services;
using Xunit.Abstractions;

namespace CacheFailover.Drills.Tests;

/// <summary>A "live" engine over in-memory services behind fault injectors, for drill tests.</summary>
internal sealed class DrillTestEngine : IAsyncDisposable
{
    public DrillTestEngine(FailoverOptions? options = null, TimeProvider? time = null, int backups = 2, bool faultInjection = true, IMeterFactory? meters = null)
    {
        Time = time ?? TimeProvider.System;
        Primary = new InMemoryCacheBackend("live-primary", Time);
        Backups = Enumerable.Range(1, backups).Select(i => new InMemoryCacheBackend($"live-backup-{i}", Time)).ToArray();
        PrimaryFaults = new FaultInjectingBackend(Primary, Time);
        BackupFaults = Backups.Select(b => new FaultInjectingBackend(b, Time)).ToArray();
        Engine = new FailoverEngine(
            new CacheServiceRegistration("primary", faultInjection ? PrimaryFaults : Primary),
            BackupFaults.Select((b, i) => new CacheServiceRegistration($"backup-{i + 1}", faultInjection ? b : Backups[i])),
            options,
            Time,
            logger: null,
            meters);
        Engine.EventRecorded += (_, e) =>
        {
            lock (Events)
            {
                Events.Add(e.Event);
            }
        };
    }

    public TimeProvider Time { get; }

    public InMemoryCacheBackend Primary { get; }

    public IReadOnlyList<InMemoryCacheBackend> Backups { get; }

    public FaultInjectingBackend PrimaryFaults { get; }

    public IReadOnlyList<FaultInjectingBackend> BackupFaults { get; }

    public FailoverEngine Engine { get; }

    public List<FailoverEvent> Events { get; } = [];

    /// <summary>Options that make a live drill last about a second.</summary>
    public static FailoverOptions FastLiveOptions() => new()
    {
        HealthCheckIntervalSeconds = 0.2,
        HealthCheckTimeoutSeconds = 0.1,
        TimeoutThresholdMs = 100,
        FailureThreshold = 2,
        RecoveryThreshold = 2,
        AutoRecoveryDelaySeconds = 0,
        RetryBaseDelayMs = 1,
    };

    public ValueTask DisposeAsync() => Engine.DisposeAsync();
}

internal static class DrillOutput
{
    public static void Write(ITestOutputHelper output, DrillReport report, TimeSpan? realTime = null)
    {
        var text = new StringBuilder();
        text.AppendLine($"{report.Scenario} ({report.Mode}) passed={report.Passed} detection_ms={report.DetectionMs} failover_ms={report.FailoverMs} recovery_ms={report.RecoveryMs} operations={report.Operations} errors_seen={report.ErrorsSeen} stale_reads={report.StaleReads}" + (realTime is { } t ? $" real={t.TotalMilliseconds:0} ms" : ""));
        text.AppendLine("expected: " + report.Expected);
        text.AppendLine("summary: " + report.Summary);
        foreach (var entry in report.Timeline)
        {
            text.AppendLine($"  {entry.TMs,12:0.###}  {entry.Event}");
        }

        output.WriteLine(text.ToString());
    }
}
