using System.Collections;
using System.Globalization;
using CacheFailover.Configuration;
using Microsoft.Extensions.Configuration;
using Serilog.Events;

namespace CacheFailoverMcp.Configuration;

/// <summary>
/// The outcome of reading the configuration: the settings (best effort when there are problems, so
/// that later checks can add theirs), every problem found, or a request for help.
/// </summary>
public sealed record SettingsLoadResult(HostSettings Settings, bool ShowHelp, IReadOnlyList<string> Problems)
{
    /// <summary>True when <c>--version</c> was given (and not <c>--help</c>, which wins).</summary>
    public bool ShowVersion { get; init; }
}

/// <summary>
/// Reads <c>appsettings.json</c>, environment variables (with the <c>CACHEFAILOVER_*</c> shortcuts)
/// and the command line (with its shortcuts), in that order of precedence, and validates the whole:
/// every problem is listed, not only the first.
/// </summary>
public static class HostSettingsLoader
{
    private static readonly string[] LoopbackHosts = ["localhost", "127.0.0.1", "[::1]"];

    /// <summary>Reads the process's own environment.</summary>
    public static IReadOnlyDictionary<string, string> ProcessEnvironment()
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (DictionaryEntry entry in Environment.GetEnvironmentVariables())
        {
            if (entry.Key is string key && entry.Value is string value)
            {
                result[key] = value;
            }
        }

        return result;
    }

    /// <summary>Loads and validates. <paramref name="settingsFile"/> is optional (absent file = no settings).</summary>
    public static SettingsLoadResult Load(IReadOnlyList<string> args, IReadOnlyDictionary<string, string> environment, string? settingsFile)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(environment);
        var commandLine = CommandLineShortcuts.Parse(args);
        if (commandLine.ShowHelp || commandLine.ShowVersion)
        {
            // Neither needs the configuration, and neither should fail because of it.
            return new SettingsLoadResult(new HostSettings(), commandLine.ShowHelp, []) { ShowVersion = !commandLine.ShowHelp };
        }

        var problems = new List<string>(commandLine.Problems);
        IConfiguration configuration;
        try
        {
            configuration = Build(commandLine, environment, settingsFile);
        }
        catch (InvalidDataException ex)
        {
            return new SettingsLoadResult(new HostSettings(), false, [.. problems, $"{settingsFile} is not valid JSON: {ex.InnerException?.Message ?? ex.Message}"]);
        }
        catch (FormatException ex)
        {
            return new SettingsLoadResult(new HostSettings(), false, [.. problems, $"{settingsFile} could not be read: {ex.Message}"]);
        }

        var settings = Read(configuration, commandLine, environment, problems);
        return new SettingsLoadResult(settings, false, problems);
    }

    private static IConfiguration Build(ParsedCommandLine commandLine, IReadOnlyDictionary<string, string> environment, string? settingsFile)
    {
        var builder = new ConfigurationBuilder();
        if (settingsFile is not null)
        {
            builder.AddJsonFile(settingsFile, optional: true, reloadOnChange: false);
        }

        // The standard mapping (CacheFailover__Failover__failure_threshold), then the typed shortcuts.
        builder.AddInMemoryCollection(environment
            .Where(pair => pair.Key.Contains("__", StringComparison.Ordinal) || string.Equals(pair.Key, ConfigurationKeys.AllowedHosts, StringComparison.OrdinalIgnoreCase))
            .Select(pair => new KeyValuePair<string, string?>(pair.Key.Replace("__", ":", StringComparison.Ordinal), pair.Value)));
        builder.AddInMemoryCollection(EnvironmentShortcuts.Scalars
            .Where(pair => environment.ContainsKey(pair.Key))
            .Select(pair => new KeyValuePair<string, string?>(pair.Value, environment[pair.Key])));
        builder.AddInMemoryCollection(commandLine.Values);
        return builder.Build();
    }

    private static HostSettings Read(IConfiguration configuration, ParsedCommandLine commandLine, IReadOnlyDictionary<string, string> environment, List<string> problems)
    {
        var primary = NonEmpty(configuration[ConfigurationKeys.Primary]);
        var backups = ReadBackups(configuration, commandLine, environment);
        var embedded = primary is null && backups.Count == 0;
        if (primary is null && backups.Count > 0)
        {
            problems.Add($"{backups.Count} backup(s) given but no primary: set --primary or {EnvironmentShortcuts.Primary} (or give neither to use the embedded in-memory pair).");
        }

        for (var i = 0; i < backups.Count; i++)
        {
            if (primary is not null && string.Equals(backups[i].Trim(), primary, StringComparison.OrdinalIgnoreCase))
            {
                problems.Add($"--backup #{i + 1} ({HostSettings.BackupServiceId(i)}) '{SafeEcho.Url(backups[i])}' is the same endpoint as --primary '{SafeEcho.Url(primary)}': a backup must be another cache.");
            }
        }

        var transport = ReadTransport(configuration[ConfigurationKeys.Transport], problems);
        var urls = ReadUrls(configuration[ConfigurationKeys.Urls], problems);
        var token = AuthTokenSource.Read(NonEmpty(configuration[ConfigurationKeys.AuthToken]), NonEmpty(configuration[ConfigurationKeys.AuthTokenFile]), problems);
        var legacySse = ReadBool(configuration, ConfigurationKeys.LegacySse, "--legacy-sse", problems);
        var settings = new HostSettings
        {
            PrimaryConnection = embedded ? HostSettings.EmbeddedPrimary : primary ?? HostSettings.EmbeddedPrimary,
            BackupConnections = embedded ? [HostSettings.EmbeddedBackup] : backups,
            UsesEmbeddedDefault = embedded,
            ReadOnly = ReadBool(configuration, ConfigurationKeys.ReadOnly, "--read-only", problems),
            Transport = transport,
            Urls = urls,
            AuthToken = token,
            AllowedOrigins = ReadAllowedOrigins(configuration[ConfigurationKeys.AllowedOrigins], problems),
            LegacySse = legacySse,
            Failover = CacheFailoverSectionReader.ReadFailoverOptions(configuration.GetSection(ConfigurationKeys.Failover), ConfigurationKeys.Failover, problems),
            LogLevel = ReadLogLevel(configuration[ConfigurationKeys.LogLevel], problems),
            LogFile = LogFileCheck.Read(NonEmpty(configuration[ConfigurationKeys.LogFile]), problems),
            OtlpEndpoint = ReadOtlpEndpoint(NonEmpty(configuration[ConfigurationKeys.OtlpEndpoint]), problems),
            OpenTelemetryEnvironment = environment
                .Where(pair => pair.Key.StartsWith("OTEL_", StringComparison.Ordinal) && pair.Value.Length > 0)
                .ToDictionary(pair => pair.Key, pair => pair.Value, StringComparer.Ordinal),
            AuditCapacity = ReadInt(configuration, ConfigurationKeys.AuditCapacity, "--audit-capacity", HostSettings.DefaultAuditCapacity, HostSettings.MinAuditCapacity, HostSettings.MaxAuditCapacity, problems),
            AllowLiveDrills = ReadBool(configuration, ConfigurationKeys.AllowLiveDrills, "--allow-live-drills", problems),
            Group = CacheFailoverSectionReader.ReadGroup(NonEmpty(configuration[ConfigurationKeys.Group]), "--group", problems),
        };

        if (transport == McpTransportKind.Http)
        {
            if (!settings.BindsOnlyLoopback && token is null)
            {
                var exposed = string.Join(", ", urls.Where(u => !HostSettings.IsLoopback(u)));
                problems.Add($"--urls {SafeEcho.Url(exposed)} is not a loopback address, so HTTP clients must authenticate: set a bearer token with {EnvironmentShortcuts.AuthToken} or --auth-token-file PATH (at least 16 characters; --auth-token also works but is visible in ps), or bind 127.0.0.1.");
            }

            if (token is { Length: < 16 })
            {
                problems.Add($"the auth token is too short ({token.Length} characters): use at least 16 random characters.");
            }
        }

        var resp = ReadResp(NonEmpty(configuration[ConfigurationKeys.Resp]), problems);
        var respPassword = AuthTokenSource.Read(AuthTokenSource.RespPassword, NonEmpty(configuration[ConfigurationKeys.RespPassword]), NonEmpty(configuration[ConfigurationKeys.RespPasswordFile]), problems);
        CheckRespPassword(resp, respPassword, problems);
        return settings with { AllowedHosts = ReadAllowedHosts(configuration[ConfigurationKeys.AllowedHosts], urls), Resp = resp, RespPassword = respPassword };
    }

    /// <summary><c>HOST:PORT</c> for the front door: an IP address (IPv6 in brackets), <c>localhost</c> or <c>*</c>, and a port.</summary>
    private static System.Net.IPEndPoint? ReadResp(string? text, List<string> problems)
    {
        if (text is null)
        {
            return null;
        }

        var colon = text.LastIndexOf(':');
        var host = colon > 0 ? text[..colon] : string.Empty;
        var portText = colon > 0 ? text[(colon + 1)..] : string.Empty;
        System.Net.IPAddress? address = host switch
        {
            "localhost" => System.Net.IPAddress.Loopback,
            "*" => System.Net.IPAddress.Any,
            _ => System.Net.IPAddress.TryParse(host.StartsWith('[') && host.EndsWith(']') ? host[1..^1] : host, out var parsed) && (host.Contains('.', StringComparison.Ordinal) || host.StartsWith('[')) ? parsed : null,
        };
        if (address is null || !int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port > 65535)
        {
            problems.Add($"--resp '{SafeEcho.Url(text)}' is not HOST:PORT: give an IP address (IPv6 in brackets), localhost or * and a port from 0 to 65535, e.g. 127.0.0.1:6380.");
            return null;
        }

        return new System.Net.IPEndPoint(address, port);
    }

    /// <summary>The HTTP token rule, for the front door: any address but loopback needs a password of 16 or more characters.</summary>
    private static void CheckRespPassword(System.Net.IPEndPoint? resp, string? password, List<string> problems)
    {
        if (resp is null)
        {
            if (password is not null)
            {
                problems.Add($"a RESP password is set but the front door is off: add --resp HOST:PORT ({EnvironmentShortcuts.Resp}), or remove the password.");
            }

            return;
        }

        if (!System.Net.IPAddress.IsLoopback(resp.Address) && password is null)
        {
            problems.Add($"--resp {resp} is not a loopback address, so Redis clients must authenticate: set a password with {EnvironmentShortcuts.RespPassword} or --resp-password-file PATH (at least 16 characters; --resp-password also works but is visible in ps), or bind 127.0.0.1.");
        }

        if (password is { Length: < 16 })
        {
            problems.Add($"the RESP password is too short ({password.Length} characters): use at least 16 random characters.");
        }
    }

    private static List<string> ReadBackups(IConfiguration configuration, ParsedCommandLine commandLine, IReadOnlyDictionary<string, string> environment)
    {
        // Lists are not merged across sources (configuration would merge them by index): the most
        // specific source that names any backup decides them all.
        if (commandLine.Backups.Count > 0)
        {
            return [.. commandLine.Backups.Select(b => b.Trim()).Where(b => b.Length > 0)];
        }

        if (environment.TryGetValue(EnvironmentShortcuts.Backups, out var fromEnvironment) && !string.IsNullOrWhiteSpace(fromEnvironment))
        {
            return SplitConnectionList(fromEnvironment);
        }

        return CacheFailoverSectionReader.ReadBackups(configuration.GetSection(ConfigurationKeys.Backups));
    }

    /// <summary>Splits a list of connection strings (<see cref="CacheFailoverSectionReader.SplitConnectionList"/>).</summary>
    public static List<string> SplitConnectionList(string text) => CacheFailoverSectionReader.SplitConnectionList(text);

    private static McpTransportKind ReadTransport(string? text, List<string> problems)
    {
        switch (NonEmpty(text)?.ToUpperInvariant())
        {
            case null or "STDIO":
                return McpTransportKind.Stdio;
            case "HTTP":
                return McpTransportKind.Http;
            default:
                problems.Add($"--transport must be {string.Join(" or ", HostOptionCatalog.Get("--transport").Choices.Select(c => $"'{c}'"))} (got '{SafeEcho.Value(text)}').");
                return McpTransportKind.Stdio;
        }
    }

    private static List<Uri> ReadUrls(string? text, List<string> problems)
    {
        var urls = new List<Uri>();
        foreach (var raw in (NonEmpty(text) ?? HostSettings.DefaultUrl).Split([';', ','], StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            // Kestrel's wildcards are not URI hosts; they mean "every address", so treat them as 0.0.0.0.
            var normalized = raw.Replace("://*", "://0.0.0.0", StringComparison.Ordinal).Replace("://+", "://0.0.0.0", StringComparison.Ordinal);
            if (Uri.TryCreate(normalized, UriKind.Absolute, out var url) && url.Scheme is "http" or "https" && url.AbsolutePath == "/" && url.Query.Length == 0)
            {
                urls.Add(url);
            }
            else
            {
                problems.Add($"--urls entry '{SafeEcho.Url(raw)}' is not valid: use http://HOST:PORT or https://HOST:PORT with no path (e.g. {HostSettings.DefaultUrl}).");
            }
        }

        return urls.Count > 0 ? urls : [new Uri(HostSettings.DefaultUrl)];
    }

    private static List<string> ReadAllowedHosts(string? text, IReadOnlyList<Uri> urls)
    {
        if (NonEmpty(text) is { } configured)
        {
            return [.. configured.Split([';', ','], StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)];
        }

        if (urls.Any(u => u.Host is "0.0.0.0" or "[::]" or "::"))
        {
            // Bound to every address: any name may reach it. The bearer token (required there) is the guard.
            return ["*"];
        }

        return [.. LoopbackHosts.Concat(urls.Select(u => u.Host)).Distinct(StringComparer.OrdinalIgnoreCase)];
    }

    private static List<string> ReadAllowedOrigins(string? text, List<string> problems)
    {
        var origins = new List<string>();
        foreach (var raw in (NonEmpty(text) ?? string.Empty).Split([';', ','], StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (raw == "*")
            {
                origins.Add(raw);
            }
            else if (Uri.TryCreate(raw, UriKind.Absolute, out var url) && url.Scheme is "http" or "https" && url.AbsolutePath == "/" && url.Query.Length == 0 && url.UserInfo.Length == 0 && !raw.EndsWith('/'))
            {
                origins.Add(url.GetLeftPart(UriPartial.Authority));
            }
            else
            {
                problems.Add($"--allowed-origins entry '{SafeEcho.Url(raw)}' is not an origin: use scheme://host[:port] with no path (e.g. https://app.example.com), separated by commas, or * for any.");
            }
        }

        return origins;
    }

    /// <summary>An OTLP collector's address: absolute http or https, no user name or password in it (headers carry credentials).</summary>
    private static Uri? ReadOtlpEndpoint(string? text, List<string> problems)
    {
        if (text is null)
        {
            return null;
        }

        if (Uri.TryCreate(text, UriKind.Absolute, out var url) && url.Scheme is "http" or "https" && url.UserInfo.Length == 0 && url.Query.Length == 0)
        {
            return url;
        }

        problems.Add($"--otlp-endpoint '{SafeEcho.Url(text)}' is not a collector address: use http://HOST:PORT or https://HOST:PORT (e.g. http://127.0.0.1:4318 with OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf, or :4317 for grpc), with no user, password or query; send credentials in OTEL_EXPORTER_OTLP_HEADERS.");
        return null;
    }

    private static LogEventLevel ReadLogLevel(string? text, List<string> problems)
    {
        switch (NonEmpty(text)?.ToUpperInvariant())
        {
            case null or "INFORMATION" or "INFO":
                return LogEventLevel.Information;
            case "VERBOSE" or "TRACE":
                return LogEventLevel.Verbose;
            case "DEBUG":
                return LogEventLevel.Debug;
            case "WARNING" or "WARN":
                return LogEventLevel.Warning;
            case "ERROR":
                return LogEventLevel.Error;
            case "FATAL" or "CRITICAL":
                return LogEventLevel.Fatal;
            default:
                problems.Add($"--log-level must be {HostOptionCatalog.Get("--log-level").AllowedText} (got '{SafeEcho.Value(text)}').");
                return LogEventLevel.Information;
        }
    }

    private static bool ReadBool(IConfiguration configuration, string key, string option, List<string> problems)
    {
        var text = NonEmpty(configuration[key]);
        if (text is null)
        {
            return false;
        }

        if (bool.TryParse(text, out var value))
        {
            return value;
        }

        if (text is "1" or "0" or "yes" or "no")
        {
            return text is "1" or "yes";
        }

        problems.Add($"{option} must be true or false (got '{SafeEcho.Value(text)}').");
        return false;
    }

    private static int ReadInt(IConfiguration configuration, string key, string option, int defaultValue, int min, int max, List<string> problems)
    {
        var text = NonEmpty(configuration[key]);
        if (text is null)
        {
            return defaultValue;
        }

        if (int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max)
        {
            return value;
        }

        problems.Add(string.Create(CultureInfo.InvariantCulture, $"{option} ({key}) must be a whole number between {min} and {max} (got '{SafeEcho.Value(text)}')."));
        return defaultValue;
    }

    private static string? NonEmpty(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();
}
