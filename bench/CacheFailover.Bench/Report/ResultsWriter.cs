using System.ComponentModel;
using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Serialization;
using CacheFailover.Bench.Infrastructure;

namespace CacheFailover.Bench.Report;

/// <summary>Writes a run's figures as JSON: <c>&lt;suite&gt;-&lt;yyyyMMdd-HHmmss&gt;.json</c> in the results directory.</summary>
internal sealed class ResultsWriter(string directory, string command, BenchSettings settings)
{
    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DictionaryKeyPolicy = null,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    public string Machine { get; } = $"{Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription}, {RuntimeInformation.FrameworkDescription}, redis-server from PATH";

    /// <summary>The commit measured, and the product files that differed from it (other people edit the tree while it runs).</summary>
    public string Source { get; } = DescribeSource();

    public string Write(string name, string stamp, IReadOnlyList<SuiteResult> results)
    {
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, $"{name}-{stamp}.json");
        var document = new
        {
            Command = command,
            Quick = settings.Quick,
            StartedAt = stamp,
            Machine,
            Source,
            Note = "Shared, noisy 2-core machine: compare contenders by the ratios measured in the same run, not by absolute times.",
            Suites = results.Select(r => new { r.Suite, r.Seconds, r.Contenders, r.Targets, r.Notes, r.Figures }).ToList(),
        };
        File.WriteAllText(path, JsonSerializer.Serialize(document, Json));
        return path;
    }

    private static string DescribeSource()
    {
        var head = Git("rev-parse --short HEAD");
        var dirty = Git("status --porcelain -- :/src");
        if (head is null)
        {
            return "unknown (git not available)";
        }

        var changed = (dirty ?? string.Empty).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return changed.Length == 0 ? $"commit {head}, src/ clean" : $"commit {head} with uncommitted changes in {string.Join(", ", changed)}";
    }

    private static string? Git(string arguments)
    {
        try
        {
            using var git = Process.Start(new ProcessStartInfo("git", arguments)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
                WorkingDirectory = AppContext.BaseDirectory,
            });
            if (git is null)
            {
                return null;
            }

            var output = git.StandardOutput.ReadToEnd();
            git.WaitForExit(5_000);
            return git.ExitCode == 0 ? output.Trim() : null;
        }
        catch (Win32Exception)
        {
            return null;
        }
    }
}
