using System.Globalization;
using CacheFailover.Options;
using Microsoft.Extensions.Configuration;

namespace CacheFailover.Configuration;

/// <summary>
/// Reads the server's configuration shape from a section, without reflection (AOT-safe), collecting
/// every problem instead of stopping at the first. The server's own settings loader and
/// <c>AddCacheFailover(IConfiguration)</c> both read through here, so the two cannot drift apart.
/// </summary>
public static class CacheFailoverSectionReader
{
    public const string PrimaryKey = "Primary";
    public const string BackupsKey = "Backups";
    public const string FailoverKey = "Failover";
    public const string GroupKey = "Group";
    public const string ReadOnlyKey = "ReadOnly";

    /// <summary>
    /// Reads <paramref name="section"/> whole. Problems name the key (prefixed by the section's path)
    /// and what is allowed, and never quote a connection string unredacted.
    /// </summary>
    public static CacheFailoverSettings Read(IConfiguration section, List<string> problems)
    {
        ArgumentNullException.ThrowIfNull(section);
        ArgumentNullException.ThrowIfNull(problems);
        var prefix = section is IConfigurationSection named ? named.Path + ":" : string.Empty;
        var primary = NonEmpty(section[PrimaryKey]);
        var backups = ReadBackups(section.GetSection(BackupsKey));
        if (primary is null)
        {
            problems.Add($"{prefix}{PrimaryKey} is missing: give the primary's connection string (redis://host:6379, a StackExchange.Redis configuration string, or memory://name).");
        }

        for (var i = 0; i < backups.Count; i++)
        {
            if (primary is not null && string.Equals(backups[i], primary, StringComparison.OrdinalIgnoreCase))
            {
                problems.Add($"{prefix}{BackupsKey}:{i} ({CacheFailoverSettings.BackupServiceId(i)}) '{SafeEcho.Url(backups[i])}' is the same endpoint as {prefix}{PrimaryKey}: a backup must be another cache.");
            }
        }

        return new CacheFailoverSettings
        {
            Primary = primary,
            Backups = backups,
            Failover = ReadFailoverOptions(section.GetSection(FailoverKey), prefix + FailoverKey, problems),
            Group = ReadGroup(NonEmpty(section[GroupKey]), prefix + GroupKey, problems),
            ReadOnly = ReadSwitch(NonEmpty(section[ReadOnlyKey]), prefix + ReadOnlyKey, problems),
        };
    }

    /// <summary>
    /// The backups of a <c>Backups</c> section: an array (<c>Backups:0</c>, <c>Backups:1</c>, … in
    /// index order) or one value holding a list (see <see cref="SplitConnectionList"/>).
    /// </summary>
    public static List<string> ReadBackups(IConfigurationSection backups)
    {
        ArgumentNullException.ThrowIfNull(backups);
        var children = backups.GetChildren().OrderBy(c => int.TryParse(c.Key, CultureInfo.InvariantCulture, out var index) ? index : int.MaxValue).Select(c => c.Value).ToList();
        if (children.Count > 0)
        {
            return [.. children.Select(c => c?.Trim()).Where(c => !string.IsNullOrEmpty(c)).Select(c => c!)];
        }

        return backups.Value is { } scalar && !string.IsNullOrWhiteSpace(scalar) ? SplitConnectionList(scalar) : [];
    }

    /// <summary>
    /// Splits a list of connection strings. Separated by ';' when the text contains one; otherwise by
    /// ',' — where a piece that looks like an option (<c>password=…</c>) belongs to the connection
    /// string before it, because StackExchange.Redis configuration strings use commas themselves.
    /// </summary>
    public static List<string> SplitConnectionList(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Contains(';', StringComparison.Ordinal))
        {
            return [.. text.Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)];
        }

        var result = new List<string>();
        foreach (var piece in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var isOption = piece.Contains('=', StringComparison.Ordinal) && !piece.Contains("://", StringComparison.Ordinal);
            if (isOption && result.Count > 0)
            {
                result[^1] += "," + piece;
            }
            else
            {
                result.Add(piece);
            }
        }

        return result;
    }

    /// <summary>
    /// The failover options of a <c>Failover</c> section by wire name (<see cref="FailoverOptionsBinder"/>),
    /// then validated as a whole; <paramref name="source"/> names the section in problems.
    /// </summary>
    public static FailoverOptions ReadFailoverOptions(IConfigurationSection failover, string source, List<string> problems)
    {
        ArgumentNullException.ThrowIfNull(failover);
        ArgumentNullException.ThrowIfNull(problems);
        var options = new FailoverOptions();
        foreach (var child in failover.GetChildren())
        {
            var descriptor = FailoverOptionsBinder.Find(child.Key);
            if (descriptor is null)
            {
                problems.Add($"unknown failover option '{SafeEcho.Value(child.Key)}'; known options: {string.Join(", ", FailoverOptionCatalog.All.Select(d => d.Name))}.");
                continue;
            }

            if (child.Value is null)
            {
                problems.Add($"{source}:{child.Key} must be a single value, not a section.");
                continue;
            }

            var value = FailoverOptionsBinder.Parse(descriptor, child.Value, out var problem);
            if (value is null)
            {
                problems.Add(problem!);
                continue;
            }

            options = descriptor.Write(options, value);
        }

        problems.AddRange(FailoverOptionsValidator.Validate(options));
        return options;
    }

    /// <summary>A group name, or <c>default</c> when none is given; <paramref name="source"/> names it in the problem.</summary>
    public static string ReadGroup(string? value, string source, List<string> problems)
    {
        ArgumentNullException.ThrowIfNull(problems);
        if (value is null)
        {
            return "default";
        }

        if (Group.GroupKeys.Problem(value) is { } problem)
        {
            problems.Add($"{source}: {problem}");
            return "default";
        }

        return value;
    }

    private static bool ReadSwitch(string? text, string source, List<string> problems)
    {
        if (text is null)
        {
            return false;
        }

        if (bool.TryParse(text, out var value))
        {
            return value;
        }

        problems.Add($"{source} must be true or false (got {SafeEcho.NumberOrSwitch(text)}).");
        return false;
    }

    private static string? NonEmpty(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();
}
