using System.Globalization;
using CacheFailover.Bench.Contenders;
using CacheFailover.Bench.Infrastructure;
using CacheFailover.Bench.Load;
using CacheFailover.Bench.Report;
using HdrHistogram;

namespace CacheFailover.Bench.Suites;

/// <summary>One contender in one cell: throughput (median of rounds), its ratio to direct (median of per-round ratios) and latency percentiles.</summary>
internal sealed record ContenderFigures(
    string Contender,
    double OpsPerSecond,
    double RatioToDirect,
    double RatioToDirectMin,
    double RatioToDirectMax,
    double P50Us,
    double P99Us,
    double P999Us,
    double ClientCpuUsPerOp,
    double AllocatedBytesPerOp,
    long Operations,
    long Errors,
    IReadOnlyList<double> RoundOpsPerSecond);

/// <summary>One (value size, concurrency) cell.</summary>
internal sealed record OverheadCell(int ValueBytes, int Concurrency, IReadOnlyList<ContenderFigures> Contenders);

internal sealed record OverheadFigures(
    string Mix,
    int Keys,
    int Rounds,
    double RoundSeconds,
    IReadOnlyList<OverheadCell> Cells,
    MicroFigures Micro,
    IReadOnlyList<string> EngineSwitchesDuringRun,
    IReadOnlyList<string> GroupSwitchesDuringRun);

/// <summary>
/// Healthy overhead: every contender on the same two servers, keys, values and concurrency, in
/// interleaved rounds (the order rotates every round) so that the noise of a shared machine hits
/// all of them alike; ratios are taken within a round, then the median over rounds.
/// </summary>
internal static class OverheadSuite
{
    public static async Task<SuiteResult> RunAsync(BenchSettings settings)
    {
        var started = Clock.Now;
        Progress.Line("overhead: starting primary and backup redis-server");
        var servers = await ServerPair.StartAsync();
        var keys = Values.Keys("ovh", settings.OverheadKeys);
        var direct = await DirectContender.CreateAsync(servers.Primary.ConnectionString);
        var group = await GroupContender.CreateAsync(servers, Tuning.Failover);
        var engine = await EngineContender.CreateAsync(servers, Tuning.Failover);
        IContender[] contenders = [direct, group, engine];
        var cells = new List<OverheadCell>();
        List<string> engineSwitches;
        List<string> groupSwitches;
        try
        {
            foreach (var size in settings.ValueSizes)
            {
                var value = Values.Payload(size, (byte)'P');
                await ServerPair.SeedAsync(servers.PrimarySetup, keys, value);
                await ServerPair.SeedAsync(servers.BackupSetup, keys, value);
                foreach (var concurrency in settings.Concurrency)
                {
                    cells.Add(await RunCellAsync(settings, contenders, keys, value, concurrency));
                }
            }
        }
        finally
        {
            // Taken before teardown: killing the servers makes every contender see its connections drop.
            engineSwitches = engine.Events.Select(e => $"{e.Event.Kind} {e.Event.FromServiceId} -> {e.Event.ToServiceId ?? "-"} ({e.Event.Trigger}): {e.Event.Reason}").ToList();
            groupSwitches = group.Changes.Where(c => c.Change.StartsWith("ActiveChanged", StringComparison.Ordinal)).Select(c => c.Change).ToList();
            foreach (var contender in contenders)
            {
                await contender.StopAsync();
            }

            await servers.DisposeAsync();
            foreach (var contender in contenders)
            {
                await contender.DisposeAsync();
            }
        }

        var micro = MicroBenchmarks.Run(settings);
        var figures = new OverheadFigures("50 % GET / 50 % SET, uniform keys", keys.Length, settings.OverheadRounds, settings.OverheadRound.TotalSeconds, cells, micro, engineSwitches, groupSwitches);
        var targets = Judge(settings, figures);
        var contenderConfig = contenders.ToDictionary(c => c.Name, c => c.Configuration);
        var notes = new List<string>
        {
            $"Closed loop: N workers with one operation in flight each; {figures.Mix} over {keys.Length} keys pre-written to both servers; each round runs each contender for {figures.RoundSeconds:0.###} s, rotating the order; {figures.Rounds} round(s) after a warm-up.",
            "ratio = contender ops/s ÷ direct ops/s in the same round; the table shows the median over rounds (min–max in brackets). Latency percentiles are over all rounds' operations. Client CPU µs/op: this process's CPU time per operation (the redis-servers excluded; the engine's and the group's background probes included for every contender alike); allocated B/op: managed allocations per operation, process-wide (the load generator's own share is the same for all). Both are medians over rounds and are much less sensitive to a noisy neighbour than throughput.",
            engineSwitches.Count == 0 ? "The engine stayed on the primary throughout (no failover on a healthy run)." : $"The engine switched {engineSwitches.Count} time(s) during this healthy run: {string.Join("; ", engineSwitches)}",
            groupSwitches.Count == 0 ? "The group stayed on the primary throughout." : $"The group switched {groupSwitches.Count} time(s) during this healthy run: {string.Join("; ", groupSwitches)}",
        };
        var seconds = Clock.Ms(Clock.Now - started) / 1000;
        return new SuiteResult("overhead", seconds, figures, targets, contenderConfig, notes, Render(figures, targets, contenderConfig, notes));
    }

    private static async Task<OverheadCell> RunCellAsync(BenchSettings settings, IContender[] contenders, string[] keys, byte[] value, int concurrency)
    {
        Progress.Line($"overhead: {value.Length} B, {concurrency} in flight: warm-up");
        foreach (var contender in contenders)
        {
            await ThroughputRunner.RunAsync(contender, keys, value, concurrency, settings.OverheadWarmup, 1);
        }

        var samples = contenders.ToDictionary(c => c.Name, _ => new List<ThroughputSample>());
        for (var round = 0; round < settings.OverheadRounds; round++)
        {
            for (var i = 0; i < contenders.Length; i++)
            {
                var contender = contenders[(i + round) % contenders.Length];
                samples[contender.Name].Add(await ThroughputRunner.RunAsync(contender, keys, value, concurrency, settings.OverheadRound, (round * 1000) + 7));
            }

            Progress.Line(string.Create(CultureInfo.InvariantCulture, $"overhead: {value.Length} B, {concurrency} in flight, round {round + 1}/{settings.OverheadRounds}: {string.Join(", ", contenders.Select(c => $"{c.Name} {samples[c.Name][round].OpsPerSecond:0} ops/s"))}"));
        }

        var directRounds = samples["direct"];
        var figures = contenders.Select(contender =>
        {
            var rounds = samples[contender.Name];
            var ratios = rounds.Select((s, r) => s.OpsPerSecond / directRounds[r].OpsPerSecond).ToList();
            var latency = ThroughputRunner.NewHistogram();
            foreach (var sample in rounds)
            {
                latency.Add(sample.Latency);
            }

            return new ContenderFigures(
                contender.Name,
                Stats.Median(rounds.Select(s => s.OpsPerSecond)),
                Stats.Median(ratios),
                ratios.Min(),
                ratios.Max(),
                Us(latency, 50),
                Us(latency, 99),
                Us(latency, 99.9),
                Stats.Median(rounds.Select(s => s.CpuMicrosecondsPerOp)),
                Stats.Median(rounds.Select(s => s.AllocatedBytesPerOp)),
                rounds.Sum(s => s.Operations),
                rounds.Sum(s => s.Errors),
                rounds.Select(s => Math.Round(s.OpsPerSecond, 1)).ToList());
        }).ToList();
        return new OverheadCell(value.Length, concurrency, figures);
    }

    private static double Us(LongHistogram histogram, double percentile) =>
        histogram.TotalCount == 0 ? double.NaN : histogram.GetValueAtPercentile(percentile) / 10.0;

    private static List<TargetCheck> Judge(BenchSettings settings, OverheadFigures figures)
    {
        bool? Verdict(bool met) => settings.Quick ? null : met;
        var targets = new List<TargetCheck>();
        foreach (var cell in figures.Cells.Where(c => c.Concurrency >= 16))
        {
            var engine = cell.Contenders.Single(c => c.Contender == "engine");
            targets.Add(new TargetCheck(
                $"engine throughput ≥ 97 % of direct ({cell.ValueBytes} B, {cell.Concurrency} in flight)",
                string.Create(CultureInfo.InvariantCulture, $"{engine.RatioToDirect:P1} (rounds {engine.RatioToDirectMin:P1}–{engine.RatioToDirectMax:P1})"),
                Verdict(engine.RatioToDirect >= 0.97)));
        }

        foreach (var cell in figures.Cells)
        {
            var engine = cell.Contenders.Single(c => c.Contender == "engine");
            var group = cell.Contenders.Single(c => c.Contender == "group");
            var beats = engine.RatioToDirect >= group.RatioToDirect && engine.P50Us <= group.P50Us && engine.P99Us <= group.P99Us && engine.P999Us <= group.P999Us;
            targets.Add(new TargetCheck(
                $"engine beats group on throughput, p50, p99, p99.9 ({cell.ValueBytes} B, {cell.Concurrency} in flight)",
                string.Create(CultureInfo.InvariantCulture, $"ratio {engine.RatioToDirect:P1} vs {group.RatioToDirect:P1}; p50 {engine.P50Us:0.0} vs {group.P50Us:0.0} µs; p99 {engine.P99Us:0.0} vs {group.P99Us:0.0} µs; p99.9 {engine.P999Us:0.0} vs {group.P999Us:0.0} µs"),
                Verdict(beats)));
        }

        var micro = figures.Micro;
        targets.Add(new TargetCheck(
            "micro: engine adds ≤ 200 ns per operation (GET, SET)",
            string.Create(CultureInfo.InvariantCulture, $"GET +{micro.GetAddedNs:0.0} ns, SET +{micro.SetAddedNs:0.0} ns"),
            Verdict(micro.GetAddedNs <= 200 && micro.SetAddedNs <= 200)));
        targets.Add(new TargetCheck(
            "micro: engine allocates 0 bytes per operation beyond the backend (GET, SET)",
            string.Create(CultureInfo.InvariantCulture, $"GET +{micro.GetAddedBytes} B, SET +{micro.SetAddedBytes} B"),
            micro.GetAddedBytes < 0 || micro.SetAddedBytes < 0 ? null : Verdict(micro.GetAddedBytes == 0 && micro.SetAddedBytes == 0)));
        return targets;
    }

    private static string Render(OverheadFigures figures, IReadOnlyList<TargetCheck> targets, IReadOnlyDictionary<string, string> contenders, IReadOnlyList<string> notes)
    {
        var markdown = new Markdown().Heading("overhead (healthy): GET/SET mix on loopback redis-server");
        markdown.Table(
            ["value", "in flight", "contender", "ops/s (median)", "ratio to direct", "p50 µs", "p99 µs", "p99.9 µs", "client CPU µs/op", "allocated B/op", "errors"],
            figures.Cells.SelectMany(cell => cell.Contenders.Select(c => (IReadOnlyList<string>)
            [
                $"{cell.ValueBytes} B",
                cell.Concurrency.ToString(CultureInfo.InvariantCulture),
                c.Contender,
                Markdown.F(c.OpsPerSecond, "0"),
                c.Contender == "direct" ? "1.000" : $"{Markdown.F(c.RatioToDirect, "0.000")} ({Markdown.F(c.RatioToDirectMin, "0.000")}–{Markdown.F(c.RatioToDirectMax, "0.000")})",
                Markdown.F(c.P50Us),
                Markdown.F(c.P99Us),
                Markdown.F(c.P999Us),
                Markdown.F(c.ClientCpuUsPerOp, "0.00"),
                Markdown.F(c.AllocatedBytesPerOp, "0"),
                c.Errors.ToString(CultureInfo.InvariantCulture),
            ])));
        markdown.Subheading($"micro benchmark (BenchmarkDotNet, in-process, job {figures.Micro.Job}): engine routing over the in-memory backend vs the backend alone");
        markdown.Table(
            ["operation", "backend ns/op", "engine ns/op", "engine adds", "backend B/op", "engine B/op", "engine adds (B)"],
            [
                MicroRow("GET", figures.Micro, "BackendGet", "EngineGet", figures.Micro.GetAddedNs, figures.Micro.GetAddedBytes),
                MicroRow("SET", figures.Micro, "BackendSet", "EngineSet", figures.Micro.SetAddedNs, figures.Micro.SetAddedBytes),
            ]);
        markdown.Subheading("targets");
        markdown.Targets(targets);
        markdown.Subheading("how each contender was configured");
        markdown.Bullets(contenders.Values);
        markdown.Bullets(notes);
        return markdown.ToString();
    }

    private static IReadOnlyList<string> MicroRow(string name, MicroFigures micro, string backend, string engine, double addedNs, long addedBytes)
    {
        var b = micro.Benchmarks.FirstOrDefault(f => f.Method == backend);
        var e = micro.Benchmarks.FirstOrDefault(f => f.Method == engine);
        return
        [
            name,
            $"{Markdown.F(b?.NanosecondsPerOp ?? double.NaN)} ± {Markdown.F(b?.NanosecondsStdDev ?? double.NaN)}",
            $"{Markdown.F(e?.NanosecondsPerOp ?? double.NaN)} ± {Markdown.F(e?.NanosecondsStdDev ?? double.NaN)}",
            $"{Markdown.F(addedNs)} ns",
            (b?.BytesPerOp ?? -1).ToString(CultureInfo.InvariantCulture),
            (e?.BytesPerOp ?? -1).ToString(CultureInfo.InvariantCulture),
            addedBytes.ToString(CultureInfo.InvariantCulture),
        ];
    }
}
