using System.Globalization;
using CacheFailover.Backends;
using CacheFailover.Bench.Contenders;
using CacheFailover.Bench.Infrastructure;
using CacheFailover.Bench.Load;
using CacheFailover.Bench.Report;
using CacheFailover.Engine;
using CacheFailover.Group;
using CacheFailover.Options;
using CacheFailover.Redis;
using CacheFailover.Services;

namespace CacheFailover.Bench.Suites;

/// <summary>How fast the members of a group follow one member's decision.</summary>
internal sealed record GroupFollowFigures(string Decision, int Repetitions, double AnsweredP50Ms, double AnsweredMaxMs, double AllFollowedP50Ms, double AllFollowedMaxMs, double SpreadP50Ms, double SpreadMaxMs);

/// <summary>What being a group member costs: a member's throughput against an engine that keeps no group state, same servers, same run.</summary>
internal sealed record GroupCostFigures(string Phase, double MemberOpsPerSecond, double SoloOpsPerSecond, double Ratio, double RatioMin, double RatioMax, long Errors);

/// <summary>
/// How the members under traffic end up on the backup when the primary fails: from the fault to the
/// first and to the last member's switch (its own decision or one it followed), and the spread between them.
/// </summary>
internal sealed record GroupOutageFigures(string Fault, int Repetitions, double FirstP50Ms, double FirstMaxMs, double AllP50Ms, double AllMaxMs, double SpreadP50Ms, double SpreadMaxMs, double FollowedShare, long Errors);

internal sealed record GroupFigures(int TrafficMembers, IReadOnlyList<GroupFollowFigures> Follow, IReadOnlyList<GroupCostFigures> Cost, long TrafficErrors, IReadOnlyList<GroupOutageFigures> Outage);

/// <summary>
/// The failover group over two real redis-servers: three members carrying traffic and a
/// control-only member (as the stdio server an assistant starts) deciding manual failovers and
/// recoveries, timed until every member follows; then the cost of membership, against an engine
/// whose backends keep no group state, on the healthy path and while failed over (where every
/// write is a fenced script on the backup).
/// </summary>
internal static class GroupSuite
{
    private const int TrafficMembers = 3;

    public static async Task<SuiteResult> RunAsync(BenchSettings settings)
    {
        var started = Clock.Now;
        Progress.Line("group: starting primary and backup redis-server");
        await using var servers = await ServerPair.StartAsync();
        var follow = await FollowAsync(servers, settings);
        var cost = await CostAsync(servers, settings);
        var outage = new List<GroupOutageFigures>
        {
            await OutageAsync(servers, settings, "SIGKILL of the primary"),
            await OutageAsync(servers, settings, "SIGSTOP of the primary"),
        };
        var figures = new GroupFigures(TrafficMembers, follow.Figures, cost, follow.Errors, outage);

        bool? Verdict(bool met) => settings.Quick ? null : met;
        var failover = follow.Figures[0];
        var healthy = cost[0];
        var failedOver = cost[1];
        IReadOnlyList<TargetCheck> targets =
        [
            new TargetCheck("manual failover through a control-only member: every member follows ≤ 10 ms p50 (loopback)", $"{Markdown.F(failover.AllFollowedP50Ms)} ms p50, {Markdown.F(failover.AllFollowedMaxMs)} ms max", Verdict(failover.AllFollowedP50Ms <= 10)),
            new TargetCheck("healthy throughput of a member within 1 % of an engine without group state", $"{Markdown.F(healthy.Ratio, "0.000")} (rounds {Markdown.F(healthy.RatioMin, "0.000")}–{Markdown.F(healthy.RatioMax, "0.000")})", Verdict(healthy.Ratio >= 0.99)),
            new TargetCheck("while failed over (50/50 GET/SET, every SET fenced) ≥ 0.9 of an engine without group state", $"{Markdown.F(failedOver.Ratio, "0.000")} (rounds {Markdown.F(failedOver.RatioMin, "0.000")}–{Markdown.F(failedOver.RatioMax, "0.000")})", Verdict(failedOver.Ratio >= 0.9)),
            new TargetCheck("no traffic error while members follow", figures.TrafficErrors.ToString(CultureInfo.InvariantCulture), Verdict(figures.TrafficErrors == 0)),
        ];
        IReadOnlyList<string> notes =
        [
            "Members are engines in this one process, each with its own StackExchange.Redis connections, subscription and probe loop (5 s probe interval, so following is by the announcement, not by a probe round); the control-only member decides. The MCP end-to-end test does the same with the stdio server as the deciding member.",
            "answered: the decision call returned on the deciding member; all followed: from the call's start to the last traffic member recording the adopted event; spread: first to last member.",
            "Cost: the 'solo' engine runs over the same RedisCacheBackends seen through a wrapper that hides their group store, so it keeps the in-process journal only, as before groups; both alternate in rounds, 16 operations in flight, 50/50 GET/SET on 1,000 keys of 100 B.",
            $"Outage: three traffic members (2 workers each, SET+GET) with the failover suite's timings ({Tuning.Failover.TimeoutMs} ms operation timeout, probes every {Tuning.Failover.HealthCheckInterval.TotalMilliseconds:0} ms, 3 failures); the primary is killed (SIGKILL, then restarted empty) or frozen (SIGSTOP, then SIGCONT); times run from the signal to each member's switch to the backup, whether it decided or followed another member's decision (followed: the share of switches that were followed). Between repetitions the control-only member recovers the group. Errors: traffic errors during the outages (operations in flight on the failing primary).",
        ];
        var contenders = new Dictionary<string, string>
        {
            ["member"] = "FailoverEngine in group 'bench-cost' over RedisCacheBackend primary and backup (fenced, journaled writes to the backup while failed over)",
            ["solo"] = "FailoverEngine over the same backends behind a pass-through that keeps no group state",
        };
        return new SuiteResult("group", Clock.MsSince(started) / 1000, figures, targets, contenders, notes, Render(figures, targets, notes));
    }

    private static async Task<(List<GroupFollowFigures> Figures, long Errors)> FollowAsync(ServerPair servers, BenchSettings settings)
    {
        var repetitions = settings.Quick ? 2 : 10;
        var members = new List<FailoverEngine>();
        try
        {
            for (var i = 1; i <= TrafficMembers; i++)
            {
                members.Add(await MemberAsync(servers, "bench-follow", $"app-{i}", carriesTraffic: true));
            }

            var control = await MemberAsync(servers, "bench-follow", "assistant", carriesTraffic: false);
            members.Add(control);
            using var stop = new CancellationTokenSource();
            var traffic = members.Take(TrafficMembers).Select((m, i) => TrafficAsync(m, i, stop.Token)).ToArray();
            var failovers = new List<(double Answered, double All, double Spread)>();
            var recoveries = new List<(double Answered, double All, double Spread)>();
            for (var rep = 0; rep < repetitions; rep++)
            {
                failovers.Add(await DecideAsync(members.Take(TrafficMembers).ToList(), FailoverEventKind.Failover, () => control.TriggerManualFailoverAsync("bench: group follow", "backup")));
                recoveries.Add(await DecideAsync(members.Take(TrafficMembers).ToList(), FailoverEventKind.Recovery, async () =>
                {
                    var result = await control.TriggerManualRecoveryAsync("bench: group follow back");
                    if (!result.Success)
                    {
                        throw new InvalidOperationException($"recovery refused: {result.RefusalReason}");
                    }
                }));
                Progress.Line($"group: follow rep {rep + 1}/{repetitions}: failover followed by all in {failovers[^1].All:0.0} ms, recovery in {recoveries[^1].All:0.0} ms");
            }

            await stop.CancelAsync();
            var errors = (await Task.WhenAll(traffic)).Sum();
            return ([Summarise("manual failover", failovers), Summarise("manual recovery", recoveries)], errors);
        }
        finally
        {
            foreach (var member in members)
            {
                await member.DisposeAsync();
            }
        }
    }

    private static async Task<(double Answered, double All, double Spread)> DecideAsync(List<FailoverEngine> followers, FailoverEventKind kind, Func<Task> decide)
    {
        var followedAt = new long[followers.Count];
        var handlers = new EventHandler<FailoverEventArgs>[followers.Count];
        for (var i = 0; i < followers.Count; i++)
        {
            var index = i;
            handlers[i] = (_, e) =>
            {
                if (e.Event.Kind == kind && e.Event.DecidedBy is not null)
                {
                    Interlocked.CompareExchange(ref followedAt[index], Clock.Now, 0);
                }
            };
            followers[i].EventRecorded += handlers[i];
        }

        try
        {
            var started = Clock.Now;
            await decide();
            var answered = Clock.Ms(Clock.Now - started);
            var deadline = Clock.Now + Clock.Ticks(TimeSpan.FromSeconds(10));
            while (followedAt.Any(t => Volatile.Read(ref t) == 0))
            {
                if (Clock.Now > deadline)
                {
                    throw new InvalidOperationException($"not every member followed the {kind} within 10 s");
                }

                await Clock.Delay(TimeSpan.FromMilliseconds(1));
            }

            return (answered, Clock.Ms(followedAt.Max() - started), Clock.Ms(followedAt.Max() - followedAt.Min()));
        }
        finally
        {
            for (var i = 0; i < followers.Count; i++)
            {
                followers[i].EventRecorded -= handlers[i];
            }
        }
    }

    private static GroupFollowFigures Summarise(string decision, List<(double Answered, double All, double Spread)> reps) => new(
        decision,
        reps.Count,
        Stats.Median(reps.Select(r => r.Answered)),
        Stats.Max(reps.Select(r => r.Answered)),
        Stats.Median(reps.Select(r => r.All)),
        Stats.Max(reps.Select(r => r.All)),
        Stats.Median(reps.Select(r => r.Spread)),
        Stats.Max(reps.Select(r => r.Spread)));

    private static async Task<GroupOutageFigures> OutageAsync(ServerPair servers, BenchSettings settings, string fault)
    {
        var repetitions = settings.Quick ? 1 : 10;
        var kill = fault.StartsWith("SIGKILL", StringComparison.Ordinal);
        var members = new List<FailoverEngine>();
        var reps = new List<(double First, double All, double Spread, int Followed)>();
        long errors = 0;
        try
        {
            for (var i = 1; i <= TrafficMembers; i++)
            {
                members.Add(await MemberAsync(servers, "bench-outage", $"app-{i}", carriesTraffic: true, OutageOptions()));
            }

            var control = await MemberAsync(servers, "bench-outage", "assistant", carriesTraffic: false, OutageOptions());
            try
            {
                for (var rep = 0; rep < repetitions; rep++)
                {
                    using var stop = new CancellationTokenSource();
                    var traffic = members.Select((m, i) => TrafficAsync(m, i, stop.Token)).ToArray();
                    await Clock.Delay(TimeSpan.FromMilliseconds(300));
                    var switched = new long[TrafficMembers];
                    var followed = new bool[TrafficMembers];
                    var handlers = new EventHandler<FailoverEventArgs>[TrafficMembers];
                    for (var i = 0; i < TrafficMembers; i++)
                    {
                        var index = i;
                        handlers[i] = (_, e) =>
                        {
                            if (e.Event is { Kind: FailoverEventKind.Failover, Success: true } && Interlocked.CompareExchange(ref switched[index], Clock.Now, 0) == 0)
                            {
                                followed[index] = e.Event.DecidedBy is not null;
                            }
                        };
                        members[i].EventRecorded += handlers[i];
                    }

                    var signalled = Clock.Now;
                    if (kill)
                    {
                        servers.Primary.Kill();
                    }
                    else
                    {
                        servers.Primary.Stop();
                    }

                    var deadline = Clock.Now + Clock.Ticks(TimeSpan.FromSeconds(15));
                    while (switched.Any(t => Volatile.Read(ref t) == 0) && Clock.Now < deadline)
                    {
                        await Clock.Delay(TimeSpan.FromMilliseconds(1));
                    }

                    for (var i = 0; i < TrafficMembers; i++)
                    {
                        members[i].EventRecorded -= handlers[i];
                    }

                    if (kill)
                    {
                        await servers.Primary.RestartAsync();
                    }
                    else
                    {
                        servers.Primary.Resume();
                    }

                    await stop.CancelAsync();
                    errors += (await Task.WhenAll(traffic)).Sum();
                    if (switched.Any(t => t == 0))
                    {
                        throw new InvalidOperationException($"group outage ({fault}): not every member was on the backup 15 s after the signal");
                    }

                    reps.Add((Clock.Ms(switched.Min() - signalled), Clock.Ms(switched.Max() - signalled), Clock.Ms(switched.Max() - switched.Min()), followed.Count(f => f)));
                    Progress.Line($"group: outage rep {rep + 1}/{repetitions} ({fault}): first member on the backup {reps[^1].First:0.0} ms after the signal, last {reps[^1].All:0.0} ms, spread {reps[^1].Spread:0.0} ms, {reps[^1].Followed} of {TrafficMembers} followed");
                    await RecoverAsync(control, members);
                }
            }
            finally
            {
                await control.DisposeAsync();
            }
        }
        finally
        {
            foreach (var member in members)
            {
                await member.DisposeAsync();
            }
        }

        return new GroupOutageFigures(
            fault,
            reps.Count,
            Stats.Median(reps.Select(r => r.First)),
            Stats.Max(reps.Select(r => r.First)),
            Stats.Median(reps.Select(r => r.All)),
            Stats.Max(reps.Select(r => r.All)),
            Stats.Median(reps.Select(r => r.Spread)),
            Stats.Max(reps.Select(r => r.Spread)),
            reps.Sum(r => r.Followed) / (double)(reps.Count * TrafficMembers),
            errors);
    }

    /// <summary>The control-only member fails the group back once the primary passes its probes again, and every member is on it.</summary>
    private static async Task RecoverAsync(FailoverEngine control, List<FailoverEngine> members)
    {
        var deadline = Clock.Now + Clock.Ticks(TimeSpan.FromSeconds(30));
        while (true)
        {
            var result = await control.TriggerManualRecoveryAsync("bench: group outage healed");
            if (result.Success)
            {
                break;
            }

            if (Clock.Now > deadline)
            {
                throw new InvalidOperationException($"group outage: the recovery was refused for 30 s: {result.RefusalReason}");
            }

            await Clock.Delay(TimeSpan.FromMilliseconds(100));
        }

        while (members.Any(m => m.ActiveServiceId != "primary"))
        {
            if (Clock.Now > deadline)
            {
                throw new InvalidOperationException("group outage: not every member was back on the primary 30 s after the heal");
            }

            await Clock.Delay(TimeSpan.FromMilliseconds(5));
        }
    }

    private static FailoverOptions OutageOptions() => EngineContender.Options(Tuning.Failover) with { AutoRecoveryEnabled = false };

    private static async Task<List<GroupCostFigures>> CostAsync(ServerPair servers, BenchSettings settings)
    {
        var rounds = settings.Quick ? 2 : 8;
        var round = settings.Quick ? TimeSpan.FromMilliseconds(200) : TimeSpan.FromMilliseconds(750);
        var keys = Values.Keys("grp", 1_000);
        var value = Values.Payload(100, (byte)'G');
        await ServerPair.SeedAsync(servers.PrimarySetup, keys, value);
        await ServerPair.SeedAsync(servers.BackupSetup, keys, value);
        await using var member = new EngineLoad("member", await MemberAsync(servers, "bench-cost", "member", carriesTraffic: true));
        await using var solo = new EngineLoad("solo", await SoloAsync(servers));
        var results = new List<GroupCostFigures> { await CompareAsync("healthy (primary serves)", member, solo, keys, value, rounds, round) };
        await member.Engine.TriggerManualFailoverAsync("bench: group cost", "backup");
        await solo.Engine.TriggerManualFailoverAsync("bench: group cost", "backup");
        results.Add(await CompareAsync("failed over (backup serves)", member, solo, keys, value, rounds, round));
        return results;
    }

    private static async Task<GroupCostFigures> CompareAsync(string phase, EngineLoad member, EngineLoad solo, string[] keys, byte[] value, int rounds, TimeSpan round)
    {
        await ThroughputRunner.RunAsync(member, keys, value, 16, round, 1);
        await ThroughputRunner.RunAsync(solo, keys, value, 16, round, 1);
        var memberOps = new List<double>();
        var soloOps = new List<double>();
        var ratios = new List<double>();
        long errors = 0;
        for (var i = 0; i < rounds; i++)
        {
            // Alternate who goes first, so the noise of a shared machine hits both alike.
            var first = i % 2 == 0 ? member : solo;
            var second = i % 2 == 0 ? solo : member;
            var a = await ThroughputRunner.RunAsync(first, keys, value, 16, round, (i * 100) + 3);
            var b = await ThroughputRunner.RunAsync(second, keys, value, 16, round, (i * 100) + 3);
            var (m, s) = i % 2 == 0 ? (a, b) : (b, a);
            memberOps.Add(m.OpsPerSecond);
            soloOps.Add(s.OpsPerSecond);
            ratios.Add(m.OpsPerSecond / s.OpsPerSecond);
            errors += m.Errors + s.Errors;
        }

        var figures = new GroupCostFigures(phase, Stats.Median(memberOps), Stats.Median(soloOps), Stats.Median(ratios), ratios.Min(), ratios.Max(), errors);
        Progress.Line($"group: cost {phase}: member/solo {figures.Ratio:0.000} (rounds {figures.RatioMin:0.000}–{figures.RatioMax:0.000}), errors {errors}");
        return figures;
    }

    private static async Task<long> TrafficAsync(FailoverEngine member, int index, CancellationToken stop)
    {
        long errors = 0;
        var value = Values.Payload(100, (byte)'T');
        var workers = Enumerable.Range(0, 2).Select(async worker =>
        {
            var key = $"grp:traffic:{index}:{worker}";
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    await member.SetAsync(key, value);
                    await member.GetAsync(key);
                }
                catch (Exception ex) when (!stop.IsCancellationRequested)
                {
                    if (Interlocked.Increment(ref errors) <= 3)
                    {
                        Progress.Line($"group: traffic error on app-{index + 1}: {ex.GetType().Name}: {ex.Message}");
                    }
                }
            }
        });
        await Task.WhenAll(workers);
        return errors;
    }

    private static FailoverOptions Options() => new()
    {
        TimeoutThresholdMs = Tuning.Failover.TimeoutMs,
        HealthCheckIntervalSeconds = 5,
        HealthCheckTimeoutSeconds = Tuning.Failover.ProbeTimeout.TotalSeconds,
        AutoRecoveryEnabled = false,
    };

    private static async Task<FailoverEngine> MemberAsync(ServerPair servers, string group, string id, bool carriesTraffic, FailoverOptions? options = null)
    {
        var engine = new FailoverEngine(
            new CacheServiceRegistration("primary", RedisCacheBackend.Create("primary", servers.Primary.ConnectionString)),
            [new CacheServiceRegistration("backup", RedisCacheBackend.Create("backup", servers.Backup.ConnectionString))],
            options ?? Options(),
            group: new FailoverGroupOptions { Name = group, MemberId = id, CarriesTraffic = carriesTraffic });
        await engine.StartAsync();
        await ReadyAsync(engine);
        return engine;
    }

    private static async Task<FailoverEngine> SoloAsync(ServerPair servers)
    {
        var engine = new FailoverEngine(
            new CacheServiceRegistration("primary", new NoGroupBackend(RedisCacheBackend.Create("primary", servers.Primary.ConnectionString))),
            [new CacheServiceRegistration("backup", new NoGroupBackend(RedisCacheBackend.Create("backup", servers.Backup.ConnectionString)))],
            Options());
        await engine.StartAsync();
        await ReadyAsync(engine);
        return engine;
    }

    /// <summary>Both services answer before any measurement.</summary>
    private static async Task ReadyAsync(FailoverEngine engine)
    {
        var deadline = Clock.Now + Clock.Ticks(TimeSpan.FromSeconds(10));
        while (true)
        {
            try
            {
                await engine.GetBackend("primary")!.PingAsync();
                await engine.GetBackend("backup")!.PingAsync();
                return;
            }
            catch (CacheBackendException) when (Clock.Now < deadline)
            {
                await Clock.Delay(TimeSpan.FromMilliseconds(20));
            }
        }
    }

    private static string Render(GroupFigures figures, IReadOnlyList<TargetCheck> targets, IReadOnlyList<string> notes)
    {
        var markdown = new Markdown().Heading("group: one decision, followed by every member");
        markdown.Table(
            ["decision (control-only member)", "reps", "answered p50 / max", "all members followed p50 / max", "spread p50 / max"],
            figures.Follow.Select(f => (IReadOnlyList<string>)
            [
                f.Decision,
                f.Repetitions.ToString(CultureInfo.InvariantCulture),
                $"{Markdown.F(f.AnsweredP50Ms)} / {Markdown.F(f.AnsweredMaxMs)} ms",
                $"{Markdown.F(f.AllFollowedP50Ms)} / {Markdown.F(f.AllFollowedMaxMs)} ms",
                $"{Markdown.F(f.SpreadP50Ms)} / {Markdown.F(f.SpreadMaxMs)} ms",
            ]));
        markdown.Table(
            ["phase", "member ops/s", "solo ops/s", "member ÷ solo (median of rounds)", "rounds min–max", "errors"],
            figures.Cost.Select(c => (IReadOnlyList<string>)
            [
                c.Phase,
                c.MemberOpsPerSecond.ToString("0", CultureInfo.InvariantCulture),
                c.SoloOpsPerSecond.ToString("0", CultureInfo.InvariantCulture),
                Markdown.F(c.Ratio, "0.000"),
                $"{Markdown.F(c.RatioMin, "0.000")}–{Markdown.F(c.RatioMax, "0.000")}",
                c.Errors.ToString(CultureInfo.InvariantCulture),
            ]));
        markdown.Table(
            ["outage under traffic", "reps", "first member on the backup p50 / max", "every member on the backup p50 / max", "spread p50 / max", "followed", "traffic errors"],
            figures.Outage.Select(o => (IReadOnlyList<string>)
            [
                o.Fault,
                o.Repetitions.ToString(CultureInfo.InvariantCulture),
                $"{Markdown.F(o.FirstP50Ms)} / {Markdown.F(o.FirstMaxMs)} ms",
                $"{Markdown.F(o.AllP50Ms)} / {Markdown.F(o.AllMaxMs)} ms",
                $"{Markdown.F(o.SpreadP50Ms)} / {Markdown.F(o.SpreadMaxMs)} ms",
                $"{o.FollowedShare * 100:0} %",
                o.Errors.ToString(CultureInfo.InvariantCulture),
            ]));
        markdown.Targets(targets);
        markdown.Bullets(notes);
        return markdown.ToString();
    }

    /// <summary>An engine as a load generator's contender.</summary>
    private sealed class EngineLoad(string name, FailoverEngine engine) : IContender
    {
        public FailoverEngine Engine => engine;

        public string Name => name;

        public string Configuration => name;

        public ValueTask<byte[]?> GetAsync(string key) => engine.GetAsync(key);

        public ValueTask SetAsync(string key, byte[] value) => engine.SetAsync(key, value);

        public ValueTask<bool> DeleteAsync(string key) => engine.DeleteAsync(key);

        public bool IsUnknownOutcome(Exception exception) => exception is not CacheOperationException operation || operation.Outcome == OperationOutcome.Unknown;

        public async Task ManualFailoverAsync() => await engine.TriggerManualFailoverAsync("bench", "backup");

        public Task StopAsync() => engine.StopAsync();

        public ValueTask DisposeAsync() => engine.DisposeAsync();
    }

    /// <summary>A backend seen without its group store: the engine over it keeps no group state (the cost suite's baseline).</summary>
    private sealed class NoGroupBackend(ICacheBackend inner) : ICacheBackend
    {
        public string Endpoint => inner.Endpoint;

        public event EventHandler<BackendConnectionEventArgs>? ConnectionStateChanged
        {
            add => inner.ConnectionStateChanged += value;
            remove => inner.ConnectionStateChanged -= value;
        }

        public BackendConnectionEventArgs? LastConnectionChange => inner.LastConnectionChange;

        public ValueTask<byte[]?> GetAsync(string key, CancellationToken cancellationToken = default) => inner.GetAsync(key, cancellationToken);

        public ValueTask SetAsync(string key, ReadOnlyMemory<byte> value, TimeSpan? timeToLive = null, CancellationToken cancellationToken = default) => inner.SetAsync(key, value, timeToLive, cancellationToken);

        public ValueTask<bool> DeleteAsync(string key, CancellationToken cancellationToken = default) => inner.DeleteAsync(key, cancellationToken);

        public ValueTask<bool> ExistsAsync(string key, CancellationToken cancellationToken = default) => inner.ExistsAsync(key, cancellationToken);

        public ValueTask<TimeSpan> PingAsync(CancellationToken cancellationToken = default) => inner.PingAsync(cancellationToken);

        public ValueTask<long> InvalidateAsync(IReadOnlyList<string> keys, CancellationToken cancellationToken = default) => inner.InvalidateAsync(keys, cancellationToken);

        public ValueTask FlushAsync(CancellationToken cancellationToken = default) => inner.FlushAsync(cancellationToken);

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
