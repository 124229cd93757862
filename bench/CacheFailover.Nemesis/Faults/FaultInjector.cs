using System.Globalization;
using CacheFailover.Engine;
using CacheFailover.Nemesis.Cluster;
using CacheFailover.Nemesis.History;
using CacheFailover.Testing;

namespace CacheFailover.Nemesis.Faults;

/// <summary>A fault as it was injected: when it began and ended on the history's clock, and what came of it.</summary>
public sealed record InjectedFault(ScheduledFault Planned, long StartedUs, long EndedUs, string Result);

/// <summary>
/// Runs a <see cref="FaultPlan"/> against a cluster: faults of one server (and the operators'
/// decisions, and the server processes' faults) one after another at their planned times,
/// different lanes side by side.
/// </summary>
public sealed class FaultInjector(NemesisCluster cluster, HistoryRecorder clock)
{
    private static readonly TimeSpan ControlTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan BurstGap = TimeSpan.FromMilliseconds(80);

    /// <summary>How long a server process may take to end after SIGTERM before it is killed (and the fault says so).</summary>
    private static readonly TimeSpan TerminateLimit = TimeSpan.FromSeconds(15);
    private readonly List<InjectedFault> _injected = [];
    private readonly Lock _lock = new();

    public IReadOnlyList<InjectedFault> Injected
    {
        get
        {
            lock (_lock)
            {
                return [.. _injected.OrderBy(f => f.StartedUs)];
            }
        }
    }

    public Task RunAsync(IReadOnlyList<ScheduledFault> plan, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var lanes = plan.GroupBy(f => cluster.Servers.ContainsKey(f.Target) ? f.Target : cluster.IsProcess(f.Target) ? "processes" : "control");
        return Task.WhenAll(lanes.Select(lane => RunLaneAsync([.. lane.OrderBy(f => f.At)], cancellationToken)));
    }

    private async Task RunLaneAsync(IReadOnlyList<ScheduledFault> lane, CancellationToken cancellationToken)
    {
        foreach (var fault in lane)
        {
            var wait = fault.At - TimeSpan.FromMicroseconds(clock.NowUs);
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, TimeProvider.System, cancellationToken);
            }

            var started = clock.NowUs;
            string result;
            try
            {
                result = await InjectAsync(fault, cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw;
            }
            catch (Exception failure)
            {
                result = $"nemesis error: {failure.GetType().Name}: {failure.Message}";
            }

            lock (_lock)
            {
                _injected.Add(new InjectedFault(fault, started, clock.NowUs, result));
            }
        }
    }

    private async Task<string> InjectAsync(ScheduledFault fault, CancellationToken cancellationToken)
    {
        switch (fault.Kind)
        {
            case FaultKind.KillRestart:
            {
                var server = cluster.Servers[fault.Target];
                server.Kill();
                await HoldAsync(fault.Duration, cancellationToken);
                await server.RestartAsync(cancellationToken);
                return "killed, restarted empty";
            }

            case FaultKind.Freeze:
            {
                var server = cluster.Servers[fault.Target];
                server.Stop();
                try
                {
                    await HoldAsync(fault.Duration, cancellationToken);
                }
                finally
                {
                    server.Resume();
                }

                return "frozen, resumed";
            }

            case FaultKind.SlowBursts:
                return await SlowBurstsAsync(cluster.Servers[fault.Target], fault.Duration, cancellationToken);

            case FaultKind.ClientPause:
            {
                var server = cluster.Servers[fault.Target];
                var ms = ((long)fault.Duration.TotalMilliseconds).ToString(CultureInfo.InvariantCulture);
                await server.ExecuteAsync(["CLIENT", "PAUSE", ms, "ALL"], cancellationToken: cancellationToken);
                await HoldAsync(fault.Duration, cancellationToken);
                return "paused";
            }

            case FaultKind.FlapFreeze:
            case FaultKind.FlapKill:
                return await FlapAsync(fault, cancellationToken);

            case FaultKind.ManualFailover:
            {
                using var timeout = Timeout(cancellationToken);
                try
                {
                    var done = await cluster.Member(fault.Target).Engine.TriggerManualFailoverAsync("nemesis", fault.Option, timeout.Token);
                    return done.Success ? $"failed over to {done.ToServiceId} (epoch {done.Epoch})" : $"failed: {done.Error}";
                }
                catch (FailoverRefusedException refused)
                {
                    return $"refused: {refused.Message}";
                }
            }

            case FaultKind.ManualRecovery:
            {
                using var timeout = Timeout(cancellationToken);
                try
                {
                    var done = await cluster.Member(fault.Target).Engine.TriggerManualRecoveryAsync("nemesis", cancellationToken: timeout.Token);
                    return done.Success ? $"recovered ({done.ReconciledKeys} key(s) reconciled)" : $"refused: {done.RefusalReason}";
                }
                catch (FailoverRefusedException refused)
                {
                    return $"refused: {refused.Message}";
                }
            }

            case FaultKind.DropAnnouncements:
            {
                var gate = cluster.Member(fault.Target).Gate;
                var before = gate.Dropped;
                gate.Dropping = true;
                try
                {
                    await HoldAsync(fault.Duration, cancellationToken);
                }
                finally
                {
                    gate.Dropping = false;
                }

                return $"{gate.Dropped - before} announcement(s) dropped";
            }

            case FaultKind.RestartMember:
            {
                var member = cluster.Member(fault.Target);
                await member.RestartAsync(fault.Duration, cancellationToken);
                return $"restarted; resumed {member.Engine.Status} on {member.Engine.ActiveServiceId} at epoch {member.Engine.Epoch}";
            }

            case FaultKind.KillProcess:
            case FaultKind.TerminateProcess:
            {
                var process = cluster.Process(fault.Target);
                var pid = process.Pid;
                await process.CollectEventsAsync(cancellationToken);
                string ended;
                if (fault.Kind == FaultKind.KillProcess)
                {
                    await process.KillAsync();
                    ended = "SIGKILL";
                }
                else
                {
                    ended = await process.TerminateAsync(TerminateLimit);
                }

                await HoldAsync(fault.Duration, cancellationToken);
                await process.StartProcessAsync(cancellationToken);
                var health = await process.HealthAsync(cancellationToken);
                return string.Create(CultureInfo.InvariantCulture, $"pid {pid} ended ({ended}); restarted as pid {process.Pid}, {(health is null ? "no /healthz answer" : $"{health.Status} on {health.ActiveServiceId} at epoch {health.Epoch}")}");
            }

            case FaultKind.McpFailover:
            {
                using var timeout = Timeout(cancellationToken);
                var arguments = new Dictionary<string, object?> { ["reason"] = "nemesis over MCP" };
                if (fault.Option is { } target)
                {
                    arguments["target_service_id"] = target;
                }

                var answer = await cluster.Process(fault.Target).CallToolAsync("trigger_manual_failover", arguments, timeout.Token);
                if (answer.IsError || answer.Content is not { } done)
                {
                    return $"refused: {answer.Text}";
                }

                return done.GetProperty("success").GetBoolean()
                    ? $"failed over to {done.GetProperty("to_service_id").GetString()} (epoch {done.GetProperty("epoch").GetInt64()})"
                    : $"failed: {done.GetProperty("error").GetString()}";
            }

            case FaultKind.McpRecovery:
            {
                using var timeout = Timeout(cancellationToken);
                var answer = await cluster.Process(fault.Target).CallToolAsync("trigger_manual_recovery", new() { ["reason"] = "nemesis over MCP" }, timeout.Token);
                if (answer.IsError || answer.Content is not { } done)
                {
                    return $"refused: {answer.Text}";
                }

                return done.GetProperty("success").GetBoolean()
                    ? $"recovered ({done.GetProperty("reconciled_keys").GetInt64()} key(s) reconciled, epoch {done.GetProperty("epoch").GetInt64()})"
                    : $"refused: {answer.Text}";
            }

            default:
                throw new ArgumentOutOfRangeException(nameof(fault), fault.Kind, "unknown fault kind");
        }
    }

    private static async Task<string> SlowBurstsAsync(RedisServerProcess server, TimeSpan duration, CancellationToken cancellationToken)
    {
        var until = TimeProvider.System.GetTimestamp() + (long)(duration.TotalSeconds * TimeProvider.System.TimestampFrequency);
        var bursts = 0;
        while (TimeProvider.System.GetTimestamp() < until)
        {
            // The reply comes when the sleep ends, so bursts never pile up.
            await server.ExecuteAsync(["DEBUG", "SLEEP", "0.2"], cancellationToken: cancellationToken);
            bursts++;
            await HoldAsync(BurstGap, cancellationToken);
        }

        return $"{bursts} burst(s) of 200 ms";
    }

    private async Task<string> FlapAsync(ScheduledFault fault, CancellationToken cancellationToken)
    {
        var server = cluster.Servers[fault.Target];
        var cycles = int.Parse(fault.Option!, CultureInfo.InvariantCulture);
        var half = fault.Duration / (cycles * 2);
        for (var i = 0; i < cycles; i++)
        {
            if (fault.Kind == FaultKind.FlapKill)
            {
                server.Kill();
                await HoldAsync(half, cancellationToken);
                await server.RestartAsync(cancellationToken);
            }
            else
            {
                server.Stop();
                try
                {
                    await HoldAsync(half, cancellationToken);
                }
                finally
                {
                    server.Resume();
                }
            }

            await HoldAsync(half, cancellationToken);
        }

        return $"{cycles} cycle(s) of {half.TotalMilliseconds:0} ms down, {half.TotalMilliseconds:0} ms up";
    }

    private static CancellationTokenSource Timeout(CancellationToken cancellationToken)
    {
        var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(ControlTimeout);
        return timeout;
    }

    private static Task HoldAsync(TimeSpan duration, CancellationToken cancellationToken) => Task.Delay(duration, TimeProvider.System, cancellationToken);
}
