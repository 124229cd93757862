namespace CacheFailoverMcp.Configuration;

/// <summary>The command line, read: shortcut options turned into configuration keys, and every problem found.</summary>
public sealed class ParsedCommandLine
{
    /// <summary>True when <c>--help</c> (or <c>-h</c>, <c>-?</c>) was given.</summary>
    public bool ShowHelp { get; internal set; }

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

    /// <summary>Option → (configuration key, takes a value). Flags without a value set "true".</summary>
    private static readonly Dictionary<string, (string Key, bool TakesValue)> Options = new(StringComparer.Ordinal)
    {
        ["--primary"] = (ConfigurationKeys.Primary, true),
        ["--read-only"] = (ConfigurationKeys.ReadOnly, false),
        ["--transport"] = (ConfigurationKeys.Transport, true),
        ["--urls"] = (ConfigurationKeys.Urls, true),
        ["--auth-token"] = (ConfigurationKeys.AuthToken, true),
        ["--auth-token-file"] = (ConfigurationKeys.AuthTokenFile, true),
        ["--allowed-origins"] = (ConfigurationKeys.AllowedOrigins, true),
        ["--legacy-sse"] = (ConfigurationKeys.LegacySse, false),
        ["--allowed-hosts"] = (ConfigurationKeys.AllowedHosts, true),
        ["--log-level"] = (ConfigurationKeys.LogLevel, true),
        ["--allow-live-drills"] = (ConfigurationKeys.AllowLiveDrills, false),
        ["--group"] = (ConfigurationKeys.Group, true),
        ["--resp"] = (ConfigurationKeys.Resp, true),
        ["--resp-password"] = (ConfigurationKeys.RespPassword, true),
        ["--resp-password-file"] = (ConfigurationKeys.RespPasswordFile, true),
    };

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
                    : inlineValue ?? "true";
                if (value is not null)
                {
                    result.Values[option.Key] = value;
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

    // A stray argument may be a token or a connection string with a password in it.
    private static string Redact(string arg) => SafeEcho.Value(arg);
}
