namespace CacheFailoverMcp.Configuration;

/// <summary>Configuration keys (appsettings.json, <c>CacheFailover__…</c> environment variables, <c>--CacheFailover:…</c> arguments).</summary>
public static class ConfigurationKeys
{
    public const string Section = "CacheFailover";
    public const string Primary = Section + ":Primary";
    public const string Backups = Section + ":Backups";
    public const string ReadOnly = Section + ":ReadOnly";
    public const string Transport = Section + ":Transport";
    public const string Urls = Section + ":Urls";
    public const string AuthToken = Section + ":AuthToken";
    public const string AuthTokenFile = Section + ":AuthTokenFile";
    public const string AllowedOrigins = Section + ":AllowedOrigins";
    public const string LegacySse = Section + ":LegacySse";
    public const string LogLevel = Section + ":LogLevel";
    public const string AuditCapacity = Section + ":AuditCapacity";
    public const string AllowLiveDrills = Section + ":AllowLiveDrills";
    public const string Group = Section + ":Group";
    public const string Failover = Section + ":Failover";
    public const string Resp = Section + ":Resp";
    public const string RespPassword = Section + ":RespPassword";
    public const string RespPasswordFile = Section + ":RespPasswordFile";
    public const string OtlpEndpoint = Section + ":OtlpEndpoint";
    public const string LogFile = Section + ":LogFile";

    /// <summary>ASP.NET Core's own key, kept at the root so the usual documentation applies.</summary>
    public const string AllowedHosts = "AllowedHosts";
}

/// <summary>The environment-variable shortcuts a user can type.</summary>
public static class EnvironmentShortcuts
{
    public const string Primary = "CACHEFAILOVER_PRIMARY";
    public const string Backups = "CACHEFAILOVER_BACKUPS";
    public const string ReadOnly = "CACHEFAILOVER_READ_ONLY";
    public const string Transport = "CACHEFAILOVER_TRANSPORT";
    public const string Urls = "CACHEFAILOVER_URLS";
    public const string AuthToken = "CACHEFAILOVER_AUTH_TOKEN";
    public const string AuthTokenFile = "CACHEFAILOVER_AUTH_TOKEN_FILE";
    public const string AllowedOrigins = "CACHEFAILOVER_ALLOWED_ORIGINS";
    public const string LegacySse = "CACHEFAILOVER_LEGACY_SSE";
    public const string AllowedHosts = "CACHEFAILOVER_ALLOWED_HOSTS";
    public const string LogLevel = "CACHEFAILOVER_LOG_LEVEL";
    public const string AllowLiveDrills = "CACHEFAILOVER_ALLOW_LIVE_DRILLS";
    public const string Group = "CACHEFAILOVER_GROUP";
    public const string Resp = "CACHEFAILOVER_RESP";
    public const string RespPassword = "CACHEFAILOVER_RESP_PASSWORD";
    public const string RespPasswordFile = "CACHEFAILOVER_RESP_PASSWORD_FILE";
    public const string AuditCapacity = "CACHEFAILOVER_AUDIT_CAPACITY";
    public const string OtlpEndpoint = "CACHEFAILOVER_OTLP_ENDPOINT";
    public const string LogFile = "CACHEFAILOVER_LOG_FILE";

    /// <summary>Shortcut → configuration key, for the scalar ones (backups need splitting); from <see cref="HostOptionCatalog"/>.</summary>
    public static IReadOnlyDictionary<string, string> Scalars { get; } = HostOptionCatalog.All
        .Where(o => !o.Repeatable)
        .ToDictionary(o => o.Environment, o => o.ConfigurationKey, StringComparer.Ordinal);
}
