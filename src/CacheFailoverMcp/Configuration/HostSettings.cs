using System.Net;
using CacheFailover.Configuration;
using CacheFailover.Options;
using Serilog.Events;

namespace CacheFailoverMcp.Configuration;

/// <summary>How MCP clients reach the server.</summary>
public enum McpTransportKind
{
    /// <summary>JSON-RPC over stdin/stdout; the client starts the server.</summary>
    Stdio,

    /// <summary>MCP Streamable HTTP at <c>/mcp</c> (and legacy HTTP+SSE when enabled).</summary>
    Http,
}

/// <summary>Everything the host needs, validated. Built by <see cref="HostSettingsLoader"/>.</summary>
public sealed record HostSettings
{
    /// <summary>The embedded default primary: an in-process cache, so every tool works with nothing installed.</summary>
    public const string EmbeddedPrimary = "memory://primary";

    /// <summary>The embedded default backup.</summary>
    public const string EmbeddedBackup = "memory://backup";

    /// <summary>Where the HTTP transport listens unless told otherwise: loopback only.</summary>
    public const string DefaultUrl = "http://127.0.0.1:3001";

    /// <summary>Mutating-tool calls the audit trail keeps unless told otherwise, and the range allowed.</summary>
    public const int DefaultAuditCapacity = 1000;
    public const int MinAuditCapacity = 1;
    public const int MaxAuditCapacity = 100_000;

    /// <summary>The primary's service id.</summary>
    public const string PrimaryServiceId = CacheFailoverSettings.PrimaryServiceId;

    /// <summary>The primary's connection string (may hold a password: never log or show it unredacted).</summary>
    public string PrimaryConnection { get; init; } = EmbeddedPrimary;

    /// <summary>Backups in priority order (first is preferred).</summary>
    public IReadOnlyList<string> BackupConnections { get; init; } = [EmbeddedBackup];

    /// <summary>True when neither a primary nor a backup was configured and the in-memory pair is used.</summary>
    public bool UsesEmbeddedDefault { get; init; } = true;

    /// <summary>When true the mutating tools are not registered at all.</summary>
    public bool ReadOnly { get; init; }

    public McpTransportKind Transport { get; init; } = McpTransportKind.Stdio;

    /// <summary>HTTP listen addresses.</summary>
    public IReadOnlyList<Uri> Urls { get; init; } = [new Uri(DefaultUrl)];

    /// <summary>Bearer token HTTP clients must send; required when binding any non-loopback address.</summary>
    public string? AuthToken { get; init; }

    /// <summary>
    /// Origins (<c>scheme://host[:port]</c>) besides the server's own that browsers may call it from; a
    /// request with any other <c>Origin</c> is refused (DNS-rebinding protection). <c>*</c> allows every origin.
    /// </summary>
    public IReadOnlyList<string> AllowedOrigins { get; init; } = [];

    /// <summary>Also serve the older HTTP+SSE transport at <c>/sse</c> + <c>/message</c>.</summary>
    public bool LegacySse { get; init; }

    /// <summary>Host names HTTP requests may carry (<c>AllowedHosts</c>); computed from the bind addresses unless configured.</summary>
    public IReadOnlyList<string> AllowedHosts { get; init; } = [];

    /// <summary>The engine's options at start-up.</summary>
    public FailoverOptions Failover { get; init; } = new();

    /// <summary>The lowest level written to stderr.</summary>
    public LogEventLevel LogLevel { get; init; } = LogEventLevel.Information;

    /// <summary>
    /// When true every backend is wrapped in a fault injector and live drills may inject real faults.
    /// Off by default: a production server then has no fault-injection path at all.
    /// </summary>
    public bool AllowLiveDrills { get; init; }

    /// <summary>The failover group this process joins: every process with the same group over the same caches follows one record.</summary>
    public string Group { get; init; } = "default";
    /// <summary>Where the Redis-protocol front door listens (<c>--resp HOST:PORT</c>); null when it is off.</summary>
    public IPEndPoint? Resp { get; init; }

    /// <summary>The password Redis clients give the front door (AUTH / HELLO … AUTH); required for a non-loopback <see cref="Resp"/>. Never logged or shown.</summary>
    public string? RespPassword { get; init; }

    /// <summary>Mutating-tool calls kept in the in-memory audit trail.</summary>
    public int AuditCapacity { get; init; } = DefaultAuditCapacity;

    /// <summary>Where to export metrics over OTLP (<c>--otlp-endpoint</c>); null leaves it to the <c>OTEL_EXPORTER_OTLP_*</c> variables.</summary>
    public Uri? OtlpEndpoint { get; init; }

    /// <summary>The process's <c>OTEL_*</c> variables, handed to the OpenTelemetry SDK (whose hosts here read no environment of their own).</summary>
    public IReadOnlyDictionary<string, string> OpenTelemetryEnvironment { get; init; } = new Dictionary<string, string>();

    /// <summary>True when metrics go out over OTLP: the option, or any <c>OTEL_EXPORTER_OTLP_*</c> variable, is set.</summary>
    public bool ExportsOtlp => OtlpEndpoint is not null || OpenTelemetryEnvironment.Keys.Any(k => k.StartsWith(OtlpVariablePrefix, StringComparison.Ordinal));

    /// <summary>The prefix of the standard variables that configure (and here, switch on) the OTLP exporter.</summary>
    public const string OtlpVariablePrefix = "OTEL_EXPORTER_OTLP_";

    /// <summary>The log file (<c>--log-file</c>), as a full path; null when logs go to stderr only.</summary>
    public string? LogFile { get; init; }

    /// <summary>The id of the backup at <paramref name="index"/> (0-based): <c>backup-1</c>, <c>backup-2</c>, ...</summary>
    public static string BackupServiceId(int index) => CacheFailoverSettings.BackupServiceId(index);

    /// <summary>True when every HTTP listen address is a loopback one.</summary>
    public bool BindsOnlyLoopback => Urls.All(IsLoopback);

    /// <summary>True for <c>localhost</c>, <c>127.0.0.0/8</c> and <c>[::1]</c>; false for wildcards and anything else.</summary>
    public static bool IsLoopback(Uri url)
    {
        ArgumentNullException.ThrowIfNull(url);
        var host = url.Host;
        if (string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        return IPAddress.TryParse(host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address);
    }
}
