using CacheFailover.Options;

namespace CacheFailover.Configuration;

/// <summary>
/// The server's configuration shape as read from a section (<c>Primary</c>, <c>Backups</c>,
/// <c>Failover:&lt;option&gt;</c>, <c>Group</c>, <c>ReadOnly</c>): connection strings, not backends yet.
/// </summary>
public sealed record CacheFailoverSettings
{
    /// <summary>The primary's service id, as the server names it.</summary>
    public const string PrimaryServiceId = "primary";

    /// <summary>The primary's connection string; null when the section has none (a problem for an app).</summary>
    public string? Primary { get; init; }

    /// <summary>Backups in priority order (first is preferred).</summary>
    public IReadOnlyList<string> Backups { get; init; } = [];

    /// <summary>The engine's options.</summary>
    public FailoverOptions Failover { get; init; } = new();

    /// <summary>The failover group this process joins.</summary>
    public string Group { get; init; } = "default";

    /// <summary>When true, hosted MCP tools that change anything are not registered.</summary>
    public bool ReadOnly { get; init; }

    /// <summary>The id of the backup at <paramref name="index"/> (0-based): <c>backup-1</c>, <c>backup-2</c>, ...</summary>
    public static string BackupServiceId(int index) => "backup-" + (index + 1).ToString(System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>A configuration the engine cannot start with; <see cref="Exception.Message"/> lists every problem.</summary>
public sealed class CacheFailoverConfigurationException : Exception
{
    public CacheFailoverConfigurationException()
        : this([])
    {
    }

    public CacheFailoverConfigurationException(string message)
        : this([message])
    {
    }

    public CacheFailoverConfigurationException(string message, Exception innerException)
        : base(message, innerException)
    {
        Problems = [message];
    }

    /// <summary>Creates the exception for <paramref name="problems"/>, each already free of secrets.</summary>
    public CacheFailoverConfigurationException(IReadOnlyList<string> problems)
        : base(Describe(problems ?? throw new ArgumentNullException(nameof(problems))))
    {
        Problems = problems;
    }

    /// <summary>Every problem found, in the order found.</summary>
    public IReadOnlyList<string> Problems { get; }

    private static string Describe(IReadOnlyList<string> problems) =>
        $"The cache failover configuration has {problems.Count} problem{(problems.Count == 1 ? string.Empty : "s")}:"
        + string.Concat(problems.Select(p => "\n  - " + p));
}
