using System.Globalization;
using System.Text;
using CacheFailover.Configuration;
using CacheFailover.Options;

namespace CacheFailoverMcp.Configuration;

/// <summary>
/// The <c>--help</c> text, written from <see cref="HostOptionCatalog"/> and <see cref="FailoverOptionCatalog"/>
/// (nothing about an option is written here). It goes to stdout: the server does not run then, so
/// stdout carries no JSON-RPC and <c>--help | less</c> works.
/// </summary>
public static class Usage
{
    /// <summary>Exit code for a configuration that cannot start.</summary>
    public const int InvalidConfigurationExitCode = 2;

    /// <summary>How the help marks an option the running engine cannot change (<see cref="FailoverOptionDescriptor.RuntimeChangeable"/> false).</summary>
    public const string StartupOnlyMark = "(start-up only)";

    /// <summary>The command the tool package installs.</summary>
    public const string ToolCommand = "cachefailover-mcp";

    /// <summary>The first line of <c>--version</c>.</summary>
    public static string VersionLine => $"CacheFailoverMcp {ProductVersion.Text}\n";

    public static string Text { get; } = Write();

    /// <summary>The first help line of a host option: <c>--flag &lt;value&gt;</c> and its environment variable.</summary>
    public static string Synopsis(HostOption option)
    {
        ArgumentNullException.ThrowIfNull(option);
        var left = option.TakesValue ? $"{option.Flag} <{option.ValueName}>" : option.Flag;
        return $"  {left,-34} env {option.Environment}";
    }

    /// <summary>The second help line of a host option: meaning, what is allowed, default.</summary>
    public static string Summary(HostOption option)
    {
        ArgumentNullException.ThrowIfNull(option);
        return option.AllowedText is { } allowed
            ? $"{option.Meaning} {char.ToUpperInvariant(allowed[0])}{allowed[1..]}; default {option.DefaultText}."
            : $"{option.Meaning} Default {option.DefaultText}.";
    }

    private static string Write()
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"""
            CacheFailoverMcp {ProductVersion.Text} — an MCP server that puts a failover engine in front of a primary cache and its backups.

            Usage: {ToolCommand} [options]                          (installed: dotnet tool install --global CacheFailoverMcp)
                   dnx CacheFailoverMcp --yes -- [options]                (run without installing)
                   dotnet run --project src/CacheFailoverMcp -- [options]  (from a clone)

            With no --primary and no --backup the server uses an embedded in-memory pair
            (primary memory://primary, backup memory://backup): every tool works with nothing installed.

              {string.Join(", ", CommandLineShortcuts.HelpFlagNames.Take(3)),-34} Print this help and exit.
              {CommandLineShortcuts.VersionFlag,-34} Print the version and exit.

            """);

        foreach (var group in HostOptionCatalog.All.GroupBy(o => o.Group))
        {
            text.Append(CultureInfo.InvariantCulture, $"\n{group.Key}:\n");
            foreach (var option in group)
            {
                text.Append(Synopsis(option)).Append('\n');
                text.Append("      ").Append(Summary(option)).Append('\n');
            }
        }

        text.Append(CultureInfo.InvariantCulture, $"""

            Failover options (also in appsettings.json under CacheFailover:Failover, or
            environment variables CacheFailover__Failover__<name>). All but those marked
            {StartupOnlyMark} can also be changed at runtime with the configure_cache_failover tool:

            """);
        foreach (var descriptor in FailoverOptionCatalog.All)
        {
            text.Append(CultureInfo.InvariantCulture, $"  --{descriptor.Name} <{FailoverOptionsBinder.Placeholder(descriptor.Type)}>{(descriptor.RuntimeChangeable ? string.Empty : "  " + StartupOnlyMark)}\n");
            text.Append(CultureInfo.InvariantCulture, $"      {descriptor.Summary}\n");
        }

        text.Append(CultureInfo.InvariantCulture, $"""

            Sources, lowest precedence first: appsettings.json next to the executable, environment variables
            (CacheFailover__Section__Key, plus the CACHEFAILOVER_* shortcuts above), the command line.
            Any configuration key can also be given as --Section:Key=value.
            Invalid configuration stops start-up with every problem listed (exit code {InvalidConfigurationExitCode}).

            """);
        return text.ToString();
    }
}
