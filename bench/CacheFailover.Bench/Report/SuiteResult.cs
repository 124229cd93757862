namespace CacheFailover.Bench.Report;

/// <summary>One target of the issue, the figure measured for it, and whether it was met (null: not judged, as in --quick).</summary>
internal sealed record TargetCheck(string Target, string Measured, bool? Met);

/// <summary>What a suite hands back: its Markdown, its figures (serialised as they are) and its target checks.</summary>
internal sealed record SuiteResult(
    string Suite,
    double Seconds,
    object Figures,
    IReadOnlyList<TargetCheck> Targets,
    IReadOnlyDictionary<string, string> Contenders,
    IReadOnlyList<string> Notes,
    string Markdown);
