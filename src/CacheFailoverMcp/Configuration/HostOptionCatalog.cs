using System.Globalization;

namespace CacheFailoverMcp.Configuration;

/// <summary>What kind of value a host option takes, as <c>--help</c> and <c>.mcp/server.json</c> describe it.</summary>
public enum HostOptionFormat
{
    /// <summary>A flag: present means true (<c>--read-only</c>, or <c>--read-only=false</c>).</summary>
    Switch,

    /// <summary>Free text (a connection string, a URL list, a level name).</summary>
    Text,

    /// <summary>A whole number.</summary>
    Number,

    /// <summary>A path to a file.</summary>
    FilePath,
}

/// <summary>
/// One setting of the host (not of the failover engine): its command-line option, its environment
/// shortcut, its configuration key, its default and what it allows.
/// </summary>
public sealed record HostOption
{
    /// <summary>The command-line option, e.g. <c>--primary</c>.</summary>
    public required string Flag { get; init; }

    /// <summary>The configuration key (<c>appsettings.json</c>, <c>CacheFailover__…</c> variables).</summary>
    public required string ConfigurationKey { get; init; }

    /// <summary>The <c>CACHEFAILOVER_*</c> environment shortcut.</summary>
    public required string Environment { get; init; }

    /// <summary>What the value is called in help (<c>connection</c>); null for a switch.</summary>
    public string? ValueName { get; init; }

    public HostOptionFormat Format { get; init; } = HostOptionFormat.Text;

    /// <summary>The default, as a user would write it; null when there is none.</summary>
    public string? Default { get; init; }

    /// <summary>What the default means when it is not a value (e.g. "loopback names and the --urls hosts").</summary>
    public string? DefaultNote { get; init; }

    /// <summary>The values allowed when they are a short list (<c>stdio</c>, <c>http</c>).</summary>
    public IReadOnlyList<string> Choices { get; init; } = [];

    /// <summary>The inclusive range of a number option.</summary>
    public (int Minimum, int Maximum)? Range { get; init; }

    /// <summary>What the option does.</summary>
    public required string Meaning { get; init; }

    /// <summary>May be given more than once (each adds one more value).</summary>
    public bool Repeatable { get; init; }

    /// <summary>The value may be or hold a secret (a token, a connection string with a password).</summary>
    public bool IsSecret { get; init; }

    /// <summary>Heading under which <c>--help</c> lists it.</summary>
    public required string Group { get; init; }

    public bool TakesValue => Format != HostOptionFormat.Switch;

    /// <summary>The range or the choices as help and messages write them, or null.</summary>
    public string? AllowedText => Range is { } range
        ? string.Create(CultureInfo.InvariantCulture, $"{range.Minimum} to {range.Maximum}")
        : Choices.Count > 0 ? "one of " + string.Join(", ", Choices) : null;

    /// <summary>The default as help writes it: the value, and what it means when that needs saying.</summary>
    public string DefaultText => (Default, DefaultNote) switch
    {
        (null, null) => "none",
        ({ } value, null) => value,
        (null, { } note) => note,
        ({ } value, { } note) => $"{value} ({note})",
    };
}

/// <summary>
/// The one list of host options. The command-line parser, the environment shortcuts, <c>--help</c>,
/// the README's host table and <c>.mcp/server.json</c> all read it (tests keep the last two equal to it).
/// Failover options are listed by <see cref="CacheFailover.Options.FailoverOptionCatalog"/>.
/// </summary>
public static class HostOptionCatalog
{
    private const string Services = "Services";
    private const string Tools = "Tools";
    private const string Transport = "Transport";
    private const string Logging = "Logging and limits";
    private const string FrontDoor = "Redis-protocol front door";
    private const string Monitoring = "Monitoring";

    /// <summary>Every host option, in the order <c>--help</c> lists them.</summary>
    public static IReadOnlyList<HostOption> All { get; } =
    [
        new()
        {
            Flag = "--primary", ConfigurationKey = ConfigurationKeys.Primary, Environment = EnvironmentShortcuts.Primary,
            ValueName = "connection", Default = HostSettings.EmbeddedPrimary, DefaultNote = "the embedded in-memory pair, when neither --primary nor --backup is given",
            IsSecret = true, Group = Services,
            Meaning = "The primary cache: redis://[user:password@]host[:port][/db], rediss://… (TLS), a StackExchange.Redis configuration string (host:port,password=…,ssl=true), memory or memory://name.",
        },
        new()
        {
            Flag = "--backup", ConfigurationKey = ConfigurationKeys.Backups, Environment = EnvironmentShortcuts.Backups,
            ValueName = "connection", Default = HostSettings.EmbeddedBackup, DefaultNote = "the embedded in-memory pair, when neither --primary nor --backup is given",
            Repeatable = true, IsSecret = true, Group = Services,
            Meaning = "A backup cache, same forms as --primary; repeat for more, first = preferred (named backup-1, backup-2, …). In the variable, comma-separated (';' when a backup is a multi-host configuration string).",
        },
        new()
        {
            Flag = "--group", ConfigurationKey = ConfigurationKeys.Group, Environment = EnvironmentShortcuts.Group,
            ValueName = "name", Default = "default", Group = Services,
            Meaning = "Failover group: every process with the same group over the same caches follows one failover decision, kept in the caches (cachefailover:group:{<name>}:* keys). 1 to 64 letters, digits, '-', '_' or '.'.",
        },
        new()
        {
            Flag = "--read-only", ConfigurationKey = ConfigurationKeys.ReadOnly, Environment = EnvironmentShortcuts.ReadOnly,
            Format = HostOptionFormat.Switch, Default = "false", Group = Tools,
            Meaning = "Register only the read-only tools; the mutating ones do not exist for the client.",
        },
        new()
        {
            Flag = "--allow-live-drills", ConfigurationKey = ConfigurationKeys.AllowLiveDrills, Environment = EnvironmentShortcuts.AllowLiveDrills,
            Format = HostOptionFormat.Switch, Default = "false", Group = Tools,
            Meaning = "Wrap every cache in a fault injector so that test_cache_failover_scenario may inject real faults (mode live); simulated drills always work.",
        },
        new()
        {
            Flag = "--transport", ConfigurationKey = ConfigurationKeys.Transport, Environment = EnvironmentShortcuts.Transport,
            ValueName = "stdio|http", Default = "stdio", Choices = ["stdio", "http"], Group = Transport,
            Meaning = "stdio: JSON-RPC on stdin/stdout, logs on stderr; http: MCP Streamable HTTP at /mcp, Prometheus metrics at /metrics (same token as /mcp) and /healthz (no auth).",
        },
        new()
        {
            Flag = "--urls", ConfigurationKey = ConfigurationKeys.Urls, Environment = EnvironmentShortcuts.Urls,
            ValueName = "url[;url]", Default = HostSettings.DefaultUrl, Group = Transport,
            Meaning = "HTTP listen addresses (http://HOST:PORT or https://HOST:PORT, no path).",
        },
        new()
        {
            Flag = "--auth-token", ConfigurationKey = ConfigurationKeys.AuthToken, Environment = EnvironmentShortcuts.AuthToken,
            ValueName = "token", DefaultNote = "none; required for any non-loopback address", IsSecret = true, Group = Transport,
            Meaning = "Bearer token HTTP clients must send (16+ characters). Prefer the variable or --auth-token-file: a command line shows in ps.",
        },
        new()
        {
            Flag = "--auth-token-file", ConfigurationKey = ConfigurationKeys.AuthTokenFile, Environment = EnvironmentShortcuts.AuthTokenFile,
            ValueName = "path", Format = HostOptionFormat.FilePath, DefaultNote = "none; set either the token or the file", Group = Transport,
            Meaning = "Read the bearer token from this file (one line; a trailing newline is ignored).",
        },
        new()
        {
            Flag = "--allowed-origins", ConfigurationKey = ConfigurationKeys.AllowedOrigins, Environment = EnvironmentShortcuts.AllowedOrigins,
            ValueName = "o1,o2", DefaultNote = "none besides the server's own origin", Group = Transport,
            Meaning = "Browser origins allowed besides the server's own (scheme://host[:port], comma-separated, or *); any other Origin gets 403.",
        },
        new()
        {
            Flag = "--allowed-hosts", ConfigurationKey = ConfigurationKeys.AllowedHosts, Environment = EnvironmentShortcuts.AllowedHosts,
            ValueName = "h1;h2", DefaultNote = "loopback names and the --urls hosts; * when bound to every address", Group = Transport,
            Meaning = "Host names HTTP requests may use.",
        },
        new()
        {
            Flag = "--legacy-sse", ConfigurationKey = ConfigurationKeys.LegacySse, Environment = EnvironmentShortcuts.LegacySse,
            Format = HostOptionFormat.Switch, Default = "false", Group = Transport,
            Meaning = "Also serve the older HTTP+SSE transport at /sse and /message.",
        },
        new()
        {
            Flag = "--resp", ConfigurationKey = ConfigurationKeys.Resp, Environment = EnvironmentShortcuts.Resp,
            ValueName = "host:port", DefaultNote = "off", Group = FrontDoor,
            Meaning = "Also listen for the Redis protocol (RESP2) here, beside stdio or HTTP, on the same engine: any Redis client's traffic through the failover. Loopback unless a password is set.",
        },
        new()
        {
            Flag = "--resp-password", ConfigurationKey = ConfigurationKeys.RespPassword, Environment = EnvironmentShortcuts.RespPassword,
            ValueName = "password", DefaultNote = "none; required for any non-loopback --resp address", IsSecret = true, Group = FrontDoor,
            Meaning = "Password Redis clients give with AUTH or HELLO 2 AUTH (16+ characters). Prefer the variable or --resp-password-file: a command line shows in ps.",
        },
        new()
        {
            Flag = "--resp-password-file", ConfigurationKey = ConfigurationKeys.RespPasswordFile, Environment = EnvironmentShortcuts.RespPasswordFile,
            ValueName = "path", Format = HostOptionFormat.FilePath, DefaultNote = "none; set either the password or the file", Group = FrontDoor,
            Meaning = "Read the front door's password from this file (one line; a trailing newline is ignored).",
        },
        new()
        {
            Flag = "--log-level", ConfigurationKey = ConfigurationKeys.LogLevel, Environment = EnvironmentShortcuts.LogLevel,
            ValueName = "level", Default = "information", Choices = ["verbose", "debug", "information", "warning", "error", "fatal"], Group = Logging,
            Meaning = "The lowest level written to stderr (and to --log-file).",
        },
        new()
        {
            Flag = "--log-file", ConfigurationKey = ConfigurationKeys.LogFile, Environment = EnvironmentShortcuts.LogFile,
            ValueName = "path", Format = HostOptionFormat.FilePath, DefaultNote = "none: stderr only", Group = Logging,
            Meaning = "Also write the log to this file, rolled daily and at 10 MB, 7 files kept (PATH becomes PATH-without-extension + date + extension); stderr keeps every line too.",
        },
        new()
        {
            Flag = "--audit-capacity", ConfigurationKey = ConfigurationKeys.AuditCapacity, Environment = EnvironmentShortcuts.AuditCapacity,
            ValueName = "n", Format = HostOptionFormat.Number, Default = HostSettings.DefaultAuditCapacity.ToString(CultureInfo.InvariantCulture),
            Range = (HostSettings.MinAuditCapacity, HostSettings.MaxAuditCapacity), Group = Logging,
            Meaning = "Mutating-tool calls kept in the in-memory audit trail.",
        },
        new()
        {
            Flag = "--otlp-endpoint", ConfigurationKey = ConfigurationKeys.OtlpEndpoint, Environment = EnvironmentShortcuts.OtlpEndpoint,
            ValueName = "url", DefaultNote = "off, unless an OTEL_EXPORTER_OTLP_* variable is set", Group = Monitoring,
            Meaning = "Export the CacheFailover metrics over OTLP to this collector (http://HOST:PORT or https://…; same meaning as OTEL_EXPORTER_OTLP_ENDPOINT, which it overrides). The protocol, headers and interval come from the standard OTEL_EXPORTER_OTLP_* and OTEL_METRIC_EXPORT_INTERVAL variables.",
        },
    ];

    /// <summary>The option with this exact flag, or null.</summary>
    public static HostOption? Find(string flag) => All.FirstOrDefault(o => string.Equals(o.Flag, flag, StringComparison.Ordinal));

    /// <summary>The option with this exact flag.</summary>
    public static HostOption Get(string flag) => Find(flag) ?? throw new ArgumentException($"'{flag}' is not a host option.", nameof(flag));
}
