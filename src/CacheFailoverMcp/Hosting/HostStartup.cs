using CacheFailover.Backends;
using CacheFailover.Redis;
using CacheFailover.Mcp;
using CacheFailoverMcp.Configuration;
using Serilog.Extensions.Logging;

namespace CacheFailoverMcp.Hosting;

/// <summary>
/// Everything before the host is built: settings read and validated together with every connection
/// string, so that an invalid configuration stops start-up with one message naming every problem.
/// </summary>
public sealed class HostStartup
{
    private HostStartup(int? exitCode, HostSettings settings, Serilog.Core.Logger? logger, BackendProvisioner? provisioner, ServiceTopology? topology)
    {
        ExitCode = exitCode;
        Settings = settings;
        Logger = logger!;
        Provisioner = provisioner!;
        Topology = topology!;
    }

    /// <summary>Set when the process should exit now: 0 after --help or --version, 2 for an invalid configuration.</summary>
    public int? ExitCode { get; }

    public HostSettings Settings { get; }

    public Serilog.Core.Logger Logger { get; }

    public BackendProvisioner Provisioner { get; }

    public ServiceTopology Topology { get; }

    /// <summary>
    /// Reads the configuration of this process; writes help or the version to <paramref name="stdout"/>
    /// (the server does not start then, so stdout carries no JSON-RPC) and problems to <paramref name="stderr"/>.
    /// </summary>
    public static async Task<HostStartup> PrepareAsync(IReadOnlyList<string> args, TextWriter stdout, TextWriter stderr)
        => await PrepareAsync(args, HostSettingsLoader.ProcessEnvironment(), Path.Combine(AppContext.BaseDirectory, "appsettings.json"), stdout, stderr);

    /// <summary>Same, with the environment and settings file given (tests).</summary>
    public static async Task<HostStartup> PrepareAsync(IReadOnlyList<string> args, IReadOnlyDictionary<string, string> environment, string? settingsFile, TextWriter stdout, TextWriter stderr)
    {
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        var loaded = HostSettingsLoader.Load(args, environment, settingsFile);
        if (loaded.ShowHelp || loaded.ShowVersion)
        {
            await stdout.WriteAsync(loaded.ShowHelp ? Usage.Text : Usage.VersionLine);
            await stdout.FlushAsync();
            return new HostStartup(0, loaded.Settings, null, null, null);
        }

        var problems = new List<string>(loaded.Problems);
        var logger = StderrLogging.CreateLogger(loaded.Settings.LogLevel, loaded.Settings.LogFile);
#pragma warning disable CA2000 // The logger factory only wraps the logger, which the host disposes.
        var loggerFactory = new SerilogLoggerFactory(logger);
#pragma warning restore CA2000
        var provisioner = new BackendProvisioner(
            [new InMemoryCacheBackendFactory(TimeProvider.System), new RedisCacheBackendFactory(timeProvider: TimeProvider.System, loggerFactory: loggerFactory)],
            TimeProvider.System,
            faultInjection: loaded.Settings.AllowLiveDrills);
        var topology = await ServiceTopology.TryCreateAsync(loaded.Settings, provisioner, problems);
        if (problems.Count > 0)
        {
            if (topology is not null)
            {
                await topology.DisposeAsync();
            }

            await logger.DisposeAsync();
            await stderr.WriteAsync(Describe(problems));
            return new HostStartup(Usage.InvalidConfigurationExitCode, loaded.Settings, null, null, null);
        }

        return new HostStartup(null, loaded.Settings, logger, provisioner, topology);
    }

    /// <summary>The one message that names every problem.</summary>
    public static string Describe(IReadOnlyList<string> problems)
    {
        ArgumentNullException.ThrowIfNull(problems);
        var lines = string.Join("\n", problems.Select(p => "  - " + p));
        return $"CacheFailoverMcp cannot start: the configuration has {problems.Count} problem{(problems.Count == 1 ? string.Empty : "s")}:\n{lines}\nRun with --help for every option.\n";
    }
}
