using System.Globalization;
using System.Text;
using CacheFailover.Options;

namespace CacheFailoverMcp.Configuration;

/// <summary>The <c>--help</c> text (written to stderr: stdout belongs to JSON-RPC).</summary>
public static class Usage
{
    /// <summary>Exit code for a configuration that cannot start.</summary>
    public const int InvalidConfigurationExitCode = 2;

    /// <summary>How the help marks an option the running engine cannot change (<see cref="FailoverOptionDescriptor.RuntimeChangeable"/> false).</summary>
    public const string StartupOnlyMark = "(start-up only)";

    public static string Text
    {
        get
        {
            var options = new StringBuilder();
            foreach (var descriptor in FailoverOptionCatalog.All)
            {
                options.Append(CultureInfo.InvariantCulture, $"  --{descriptor.Name} <{FailoverOptionsBinder.Placeholder(descriptor.Type)}>{(descriptor.RuntimeChangeable ? string.Empty : "  " + StartupOnlyMark)}\n");
                options.Append(CultureInfo.InvariantCulture, $"      {descriptor.Summary}\n");
            }

            return $$"""
                CacheFailoverMcp — an MCP server that puts a failover engine in front of a primary cache and its backups.

                Usage: CacheFailoverMcp [options]
                       dotnet run --project src/CacheFailoverMcp -- [options]

                With no --primary and no --backup the server uses an embedded in-memory pair
                (primary memory://primary, backup memory://backup): every tool works with nothing installed.

                Services:
                  --primary <connection>      The primary cache.                       env {{EnvironmentShortcuts.Primary}}
                  --backup <connection>       A backup; repeat for more, first = preferred.
                                                                                       env {{EnvironmentShortcuts.Backups}} (comma-separated;
                                                                                       use ';' when a backup is a multi-host configuration string)
                  A connection is redis://[user:password@]host[:port][/db], rediss://… (TLS),
                  a StackExchange.Redis string (host:port,password=…,ssl=true), memory or memory://name.
                  Services are named primary, backup-1, backup-2, … in that order.
                  --group <name>              Failover group (default "default"): every process with the same
                                              group over the same caches follows one failover decision, kept
                                              in the caches. 1-64 letters, digits, '-', '_', '.'.
                                                                                       env {{EnvironmentShortcuts.Group}}

                Tools:
                  --read-only                 Register only the read-only tools.       env {{EnvironmentShortcuts.ReadOnly}}=true
                  --allow-live-drills         Let test_cache_failover_scenario inject real faults (mode live);
                                              off by default: backends are then not wrapped for fault injection.
                                                                                       env {{EnvironmentShortcuts.AllowLiveDrills}}=true

                Transport:
                  --transport stdio|http      Default stdio (JSON-RPC on stdin/stdout, logs on stderr).
                                                                                       env {{EnvironmentShortcuts.Transport}}
                  --urls <url[;url]>          HTTP listen addresses. Default {{HostSettings.DefaultUrl}}.
                                                                                       env {{EnvironmentShortcuts.Urls}}
                  --auth-token <token>        Bearer token HTTP clients must send; required for any
                                              non-loopback address (16+ characters).   env {{EnvironmentShortcuts.AuthToken}}
                                              Prefer the variable or the file: a command line shows in ps.
                  --auth-token-file <path>    Read the bearer token from this file.    env {{EnvironmentShortcuts.AuthTokenFile}}
                  --allowed-origins <o1,o2>   Browser origins allowed besides the server's own (scheme://host[:port],
                                              or '*'); any other Origin is refused with 403.
                                                                                       env {{EnvironmentShortcuts.AllowedOrigins}}
                  --allowed-hosts <h1;h2>     Host names HTTP requests may use. Default: loopback names
                                              and the --urls hosts ('*' when bound to every address).
                                                                                       env {{EnvironmentShortcuts.AllowedHosts}}
                  --legacy-sse                Also serve the older HTTP+SSE transport at /sse + /message.
                                                                                       env {{EnvironmentShortcuts.LegacySse}}=true
                  HTTP endpoints: /mcp (MCP Streamable HTTP), /healthz (no auth).

                Redis-protocol front door (any Redis client's traffic through the failover engine):
                  --resp <host:port>          Also listen for RESP2 here, beside stdio or HTTP, on the same engine.
                                              Loopback (127.0.0.1:6380) unless a password is set.
                                                                                       env {{EnvironmentShortcuts.Resp}}
                  --resp-password <password>  Password clients give with AUTH or HELLO 2 AUTH; required for any
                                              non-loopback address (16+ characters).   env {{EnvironmentShortcuts.RespPassword}}
                                              Prefer the variable or the file: a command line shows in ps.
                  --resp-password-file <path> Read the password from this file.        env {{EnvironmentShortcuts.RespPasswordFile}}

                Logging:
                  --log-level <level>         verbose|debug|information|warning|error. Default information.
                                                                                       env {{EnvironmentShortcuts.LogLevel}}

                Failover options (also in appsettings.json under CacheFailover:Failover, or
                environment variables CacheFailover__Failover__<name>). All but those marked
                {{StartupOnlyMark}} can also be changed at runtime with the configure_cache_failover tool:
                {{options}}
                Any configuration key can also be given as --Section:Key=value.
                Invalid configuration stops start-up with every problem listed (exit code {{InvalidConfigurationExitCode}}).

                """;
        }
    }
}
