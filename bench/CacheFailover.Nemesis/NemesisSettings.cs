using System.Globalization;

namespace CacheFailover.Nemesis;

/// <summary>The command line of a run; every problem is named with what is allowed.</summary>
public sealed record NemesisSettings(int Seed, TimeSpan Duration, int Members, int ClientsPerMember, int Backups, string? OutputDirectory, int Processes = 0)
{
    public const string Usage = """
        Usage: CacheFailover.Nemesis [--seconds N] [--seed N] [--members N] [--clients N] [--backups N] [--processes N] [--out DIR]
          --seconds N   length of the run, 20 to 86400 (default 60); the last quarter (at most 30 s) has no faults
          --seed N      seed of the fault schedule and of every client's op mix, 0 to 2147483647 (default 1)
          --members N   in-process engines that carry traffic, 1 to 8 (default 3), plus one control-only member
          --clients N   clients per member, 1 to 16 (default 2); they alternate between the engine API and the RESP front door
          --backups N   backup redis-servers, 1 or 2 (default 2)
          --processes N server processes of the product (src/CacheFailoverMcp, HTTP transport and RESP front door) in the
                        same group, 0 to 4 (default 0); each has --clients clients through its front door, and the
                        schedule adds SIGKILL and SIGTERM restarts of them and manual failovers and recoveries over MCP.
                        The server is the built CacheFailoverMcp.dll, or the executable CACHEFAILOVER_TEST_EXECUTABLE names
          --out DIR     also write the report to DIR/nemesis-seed<N>-<stamp>.md
        Exit code: 0 no violation, 1 a violation (or too little was checked), 2 bad arguments.
        """;

    /// <summary>The part of the run with faults; the rest lets every member fail back and be read.</summary>
    public TimeSpan FaultPhase => Duration - QuietPhase;

    public TimeSpan QuietPhase => TimeSpan.FromSeconds(Math.Min(30, Duration.TotalSeconds / 4));

    public static NemesisSettings Parse(IReadOnlyList<string> args, out IReadOnlyList<string> problems)
    {
        ArgumentNullException.ThrowIfNull(args);
        var errors = new List<string>();
        int seconds = 60, seed = 1, members = 3, clients = 2, backups = 2, processes = 0;
        string? output = null;
        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i];
            string? value = i + 1 < args.Count ? args[i + 1] : null;
            switch (name)
            {
                case "--seconds": seconds = Integer(name, value, 20, 86400, seconds, errors); i++; break;
                case "--seed": seed = Integer(name, value, 0, int.MaxValue, seed, errors); i++; break;
                case "--members": members = Integer(name, value, 1, 8, members, errors); i++; break;
                case "--clients": clients = Integer(name, value, 1, 16, clients, errors); i++; break;
                case "--backups": backups = Integer(name, value, 1, 2, backups, errors); i++; break;
                case "--processes": processes = Integer(name, value, 0, 4, processes, errors); i++; break;
                case "--out":
                    if (string.IsNullOrWhiteSpace(value))
                    {
                        errors.Add("--out needs a directory.");
                    }

                    output = value;
                    i++;
                    break;
                default:
                    errors.Add($"Unknown argument '{name}'; allowed: --seconds, --seed, --members, --clients, --backups, --processes, --out.");
                    break;
            }
        }

        problems = errors;
        return new NemesisSettings(seed, TimeSpan.FromSeconds(seconds), members, clients, backups, output, processes);
    }

    private static int Integer(string name, string? value, int min, int max, int fallback, List<string> errors)
    {
        if (value is null || !int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) || parsed < min || parsed > max)
        {
            errors.Add($"{name} must be a whole number from {min} to {max}; got '{value ?? "(nothing)"}'.");
            return fallback;
        }

        return parsed;
    }
}
