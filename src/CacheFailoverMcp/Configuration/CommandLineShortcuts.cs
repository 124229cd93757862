using CacheFailover.Configuration;

namespace CacheFailoverMcp.Configuration;

/// <summary>The command line, read: shortcut options turned into configuration keys, and every problem found.</summary>
public sealed class ParsedCommandLine
{
    /// <summary>True when <c>--help</c> (or <c>-h</c>, <c>-?</c>) was given.</summary>
    public bool ShowHelp { get; internal set; }

    /// <summary>True when <c>--version</c> was given.</summary>
    public bool ShowVersion { get; internal set; }

    /// <summary>Configuration keys set on the command line (they win over every other source).</summary>
    public Dictionary<string, string?> Values { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary><c>--backup</c> values in the order given.</summary>
    public List<string> Backups { get; } = [];

    /// <summary>What was wrong with the command line.</summary>
    public List<string> Problems { get; } = [];
}

/// <summary>
/// The options a user can type. Anything of the form <c>--Section:Key[=value]</c> is passed through
/// as configuration; any other unknown option is a problem, so that a typo does not go unnoticed.
/// </summary>
public static class CommandLineShortcuts
{
    private static readonly string[] HelpFlags = ["--help", "-h", "-?", "/?"];

    /// <summary>The flag that prints the version and exits.</summary>
    public const string VersionFlag = "--version";

    /// <summary>Flag → host option (<see cref="HostOptionCatalog"/>), except the repeatable --backup, which collects a list.</summary>
    private static readonly Dictionary<string, HostOption> Options = HostOptionCatalog.All
        .Where(o => !o.Repeatable)
        .ToDictionary(o => o.Flag, StringComparer.Ordinal);

    /// <summary>The help flags, as <c>--help</c> lists them.</summary>
    public static IReadOnlyList<string> HelpFlagNames => HelpFlags;

    /// <summary>Reads <paramref name="args"/>; never throws.</summary>
    public static ParsedCommandLine Parse(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var result = new ParsedCommandLine();
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (HelpFlags.Contains(arg, StringComparer.Ordinal))
            {
                result.ShowHelp = true;
                continue;
            }

            if (arg == VersionFlag)
            {
                result.ShowVersion = true;
                continue;
            }

            if (!arg.StartsWith("--", StringComparison.Ordinal) || arg.Length == 2)
            {
                result.Problems.Add($"unexpected argument '{Redact(arg)}': options start with '--'; run with --help for the list.");
                continue;
            }

            var equals = arg.IndexOf('=', StringComparison.Ordinal);
            var name = equals > 0 ? arg[..equals] : arg;
            var inlineValue = equals > 0 ? arg[(equals + 1)..] : null;

            if (name == "--backup")
            {
                if (TakeValue(args, ref i, name, inlineValue, result) is { } backup)
                {
                    result.Backups.Add(backup);
                }

                continue;
            }

            if (Options.TryGetValue(name, out var option))
            {
                var value = option.TakesValue
                    ? TakeValue(args, ref i, name, inlineValue, result)
                    : inlineValue ?? TakeSwitchWord(args, ref i) ?? "true";
                if (value is not null)
                {
                    result.Values[option.ConfigurationKey] = value;
                }

                continue;
            }

            if (FailoverOptionsBinder.Find(name[2..]) is { } failoverOption)
            {
                if (TakeValue(args, ref i, name, inlineValue, result) is { } value)
                {
                    result.Values[ConfigurationKeys.Failover + ":" + failoverOption.Name] = value;
                }

                continue;
            }

            if (name.Contains(':', StringComparison.Ordinal))
            {
                // A raw configuration key, e.g. --CacheFailover:Failover:failure_threshold=5.
                if (TakeValue(args, ref i, name, inlineValue, result) is { } value)
                {
                    result.Values[name[2..]] = value;
                }

                continue;
            }

            result.Problems.Add($"unknown option '{SafeEcho.Value(name)}'; run with --help for the list.");
        }

        return result;
    }

    private static string? TakeValue(IReadOnlyList<string> args, ref int i, string name, string? inlineValue, ParsedCommandLine result)
    {
        if (inlineValue is not null)
        {
            return inlineValue;
        }

        if (i + 1 < args.Count && !args[i + 1].StartsWith("--", StringComparison.Ordinal))
        {
            i++;
            return args[i];
        }

        result.Problems.Add($"{name} needs a value ({name} <value> or {name}=<value>).");
        return null;
    }

    // A client that writes every argument as "name value" (as some read .mcp/server.json) may follow a
    // switch with true or false: take that word as the switch's value rather than as a stray argument.
    private static string? TakeSwitchWord(IReadOnlyList<string> args, ref int i)
    {
        if (i + 1 < args.Count && (string.Equals(args[i + 1], "true", StringComparison.OrdinalIgnoreCase) || string.Equals(args[i + 1], "false", StringComparison.OrdinalIgnoreCase)))
        {
            i++;
            return args[i];
        }

        return null;
    }

    // A stray argument may be a token or a connection string with a password in it.
    private static string Redact(string arg) => SafeEcho.Value(arg);
}
