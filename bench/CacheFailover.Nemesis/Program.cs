using System.Globalization;
using CacheFailover.Nemesis;
using CacheFailover.Nemesis.Report;

var settings = NemesisSettings.Parse(args, out var problems);
if (problems.Count > 0)
{
    foreach (var problem in problems)
    {
        Console.Error.WriteLine(problem);
    }

    Console.Error.WriteLine(NemesisSettings.Usage);
    return 2;
}

using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};

var outcome = await NemesisRun.RunAsync(settings, Console.Error, cancel.Token);
var report = NemesisReport.Render(outcome);
Console.Out.Write(report);
if (settings.OutputDirectory is { } directory)
{
    Directory.CreateDirectory(directory);
    var path = Path.Combine(directory, string.Create(CultureInfo.InvariantCulture, $"nemesis-seed{settings.Seed}-{DateTime.UtcNow:yyyyMMdd-HHmmss}.md"));
    await File.WriteAllTextAsync(path, report);
    Console.Error.WriteLine($"nemesis: report written to {path}");
}

// A run that checked almost nothing proves nothing: it fails like a violation.
const int MinimumReads = 100;
if (outcome.Check.ReadsChecked < MinimumReads)
{
    Console.Error.WriteLine($"nemesis: only {outcome.Check.ReadsChecked} read(s) checked (at least {MinimumReads} needed): the run proves nothing");
    return 1;
}

// A server process that ended by itself under faults is a finding, like a violation.
if (outcome.UnexpectedExits.Count > 0)
{
    Console.Error.WriteLine($"nemesis: FAIL, seed {settings.Seed}: {outcome.UnexpectedExits.Count} server process exit(s) the nemesis did not cause");
    return 1;
}

Console.Error.WriteLine(outcome.Check.Passed
    ? $"nemesis: PASS, seed {settings.Seed}: 0 stale reads, 0 resurrections, 0 dishonest results"
    : $"nemesis: FAIL, seed {settings.Seed}: {outcome.Check.StaleReads} stale read(s), {outcome.Check.Resurrections} resurrection(s), {outcome.Check.DishonestResults} dishonest result(s)");
return outcome.Check.Passed ? 0 : 1;
