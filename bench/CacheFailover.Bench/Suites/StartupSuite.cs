using System.Diagnostics;
using System.Globalization;
using CacheFailover.Bench.Infrastructure;
using CacheFailover.Bench.Report;

namespace CacheFailover.Bench.Suites;

/// <summary>One cold start of the server: milliseconds from spawn to each answer, and the peak resident set.</summary>
internal sealed record StartupRun(double InitializeMs, double ToolsListMs, double FirstCallMs, double PeakRssMiB);

/// <summary>The runs of one build, summarised.</summary>
internal sealed record StartupBuildFigures(
    string Build,
    string Command,
    int Runs,
    double InitializeMedianMs,
    double ToolsListMedianMs,
    double ToolsListP90Ms,
    double FirstCallMedianMs,
    double FirstCallP90Ms,
    double PeakRssMedianMiB,
    double PeakRssP90MiB,
    IReadOnlyList<StartupRun> Samples);

internal sealed record StartupFigures(IReadOnlyList<StartupBuildFigures> Builds, double ToolsListRatio, double PeakRssRatio);

/// <summary>
/// How fast the stdio server answers a client that has just started it, as an assistant does at every
/// session: spawn → <c>initialize</c> → <c>tools/list</c> → the first <c>tools/call</c>
/// (<c>get_cache_failover_status</c>), on the embedded in-memory pair, for the Native AOT binary and the
/// framework-dependent build (<c>dotnet CacheFailoverMcp.dll</c>, Release), runs interleaved in the
/// same session; peak RSS is the process's VmHWM from /proc after the first call.
/// </summary>
internal static class StartupSuite
{
    private const string Initialize = """{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"bench","version":"1"}}}""";
    private const string Initialized = """{"jsonrpc":"2.0","method":"notifications/initialized"}""";
    private const string ToolsList = """{"jsonrpc":"2.0","id":2,"method":"tools/list"}""";
    private const string FirstCall = """{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"get_cache_failover_status","arguments":{}}}""";
    private const double ToolsListTargetMs = 50;
    private const double PeakRssTargetMiB = 30;
    private static readonly TimeSpan AnswerTimeout = TimeSpan.FromSeconds(30);

    public static async Task<SuiteResult> RunAsync(BenchSettings settings, string? aotBinary)
    {
        var started = Clock.Now;
        var root = RepoPaths.Root();
        var aot = aotBinary is null ? await PublishAotAsync(root) : Path.GetFullPath(aotBinary);
        var dll = await BuildFrameworkDependentAsync(root);
        var builds = new (string Name, string Command, string[] Arguments)[]
        {
            ("native AOT", aot, []),
            ("framework-dependent", "dotnet", [dll]),
        };

        // One start of each first, not counted: the files are then in the page cache, as they are for
        // every start after a machine's first; runs alternate so that load on this shared VM hits both.
        foreach (var build in builds)
        {
            await StartOnceAsync(build.Command, build.Arguments);
        }

        var samples = builds.Select(_ => new List<StartupRun>()).ToArray();
        for (var run = 0; run < settings.StartupRuns; run++)
        {
            for (var b = 0; b < builds.Length; b++)
            {
                samples[b].Add(await StartOnceAsync(builds[b].Command, builds[b].Arguments));
            }

            Progress.Line(string.Create(CultureInfo.InvariantCulture, $"startup: run {run + 1}/{settings.StartupRuns}: {string.Join("; ", builds.Select((b, i) => $"{b.Name} tools/list {samples[i][^1].ToolsListMs:0.0} ms, {samples[i][^1].PeakRssMiB:0.0} MiB"))}"));
        }

        var figures = builds.Select((b, i) => Summarise(b.Name, string.Join(' ', [Relative(root, b.Command), .. b.Arguments.Select(a => Relative(root, a))]), samples[i])).ToList();
        var result = new StartupFigures(
            figures,
            figures[1].ToolsListMedianMs / figures[0].ToolsListMedianMs,
            figures[1].PeakRssMedianMiB / figures[0].PeakRssMedianMiB);
        var targets = Judge(settings, result);
        var contenders = figures.ToDictionary(f => f.Build, f => f.Command);
        var notes = new List<string>
        {
            "Each run starts the stdio server on the embedded in-memory pair with a clean environment, writes initialize, then notifications/initialized and tools/list, then a tools/call of get_cache_failover_status, each after the previous answer; times are from just before the spawn to each answer's line on stdout.",
            "Peak RSS: VmHWM of /proc/PID/status after the first call's answer (file-backed pages of the executable included). MiB = 2^20 bytes.",
            "One unmeasured start of each build first (files in the page cache, as for every start after a machine's first); then the builds alternate run by run. p90 is the nearest-rank 90th percentile.",
        };
        return new SuiteResult("startup", Clock.MsSince(started) / 1000, result, targets, contenders, notes, Render(result, targets, notes));
    }

    private static async Task<StartupRun> StartOnceAsync(string command, string[] arguments)
    {
        var info = new ProcessStartInfo(command)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var key in info.Environment.Keys.Where(k => k.StartsWith("CACHEFAILOVER", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            info.Environment.Remove(key);
        }

        var spawned = Clock.Now;
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {command}");
        // stderr carries the server's log lines: drain it so that a full pipe never blocks the server.
        var drain = process.StandardError.ReadToEndAsync();
        try
        {
            await SendAsync(process, Initialize);
            await AnswerAsync(process, "initialize");
            var initializeMs = Clock.MsSince(spawned);
            await SendAsync(process, Initialized);
            await SendAsync(process, ToolsList);
            await AnswerAsync(process, "tools/list");
            var toolsListMs = Clock.MsSince(spawned);
            await SendAsync(process, FirstCall);
            await AnswerAsync(process, "tools/call");
            var firstCallMs = Clock.MsSince(spawned);
            var peak = PeakRssMiB(process.Id);
            process.StandardInput.Close();
            await process.WaitForExitAsync().WaitAsync(AnswerTimeout);
            await drain;
            return new StartupRun(initializeMs, toolsListMs, firstCallMs, peak);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
    }

    private static async Task SendAsync(Process process, string line)
    {
        await process.StandardInput.WriteLineAsync(line);
        await process.StandardInput.FlushAsync();
    }

    private static async Task AnswerAsync(Process process, string what)
    {
        var line = await process.StandardOutput.ReadLineAsync().WaitAsync(AnswerTimeout);
        if (line is null || !line.Contains("\"result\"", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"startup: {what} was not answered with a result (got: {line ?? "end of stdout"})");
        }
    }

    /// <summary>VmHWM (the resident set's high-water mark) in MiB.</summary>
    private static double PeakRssMiB(int pid)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
            {
                var kilobytes = double.Parse(line["VmHWM:".Length..].Replace("kB", string.Empty, StringComparison.Ordinal).Trim(), CultureInfo.InvariantCulture);
                return kilobytes / 1024;
            }
        }

        return double.NaN;
    }

    private static async Task<string> PublishAotAsync(string root)
    {
        var output = Path.Combine(root, "artifacts", "aot");
        Progress.Line("startup: publishing the Native AOT binary (bash eng/publish-aot.sh artifacts/aot)");
        await RunToolAsync(root, "bash", ["eng/publish-aot.sh", output]);
        return Path.Combine(output, "CacheFailoverMcp");
    }

    private static async Task<string> BuildFrameworkDependentAsync(string root)
    {
        Progress.Line("startup: building the framework-dependent Release build (dotnet build -c Release src/CacheFailoverMcp)");
        await RunToolAsync(root, "dotnet", ["build", "-c", "Release", "src/CacheFailoverMcp", "-nologo", "-v", "quiet"]);
        return Path.Combine(root, "src", "CacheFailoverMcp", "bin", "Release", "net10.0", "CacheFailoverMcp.dll");
    }

    private static async Task RunToolAsync(string root, string command, string[] arguments)
    {
        var info = new ProcessStartInfo(command) { WorkingDirectory = root, UseShellExecute = false, RedirectStandardOutput = true };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {command}");
        // Its output goes to stderr with the other progress lines: stdout carries only the tables.
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        await Console.Error.WriteAsync(output);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{command} {string.Join(' ', arguments)} failed (exit code {process.ExitCode})");
        }
    }

    private static StartupBuildFigures Summarise(string build, string command, List<StartupRun> runs) => new(
        build,
        command,
        runs.Count,
        Stats.Median(runs.Select(r => r.InitializeMs)),
        Stats.Median(runs.Select(r => r.ToolsListMs)),
        P90(runs.Select(r => r.ToolsListMs)),
        Stats.Median(runs.Select(r => r.FirstCallMs)),
        P90(runs.Select(r => r.FirstCallMs)),
        Stats.Median(runs.Select(r => r.PeakRssMiB)),
        P90(runs.Select(r => r.PeakRssMiB)),
        runs);

    private static double P90(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? double.NaN : sorted[(int)Math.Ceiling(0.9 * sorted.Length) - 1];
    }

    private static List<TargetCheck> Judge(BenchSettings settings, StartupFigures figures)
    {
        var aot = figures.Builds[0];
        bool? Verdict(bool met) => settings.Quick ? null : met;
        return
        [
            new TargetCheck($"native AOT: first tools/list ≤ {ToolsListTargetMs:0} ms median", $"{Markdown.F(aot.ToolsListMedianMs)} ms", Verdict(aot.ToolsListMedianMs <= ToolsListTargetMs)),
            new TargetCheck($"native AOT: peak RSS ≤ {PeakRssTargetMiB:0} MiB", $"{Markdown.F(aot.PeakRssMedianMiB)} MiB", Verdict(aot.PeakRssMedianMiB <= PeakRssTargetMiB)),
        ];
    }

    private static string Render(StartupFigures figures, List<TargetCheck> targets, List<string> notes)
    {
        var markdown = new Markdown().Heading("startup: spawn → initialize → tools/list → first tools/call (stdio)");
        markdown.Table(
            ["build", "runs", "initialize (median)", "tools/list median / p90", "first tools/call median / p90", "peak RSS median / p90"],
            figures.Builds.Select(b => (IReadOnlyList<string>)
            [
                b.Build,
                b.Runs.ToString(CultureInfo.InvariantCulture),
                $"{Markdown.F(b.InitializeMedianMs)} ms",
                $"{Markdown.F(b.ToolsListMedianMs)} / {Markdown.F(b.ToolsListP90Ms)} ms",
                $"{Markdown.F(b.FirstCallMedianMs)} / {Markdown.F(b.FirstCallP90Ms)} ms",
                $"{Markdown.F(b.PeakRssMedianMiB)} / {Markdown.F(b.PeakRssP90MiB)} MiB",
            ]));
        markdown.Paragraph($"Framework-dependent ÷ native AOT (medians): tools/list {Markdown.F(figures.ToolsListRatio, "0.0")}x, peak RSS {Markdown.F(figures.PeakRssRatio, "0.0")}x.");
        markdown.Targets(targets);
        markdown.Bullets([.. figures.Builds.Select(b => $"{b.Build}: `{b.Command}`"), .. notes]);
        return markdown.ToString();
    }

    private static string Relative(string root, string path) =>
        Path.IsPathRooted(path) && path.StartsWith(root, StringComparison.Ordinal) ? Path.GetRelativePath(root, path) : path;
}
