namespace CacheFailover.Drills;

/// <summary>The failures a drill can stage.</summary>
public enum DrillScenario
{
    /// <summary>The primary refuses every connection, as a killed server does.</summary>
    PrimaryDown,

    /// <summary>The primary accepts calls and never answers, as a stopped (SIGSTOP) server does.</summary>
    PrimaryTimeout,

    /// <summary>The primary answers, but far slower than its learned baseline.</summary>
    PrimarySlow,

    /// <summary>The primary alternates between up and refusing connections.</summary>
    PrimaryFlapping,

    /// <summary>The first backup refuses connections; the primary is fine, so nothing should switch.</summary>
    BackupDown,

    /// <summary>Every service refuses connections: errors must be clear and fast, with no successful switch.</summary>
    AllDown,
}

/// <summary>Wire (snake_case) names of <see cref="DrillScenario"/>.</summary>
public static class DrillScenarios
{
    private static readonly DrillScenario[] All = Enum.GetValues<DrillScenario>();

    /// <summary>Every scenario's wire name, in declaration order.</summary>
    public static IReadOnlyList<string> WireNames { get; } = Array.AsReadOnly(All.Select(ToWireName).ToArray());

    /// <summary>The scenario's wire name, e.g. <c>primary_down</c>.</summary>
    public static string ToWireName(this DrillScenario s) => s switch
    {
        DrillScenario.PrimaryDown => "primary_down",
        DrillScenario.PrimaryTimeout => "primary_timeout",
        DrillScenario.PrimarySlow => "primary_slow",
        DrillScenario.PrimaryFlapping => "primary_flapping",
        DrillScenario.BackupDown => "backup_down",
        DrillScenario.AllDown => "all_down",
        _ => throw new ArgumentOutOfRangeException(nameof(s), s, "Unknown drill scenario."),
    };

    /// <summary>Parses a wire name (case-insensitive, surrounding spaces ignored); false for anything else.</summary>
    public static bool TryParse(string? text, out DrillScenario s)
    {
        var trimmed = text?.Trim();
        foreach (var candidate in All)
        {
            if (string.Equals(candidate.ToWireName(), trimmed, StringComparison.OrdinalIgnoreCase))
            {
                s = candidate;
                return true;
            }
        }

        s = default;
        return false;
    }
}
