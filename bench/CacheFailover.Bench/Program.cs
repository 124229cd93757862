using System.Globalization;
using CacheFailover.Bench.Infrastructure;
using CacheFailover.Bench.Report;
using CacheFailover.Bench.Suites;

namespace CacheFailover.Bench;

/// <summary>
/// <c>dotnet run -c Release --project bench/CacheFailover.Bench -- &lt;overhead|failover|failback|group|resp|startup|all&gt; [--quick] [--reps N] [--out DIR] [--aot-binary PATH]</c>.
/// Markdown tables go to stdout, progress to stderr, the same figures as JSON to <c>bench/results/</c>.
/// </summary>
internal static class Program
{
    private static readonly string[] Suites = ["overhead", "failover", "failback", "group", "resp", "startup", "distcache", "soak"];

    public static async Task<int> Main(string[] args)
    {
        if (!TryParse(args, out var suite, out var quick, out var outputDirectory, out var repetitions, out var aotBinary, out var error))
        {
            await Console.Error.WriteLineAsync(error);
            await Console.Error.WriteLineAsync("usage: CacheFailover.Bench <overhead|failover|failback|group|resp|startup|distcache|soak|breakdown|all> [--quick] [--reps N] [--out DIR] [--aot-binary PATH]");
            return 2;
        }

        var settings = new BenchSettings(quick, repetitions);
        var command = "dotnet run -c Release --project bench/CacheFailover.Bench -- " + string.Join(' ', args);
        var writer = new ResultsWriter(outputDirectory ?? RepoPaths.ResultsDirectory(), command, settings);
        var selected = suite == "all" ? Suites : [suite];
        Progress.Line($"cachefailover bench: suites {string.Join(", ", selected)}{(quick ? " (quick: tiny counts, no timing judgement)" : string.Empty)}; {writer.Machine}; measuring {writer.Source}");
        var stamp = DateTime.Now.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture);
        var results = new List<SuiteResult>();
        foreach (var name in selected)
        {
            SuiteResult result = name switch
            {
                "overhead" => await OverheadSuite.RunAsync(settings),
                "failover" => await FailoverSuite.RunAsync(settings),
                "group" => await GroupSuite.RunAsync(settings),
                "resp" => await RespSuite.RunAsync(settings),
                "startup" => await StartupSuite.RunAsync(settings, aotBinary),
                "distcache" => await DistributedCacheSuite.RunAsync(settings),
                "breakdown" => await BreakdownSuite.RunAsync(settings),
                "soak" => await SoakSuite.RunAsync(settings),
                _ => await FailbackSuite.RunAsync(settings),
            };
            results.Add(result);
            Console.Out.Write(result.Markdown);
            Console.Out.WriteLine();
            await Console.Out.FlushAsync();
            var path = writer.Write(name, stamp, [result]);
            Progress.Line($"{name}: figures written to {path}");
        }

        if (selected.Length > 1)
        {
            var path = writer.Write("all", stamp, results);
            Progress.Line($"all: figures written to {path}");
        }

        return 0;
    }

    private static bool TryParse(string[] args, out string suite, out bool quick, out string? outputDirectory, out int? repetitions, out string? aotBinary, out string error)
    {
        repetitions = null;
        aotBinary = null;
        suite = string.Empty;
        quick = false;
        outputDirectory = null;
        error = string.Empty;
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            if (arg == "--quick")
            {
                quick = true;
            }
            else if (arg == "--reps" && i + 1 < args.Length && int.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var reps) && reps > 0)
            {
                repetitions = reps;
                i++;
            }
            else if (arg == "--out" && i + 1 < args.Length)
            {
                outputDirectory = args[++i];
            }
            else if (arg == "--aot-binary" && i + 1 < args.Length)
            {
                aotBinary = args[++i];
                if (!File.Exists(aotBinary))
                {
                    error = $"--aot-binary: '{aotBinary}' does not exist (publish it with: bash eng/publish-aot.sh artifacts/aot)";
                    return false;
                }
            }
            else if (arg is "overhead" or "failover" or "failback" or "group" or "resp" or "startup" or "distcache" or "soak" or "breakdown" or "all" && suite.Length == 0)
            {
                suite = arg;
            }
            else
            {
                error = $"unknown argument '{arg}'";
                return false;
            }
        }

        if (suite.Length == 0)
        {
            error = "no suite given";
            return false;
        }

        return true;
    }
}
