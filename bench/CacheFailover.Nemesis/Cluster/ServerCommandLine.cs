using System.Globalization;
using CacheFailover.Options;

namespace CacheFailover.Nemesis.Cluster;

/// <summary>
/// The command line of a server process of the product in the nemesis's group: the same caches
/// (the primary, then the backups in priority order, so they get the same service ids as the
/// in-process members), the same group, HTTP transport on a loopback port for its MCP tools, the
/// RESP front door on another, and every failover option with the value the in-process members
/// run with (all of them, so the server's appsettings.json cannot differ).
/// </summary>
public static class ServerCommandLine
{
    /// <summary>The environment variable that names another executable to run (the Native AOT binary), as the process tests honour it.</summary>
    public const string ExecutableVariable = "CACHEFAILOVER_TEST_EXECUTABLE";

    public static IReadOnlyList<string> Arguments(IReadOnlyDictionary<string, string> connectionByService, string group, int httpPort, int respPort, FailoverOptions options)
    {
        ArgumentNullException.ThrowIfNull(connectionByService);
        ArgumentNullException.ThrowIfNull(options);
        var arguments = new List<string> { "--primary", connectionByService["primary"] };
        foreach (var backup in connectionByService.Keys.Where(id => id != "primary").Order(StringComparer.Ordinal))
        {
            arguments.AddRange(["--backup", connectionByService[backup]]);
        }

        arguments.AddRange([
            "--group", group,
            "--transport", "http",
            "--urls", string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{httpPort}"),
            "--resp", string.Create(CultureInfo.InvariantCulture, $"127.0.0.1:{respPort}"),
        ]);
        foreach (var option in FailoverOptionCatalog.All)
        {
            arguments.AddRange(["--" + option.Name, FailoverOptionDescriptor.Format(option.Read(options))]);
        }

        return arguments;
    }

    /// <summary>
    /// What to start and its first arguments: the executable <see cref="ExecutableVariable"/> names,
    /// or <c>dotnet</c> with the built <c>CacheFailoverMcp.dll</c> of this build's configuration.
    /// </summary>
    public static (string Command, IReadOnlyList<string> Prefix) Executable()
    {
        if (Environment.GetEnvironmentVariable(ExecutableVariable) is { Length: > 0 } path)
        {
            return File.Exists(path)
                ? (Path.GetFullPath(path), [])
                : throw new InvalidOperationException($"{ExecutableVariable} names '{path}', which does not exist.");
        }

        // bench/CacheFailover.Nemesis/bin/<Configuration>/<TargetFramework>/
        var output = new DirectoryInfo(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory));
        var framework = output.Name;
        var configuration = output.Parent!.Name;
        for (var directory = output; directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "CacheFailoverMcp.sln")))
            {
                var dll = Path.Combine(directory.FullName, "src", "CacheFailoverMcp", "bin", configuration, framework, "CacheFailoverMcp.dll");
                return File.Exists(dll)
                    ? ("dotnet", [dll])
                    : throw new InvalidOperationException($"{dll} does not exist: build it first (dotnet build src/CacheFailoverMcp -c {configuration}), or set {ExecutableVariable}.");
            }
        }

        throw new InvalidOperationException($"CacheFailoverMcp.sln was not found above {output.FullName}; set {ExecutableVariable}.");
    }
}
