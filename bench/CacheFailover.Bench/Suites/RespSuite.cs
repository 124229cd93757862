using System.Diagnostics;
using System.Globalization;
using System.Net;
using CacheFailover.Bench.Contenders;
using CacheFailover.Bench.Infrastructure;
using CacheFailover.Bench.Load;
using CacheFailover.Bench.Report;
using CacheFailover.Resp.Connections;
using CacheFailover.Resp.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CacheFailover.Bench.Suites;

/// <summary>One contender's redis-benchmark result for one test in one cell: median over rounds, ratio to direct from the same round.</summary>
internal sealed record RespFigures(string Contender, string Test, double RequestsPerSecond, double RatioToDirect, double RatioMin, double RatioMax, double P50Ms, double P99Ms, IReadOnlyList<double> Rounds);

internal sealed record RespCell(int ValueBytes, int Pipeline, IReadOnlyList<RespFigures> Contenders);

/// <summary>
/// One fault repetition through the front door: how long after the fault the first request started after it succeeded,
/// and how many failed; for a SIGKILL also when an independent observer saw the dead server's socket close (the
/// earliest any client could know) and when the engine switched, both from the fault (NaN when not seen).
/// </summary>
internal sealed record RespFaultRepetition(double FirstSuccessAfterFaultMs, long Requests, long Errors, long ErrorsAfterFirstSuccess, double SocketClosedMs = double.NaN, double EngineSwitchedMs = double.NaN);

internal sealed record RespFaultFigures(string Fault, int Workers, IReadOnlyList<RespFaultRepetition> Repetitions, double MedianFirstSuccessMs, double MaxFirstSuccessMs, long TotalErrors);

internal sealed record RespSuiteFigures(int Clients, int RequestsPerRound, int Rounds, IReadOnlyList<RespCell> Cells, IReadOnlyList<RespFaultFigures> Faults, IReadOnlyList<RespFailbackFigures> Failback, IReadOnlyList<string> EngineSwitchesDuringRun);

/// <summary>
/// The RESP front door against Redis itself, both driven by redis-benchmark (SET and GET, 50 clients,
/// 100 B and 4 KB, pipeline 1 and 16) in interleaved rounds whose order rotates, so that the noise of a
/// shared machine hits both alike. The front door runs in this process on Kestrel, in front of the
/// engine over the same two redis-servers (the process does nothing else meanwhile).
/// </summary>
internal static class RespSuite
{
    private const int Clients = 50;

    public static async Task<SuiteResult> RunAsync(BenchSettings settings)
    {
        var started = Clock.Now;
        Progress.Line("resp: starting primary and backup redis-server, the engine and the front door");
        var servers = await ServerPair.StartAsync();
        var engine = await EngineContender.CreateAsync(servers, Tuning.Failover);
        var frontDoor = await StartFrontDoorAsync(engine);
        var requests = settings.Quick ? 2_000 : 100_000;
        var rounds = settings.Quick ? 1 : 3;
        var ports = new Dictionary<string, int>
        {
            ["direct"] = servers.Primary.Port,
            ["front door"] = frontDoor.Port,
        };
        var peers = new List<ProxyProcess>();
        var missing = new List<string>();
        if (ProxyProcess.Find("nutcracker") is { } twemproxy)
        {
            var proxy = await ProxyProcess.StartTwemproxyAsync(twemproxy, servers.Primary.Port);
            peers.Add(proxy);
            ports["twemproxy"] = proxy.Port;
        }
        else
        {
            missing.Add("twemproxy (Debian nutcracker)");
        }

        if (ProxyProcess.Find("haproxy") is { } haproxy)
        {
            var proxy = await ProxyProcess.StartHaproxyAsync(haproxy, servers.Primary.Port, servers.Backup.Port);
            peers.Add(proxy);
            ports["haproxy"] = proxy.Port;
        }
        else
        {
            missing.Add("HAProxy");
        }
        var cells = new List<RespCell>();
        var faults = new List<RespFaultFigures>();
        var failback = new List<RespFailbackFigures>();
        List<string> switches;
        List<string> throughputSwitches = [];
        try
        {
            foreach (var size in new[] { 100, 4096 })
            {
                foreach (var pipeline in new[] { 1, 16 })
                {
                    cells.Add(await RunCellAsync(ports, size, pipeline, requests, rounds));
                }
            }

            throughputSwitches = engine.Events.Select(e => $"{e.Event.Kind} {e.Event.FromServiceId} -> {e.Event.ToServiceId ?? "-"} ({e.Event.Trigger}): {e.Event.Reason}").ToList();
            var keysPerType = settings.Quick ? 50 : 250;
            await EnsurePrimaryServesAsync(engine, "before the failback run");
            failback.Add(await RespFailback.RunAsync("front door", frontDoor.Port, servers, engine, keysPerType));
            Progress.Line($"resp: failback through the front door: {failback[^1]}");
            if (ports.TryGetValue("haproxy", out var haproxyPort))
            {
                failback.Add(await RespFailback.RunAsync("haproxy", haproxyPort, servers, null, keysPerType));
                Progress.Line($"resp: failback through HAProxy: {failback[^1]}");
            }

            foreach (var peer in peers)
            {
                // The fault runs restart the primary: the peers, which hold connections to it, are done.
                await peer.DisposeAsync();
            }

            peers.Clear();
            foreach (var fault in new[] { "SIGKILL", "SIGSTOP" })
            {
                faults.Add(await RunFaultAsync(fault, servers, engine, frontDoor.Port, settings));
            }
        }
        finally
        {
            switches = engine.Events.Select(e => $"{e.Event.Kind} {e.Event.FromServiceId} -> {e.Event.ToServiceId ?? "-"} ({e.Event.Trigger}): {e.Event.Reason}").ToList();
            foreach (var peer in peers)
            {
                await peer.DisposeAsync();
            }

            await frontDoor.App.StopAsync();
            await frontDoor.App.DisposeAsync();
            await engine.StopAsync();
            await servers.DisposeAsync();
            await engine.DisposeAsync();
        }

        var figures = new RespSuiteFigures(Clients, requests, rounds, cells, faults, failback, switches);
        var targets = Judge(settings, figures);
        var contenders = new Dictionary<string, string>
        {
            ["direct"] = "direct: redis-benchmark against the primary redis-server itself",
            ["twemproxy"] = "twemproxy: Debian nutcracker 0.5.0 in front of the primary (redis: true, one server connection, auto_eject_hosts false)",
            ["haproxy"] = "haproxy: Debian HAProxy 2.6 in TCP mode, primary + backup server, PING check every 100 ms, on-marked-down shutdown-sessions",
            ["front door"] = "front door: redis-benchmark against CacheFailover.Resp on Kestrel (loopback), in front of FailoverEngine over RedisCacheBackend primary and backup (timeout_threshold_ms 100, probes every 0.25 s); GET and plain SET take the engine's typed operations, everything else its generic command path",
        };
        var notes = new List<string>
        {
            string.Create(CultureInfo.InvariantCulture, $"redis-benchmark -q --csv -t set,get -c {Clients} -n {requests} -d <value> -P <pipeline>; {rounds} round(s), the contenders' order rotating each round; ratio = front door ÷ direct in the same round, median over rounds (min–max)."),
            missing.Count == 0 ? "twemproxy and HAProxy ran in the same rounds as the others." : $"Not installed here, so not in this run: {string.Join(", ", missing)}; the targets then use the issue's figures for it (twemproxy 0.91 at pipeline 1).",
            string.Create(CultureInfo.InvariantCulture, $"Faults: {settings.FailoverWorkers} workers, each on its own connection to the front door, alternating SET and GET (both safe to repeat) of 100 B values; after {settings.FailoverWarmup.TotalSeconds:0.#} s the primary is killed (SIGKILL) or frozen (SIGSTOP); first success = the first request started after the fault that succeeded (the primary cannot have served it), measured from the fault; the run then goes on for {settings.FailoverWindow.TotalSeconds:0.#} s. Between repetitions the primary is restarted or resumed and the engine recovered to it by hand."),
            "SIGKILL, 'socket seen closed': a plain connection to the primary, read by a dedicated thread, notes when the kernel closes the killed server's socket (the earliest any client can know); 'engine switched': when the engine recorded its failover. First success minus the first is the engine's and StackExchange.Redis's share; the first repetition is the process's first failover on a connection failure (docs/resp.md, Performance, says where its extra time goes).",
            "Failback: keys of four types (string, hash, list, set) written \"old\" through the contender; the primary frozen (SIGSTOP) until the contender serves the backup (the engine on its own probes; HAProxy on its checks); half the keys rewritten, half deleted through it; the primary resumed (the engine recovered by hand; HAProxy on its checks); every key read back through the contender: a read of \"old\" is stale (rewritten keys, I1) or resurrected (deleted keys, I2).",
            throughputSwitches.Count == 0 ? "The engine stayed on the primary through every throughput cell." : $"**The engine switched during the healthy throughput cells** ({throughputSwitches.Count}): {string.Join("; ", throughputSwitches)}",
            $"Every switch of the run, the faults' failovers and the recoveries between repetitions included: {(switches.Count == 0 ? "none" : string.Join("; ", switches))}",
        };
        var seconds = Clock.Ms(Clock.Now - started) / 1000;
        return new SuiteResult("resp", seconds, figures, targets, contenders, notes, Render(figures, targets, contenders, notes));
    }

    private static async Task<RespFaultFigures> RunFaultAsync(string fault, ServerPair servers, EngineContender engine, int port, BenchSettings settings)
    {
        var repetitions = new List<RespFaultRepetition>();
        for (var repetition = 0; repetition < settings.FailoverRepetitions; repetition++)
        {
            await EnsurePrimaryServesAsync(engine, $"before {fault} repetition {repetition + 1}");
            var load = new RespFaultLoad(port, settings.FailoverWorkers, 100);
            await Clock.Delay(settings.FailoverWarmup);
            if (engine.Engine.ActiveServiceId != engine.Engine.PrimaryServiceId)
            {
                // The measurement needs traffic on the primary when the fault hits: the warm-up moved it.
                await load.StopAsync();
                throw new InvalidOperationException($"resp {fault} repetition {repetition + 1}: the engine left the primary during the warm-up ('{engine.Engine.ActiveServiceId}' serves, {engine.Engine.Status}).");
            }

            using var watch = fault == "SIGKILL" ? SocketCloseWatch.Start(servers.Primary.Port) : null;
            var faultAt = Clock.Now;
            if (fault == "SIGKILL")
            {
                servers.Primary.Kill();
            }
            else
            {
                servers.Primary.Stop();
            }

            await Clock.Delay(settings.FailoverWindow);
            var records = await load.StopAsync();
            var after = records.Where(r => r.Started >= faultAt).ToList();
            var first = after.FirstOrDefault(r => r.Success);
            var firstMs = first == default ? double.PositiveInfinity : Clock.Ms(first.Ended - faultAt);
            var errors = records.LongCount(r => !r.Success);
            var errorsLater = first == default ? 0 : records.LongCount(r => !r.Success && r.Started > first.Ended);
            var closedMs = watch?.ClosedAt(TimeSpan.FromSeconds(1)) is { } closedAt ? Math.Round(Clock.Ms(closedAt - faultAt), 2) : double.NaN;
            var switchedMs = engine.Events.Where(e => e.Timestamp >= faultAt).Select(e => Math.Round(Clock.Ms(e.Timestamp - faultAt), 2)).DefaultIfEmpty(double.NaN).First();
            repetitions.Add(new RespFaultRepetition(Math.Round(firstMs, 2), records.Count, errors, errorsLater, closedMs, switchedMs));
            Progress.Line(string.Create(CultureInfo.InvariantCulture, $"resp: {fault} repetition {repetition + 1}/{settings.FailoverRepetitions}: first success {firstMs:0.0} ms after the fault (socket seen closed {closedMs:0.0} ms, engine switched {switchedMs:0.0} ms), {errors} error(s) in {records.Count} requests"));

            // Back to the healthy start: the primary up again (empty after a kill) and serving.
            if (fault == "SIGKILL")
            {
                await servers.Primary.RestartAsync();
            }
            else
            {
                servers.Primary.Resume();
            }

            await EnsurePrimaryServesAsync(engine, $"after {fault} repetition {repetition + 1}");
        }

        return new RespFaultFigures(
            fault,
            settings.FailoverWorkers,
            repetitions,
            Stats.Median(repetitions.Select(r => r.FirstSuccessAfterFaultMs)),
            Stats.Max(repetitions.Select(r => r.FirstSuccessAfterFaultMs)),
            repetitions.Sum(r => r.Errors));
    }

    /// <summary>Recovers to the primary by hand (flushing it: it may be a fresh, empty server) until it serves; says so on stderr.</summary>
    private static async Task EnsurePrimaryServesAsync(EngineContender engine, string when)
    {
        string? refusal = null;
        for (var attempt = 0; attempt < 50 && engine.Engine.ActiveServiceId != engine.Engine.PrimaryServiceId; attempt++)
        {
            refusal = (await engine.Engine.TriggerManualRecoveryAsync("resp bench: back to the primary", flushDirtyPrimary: true)).RefusalReason;
            if (refusal is not null)
            {
                await Clock.Delay(TimeSpan.FromMilliseconds(200));
            }
        }

        if (engine.Engine.ActiveServiceId != engine.Engine.PrimaryServiceId)
        {
            throw new InvalidOperationException($"resp {when}: the engine could not be recovered to the primary ({refusal}).");
        }

        Progress.Line($"resp: {when}: {engine.Engine.ActiveServiceId} serves ({engine.Engine.Status})");
    }

    private static async Task<(WebApplication App, int Port)> StartFrontDoorAsync(EngineContender engine)
    {
        var options = new RespFrontDoorOptions { Endpoint = new IPEndPoint(IPAddress.Loopback, 0) };
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(engine.Engine);
        builder.Services.AddRespFrontDoor(options);
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.ListenRespFrontDoor(options));
        var app = builder.Build();
        await app.StartAsync();
        return (app, ((IPEndPoint)app.Services.GetRequiredService<RespConnections>().ListeningOn!).Port);
    }

    private static async Task<RespCell> RunCellAsync(Dictionary<string, int> ports, int size, int pipeline, int requests, int rounds)
    {
        var names = ports.Keys.ToArray();
        var samples = names.ToDictionary(n => n, _ => new List<Dictionary<string, (double Rps, double P50, double P99)>>());
        for (var round = 0; round < rounds; round++)
        {
            for (var i = 0; i < names.Length; i++)
            {
                var name = names[(i + round) % names.Length];
                samples[name].Add(await RunBenchmarkAsync(ports[name], size, pipeline, requests));
            }

            Progress.Line(string.Create(CultureInfo.InvariantCulture, $"resp: {size} B, pipeline {pipeline}, round {round + 1}/{rounds}: {string.Join(", ", names.Select(n => $"{n} SET {samples[n][round]["SET"].Rps:0} GET {samples[n][round]["GET"].Rps:0}"))}"));
        }

        var figures = new List<RespFigures>();
        foreach (var name in names)
        {
            foreach (var test in new[] { "SET", "GET" })
            {
                var mine = samples[name].Select(r => r[test]).ToList();
                var ratios = mine.Select((s, r) => s.Rps / samples["direct"][r][test].Rps).ToList();
                figures.Add(new RespFigures(name, test, Stats.Median(mine.Select(s => s.Rps)), Stats.Median(ratios), ratios.Min(), ratios.Max(), Stats.Median(mine.Select(s => s.P50)), Stats.Median(mine.Select(s => s.P99)), [.. mine.Select(s => Math.Round(s.Rps))]));
            }
        }

        return new RespCell(size, pipeline, figures);
    }

    /// <summary>One redis-benchmark run; its CSV lines: "test","rps","avg","min","p50","p95","p99","max".</summary>
    private static async Task<Dictionary<string, (double Rps, double P50, double P99)>> RunBenchmarkAsync(int port, int size, int pipeline, int requests)
    {
        var info = new ProcessStartInfo("timeout") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        // redis-benchmark spins forever against a dead port: always bounded.
        foreach (var argument in new[] { "120", "redis-benchmark", "-h", "127.0.0.1", "-p", port.ToString(CultureInfo.InvariantCulture), "-q", "--csv", "-t", "set,get", "-c", Clients.ToString(CultureInfo.InvariantCulture), "-n", requests.ToString(CultureInfo.InvariantCulture), "-d", size.ToString(CultureInfo.InvariantCulture), "-P", pipeline.ToString(CultureInfo.InvariantCulture) })
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        var result = new Dictionary<string, (double, double, double)>();
        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var fields = line.Split(',').Select(f => f.Trim('"')).ToArray();
            if (fields.Length >= 7 && fields[0] is "SET" or "GET" && double.TryParse(fields[1], CultureInfo.InvariantCulture, out var rps))
            {
                result[fields[0]] = (rps, double.Parse(fields[4], CultureInfo.InvariantCulture), double.Parse(fields[6], CultureInfo.InvariantCulture));
            }
        }

        if (result.Count != 2)
        {
            throw new InvalidOperationException($"redis-benchmark on port {port} (exit {process.ExitCode}) printed no SET and GET results:\n{output}");
        }

        return result;
    }

    private static List<TargetCheck> Judge(BenchSettings settings, RespSuiteFigures figures)
    {
        bool? Verdict(bool met) => settings.Quick ? null : met;
        var targets = new List<TargetCheck>();
        foreach (var cell in figures.Cells)
        {
            var door = cell.Contenders.Where(c => c.Contender == "front door").ToList();
            var worst = door.Min(c => c.RatioToDirect);
            var peers = cell.Contenders.Where(c => c.Contender is "twemproxy" or "haproxy").ToList();
            var twemproxy = cell.Contenders.Where(c => c.Contender == "twemproxy").Select(c => c.RatioToDirect).DefaultIfEmpty(0.91).Min();
            var best = peers.Select(c => c.RatioToDirect).DefaultIfEmpty(0).Max();
            var (target, threshold) = cell.Pipeline == 1
                ? (string.Create(CultureInfo.InvariantCulture, $"at least twemproxy's ratio ({twemproxy:0.00})"), twemproxy)
                : (string.Create(CultureInfo.InvariantCulture, $"≥ 0.6 of direct and above twemproxy and HAProxy ({best:0.00})"), Math.Max(0.6, best));
            targets.Add(new TargetCheck(
                $"front door, pipeline {cell.Pipeline}, {cell.ValueBytes} B: {target}",
                string.Join("; ", door.Select(c => string.Create(CultureInfo.InvariantCulture, $"{c.Test} {c.RatioToDirect:0.00} ({c.RatioMin:0.00}–{c.RatioMax:0.00})"))),
                Verdict(worst >= threshold)));
        }

        foreach (var fault in figures.Faults)
        {
            var (limit, label) = fault.Fault == "SIGKILL" ? (15.0, "≤ 15 ms") : (150.0, "≤ 150 ms at a 100 ms deadline");
            targets.Add(new TargetCheck(
                $"through the front door, primary {fault.Fault}: first success on the backup {label}, 0 client errors (repeat-safe commands)",
                string.Create(CultureInfo.InvariantCulture, $"median {fault.MedianFirstSuccessMs:0.0} ms, max {fault.MaxFirstSuccessMs:0.0} ms; {fault.TotalErrors} error(s)"),
                Verdict(fault.MaxFirstSuccessMs <= limit && fault.TotalErrors == 0)));
        }

        foreach (var run in figures.Failback.Where(f => f.Contender == "front door"))
        {
            targets.Add(new TargetCheck(
                "failback through the front door (strings, hashes, lists, sets): 0 stale, 0 resurrected",
                $"{run.StaleReads} stale of {run.Overwritten}, {run.Resurrected} resurrected of {run.Deleted}; {run.ClientErrors} client error(s)",
                Verdict(run.StaleReads == 0 && run.Resurrected == 0)));
        }

        return targets;
    }

    private static string Render(RespSuiteFigures figures, IReadOnlyList<TargetCheck> targets, IReadOnlyDictionary<string, string> contenders, IReadOnlyList<string> notes)
    {
        var markdown = new Markdown().Heading($"resp: redis-benchmark SET/GET, {figures.Clients} clients, through the front door vs direct");
        markdown.Table(
            ["value", "pipeline", "test", "contender", "requests/s (median)", "ratio to direct", "p50 ms", "p99 ms"],
            figures.Cells.SelectMany(cell => cell.Contenders.OrderBy(c => c.Test, StringComparer.Ordinal).Select(c => (IReadOnlyList<string>)
            [
                $"{cell.ValueBytes} B",
                cell.Pipeline.ToString(CultureInfo.InvariantCulture),
                c.Test,
                c.Contender,
                Markdown.F(c.RequestsPerSecond, "0"),
                c.Contender == "direct" ? "1.00" : $"{Markdown.F(c.RatioToDirect, "0.00")} ({Markdown.F(c.RatioMin, "0.00")}–{Markdown.F(c.RatioMax, "0.00")})",
                Markdown.F(c.P50Ms, "0.000"),
                Markdown.F(c.P99Ms, "0.000"),
            ])));
        markdown.Subheading("faults under load, through the front door");
        markdown.Table(
            ["fault", "workers", "first success after the fault, per repetition (ms)", "killed server's socket seen closed by an observer / engine switched (ms)", "median / max ms", "errors (per repetition)"],
            figures.Faults.Select(f => (IReadOnlyList<string>)
            [
                f.Fault,
                f.Workers.ToString(CultureInfo.InvariantCulture),
                string.Join(", ", f.Repetitions.Select(r => Markdown.F(r.FirstSuccessAfterFaultMs))),
                f.Fault == "SIGKILL" ? string.Join(", ", f.Repetitions.Select(r => $"{Markdown.F(r.SocketClosedMs)} / {Markdown.F(r.EngineSwitchedMs)}")) : "-",
                $"{Markdown.F(f.MedianFirstSuccessMs)} / {Markdown.F(f.MaxFirstSuccessMs)}",
                string.Join(", ", f.Repetitions.Select(r => r.Errors.ToString(CultureInfo.InvariantCulture))),
            ]));
        markdown.Subheading("failback: keys written and deleted while the backup served, read after the primary serves again");
        markdown.Table(
            ["contender", "keys per type", "stale reads", "resurrected deletes", "client errors during the failover", "how it came back"],
            figures.Failback.Select(f => (IReadOnlyList<string>)
            [
                f.Contender,
                f.KeysPerType.ToString(CultureInfo.InvariantCulture),
                $"{f.StaleReads} / {f.Overwritten}",
                $"{f.Resurrected} / {f.Deleted}",
                f.ClientErrors.ToString(CultureInfo.InvariantCulture),
                f.Notes,
            ]));
        markdown.Subheading("targets");
        markdown.Targets(targets);
        markdown.Subheading("how each contender was configured");
        markdown.Bullets(contenders.Values);
        markdown.Bullets(notes);
        return markdown.ToString();
    }
}
