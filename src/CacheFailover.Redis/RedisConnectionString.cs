using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;
using CacheFailover.Security;
using StackExchange.Redis;

namespace CacheFailover.Redis;

/// <summary>How a Redis connection string was written.</summary>
public enum RedisConnectionForm
{
    /// <summary><c>redis://[user:password@]host[:port][/db]</c>, or <c>rediss://…</c> for TLS.</summary>
    Uri,

    /// <summary>
    /// A StackExchange.Redis configuration string: <c>host:port[,host:port…][,option=value…]</c>,
    /// which also covers Sentinel (<c>serviceName=…</c>) and cluster endpoints.
    /// </summary>
    Configuration,
}

/// <summary>
/// A parsed, validated Redis connection string. Parse errors are <see cref="ArgumentException"/>s
/// that name the bad part and never contain a password; <see cref="Redacted"/> is safe to show.
/// </summary>
public sealed class RedisConnectionString
{
    /// <summary>The port used when a connection string names none.</summary>
    public const int DefaultPort = 6379;

    private const string PlainScheme = "redis://";
    private const string TlsScheme = "rediss://";

    /// <summary>The configuration-string option naming a CA certificate file to trust for TLS (this product's, not the client library's).</summary>
    public const string TlsCaFileOption = "tlsCaFile";

    private readonly ConfigurationOptions _options;
    private readonly HashSet<string> _explicitOptions;

    private RedisConnectionString(RedisConnectionForm form, ConfigurationOptions options, string redacted, IReadOnlyList<string> endpoints, HashSet<string> explicitOptions)
    {
        Form = form;
        _options = options;
        _explicitOptions = explicitOptions;
        Redacted = redacted;
        Endpoints = endpoints;
    }

    /// <summary>Which form the string was written in.</summary>
    public RedisConnectionForm Form { get; }

    /// <summary>The connection string with passwords and tokens replaced by <c>***</c>.</summary>
    public string Redacted { get; }

    /// <summary>The endpoints as written (<c>host:port</c>, or just <c>host</c> in a configuration string).</summary>
    public IReadOnlyList<string> Endpoints { get; }

    /// <summary>The database number operations use (0 unless the string names one).</summary>
    public int Database => _options.DefaultDatabase ?? 0;

    /// <summary>Whether the connection uses TLS.</summary>
    public bool UseTls => _options.Ssl;

    /// <summary>The Sentinel service name, when the string points at Sentinels.</summary>
    public string? ServiceName => _options.ServiceName;

    /// <summary>The ACL user name, if any.</summary>
    public string? User => _options.User;

    /// <summary>Whether a password was given (the password itself is never exposed).</summary>
    public bool HasPassword => !string.IsNullOrEmpty(_options.Password);

    /// <summary>Parses <paramref name="connection"/>, throwing an <see cref="ArgumentException"/> that names the bad part.</summary>
    public static RedisConnectionString Parse(string connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        if (TryParse(connection, out var result, out var error))
        {
            return result;
        }

        throw new ArgumentException(error, nameof(connection));
    }

    /// <summary>Parses <paramref name="connection"/>; on failure <paramref name="error"/> names the bad part and holds no password.</summary>
    public static bool TryParse(string connection, [NotNullWhen(true)] out RedisConnectionString? result, [NotNullWhen(false)] out string? error)
    {
        ArgumentNullException.ThrowIfNull(connection);
        result = null;
        var trimmed = connection.Trim();
        if (trimmed.Length == 0)
        {
            error = "The Redis connection string is empty; use redis://host:port, rediss://host:port or host:port[,option=value…].";
            return false;
        }

        string? problem;
        if (IsUri(trimmed))
        {
            problem = TryParseUri(trimmed, out result);
        }
        else if (trimmed.Contains("://", StringComparison.Ordinal))
        {
            problem = "the scheme is not supported; use redis://, rediss:// or a StackExchange.Redis configuration string.";
        }
        else
        {
            problem = TryParseConfiguration(trimmed, out result);
        }

        error = problem is null ? null : $"Invalid Redis connection string '{Redact(trimmed)}': {problem}";
        return problem is null;
    }

    /// <summary>True when <paramref name="connection"/> starts with <c>redis://</c> or <c>rediss://</c>.</summary>
    public static bool IsUri(string connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var trimmed = connection.AsSpan().TrimStart();
        return trimmed.StartsWith(PlainScheme, StringComparison.OrdinalIgnoreCase)
            || trimmed.StartsWith(TlsScheme, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>
    /// Replaces passwords and tokens with <c>***</c>. Free text goes through the product's one redactor
    /// (<see cref="SecretRedactor"/>), so a connection string is hidden the same way wherever it appears.
    /// </summary>
    public static string Redact(string connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        return SecretRedactor.Redact(connection);
    }

    /// <summary>A fresh copy of the StackExchange.Redis options; callers may change it.</summary>
    internal ConfigurationOptions CreateOptions() => _options.Clone();

    /// <summary>Whether the string set <paramref name="option"/> itself (configuration form only).</summary>
    internal bool SetsOption(string option) => _explicitOptions.Contains(option);

    private static string? TryParseUri(string text, out RedisConnectionString? result)
    {
        result = null;
        var tls = text.StartsWith(TlsScheme, StringComparison.OrdinalIgnoreCase);
        var rest = text[(tls ? TlsScheme.Length : PlainScheme.Length)..];

        // Host, port and database never contain '@', so the last one ends the user info even when
        // an unencoded password contains '@' itself.
        var at = rest.LastIndexOf('@');
        var userInfo = at >= 0 ? rest[..at] : null;
        var location = at >= 0 ? rest[(at + 1)..] : rest;
        if (location.AsSpan().IndexOfAny('?', '#') >= 0)
        {
            return "query options ('?…') are not supported in a redis:// URI; use a StackExchange.Redis configuration string (host:port,option=value) for other options.";
        }

        var slash = location.IndexOf('/', StringComparison.Ordinal);
        var authority = slash >= 0 ? location[..slash] : location;
        var database = 0;
        if (slash >= 0)
        {
            var path = location[(slash + 1)..];
            if (path.Length > 0 && !TryParseDatabase(path, out database))
            {
                return DatabaseProblem(path);
            }
        }

        var endpointProblem = TryParseEndpoint(authority, requireBracketsForIPv6: true, out var host, out var port);
        if (endpointProblem is not null)
        {
            return endpointProblem;
        }

        string? user = null;
        string? password = null;
        if (userInfo is not null)
        {
            var colon = userInfo.IndexOf(':', StringComparison.Ordinal);
            if (colon >= 0)
            {
                user = Uri.UnescapeDataString(userInfo[..colon]);
                password = Uri.UnescapeDataString(userInfo[(colon + 1)..]);
            }
            else
            {
                password = Uri.UnescapeDataString(userInfo);
            }
        }

        var options = new ConfigurationOptions
        {
            Ssl = tls,
            DefaultDatabase = database,
            User = string.IsNullOrEmpty(user) ? null : user,
            Password = string.IsNullOrEmpty(password) ? null : password,
        };
        options.EndPoints.Add(host, port ?? DefaultPort);
        var endpoint = FormatEndpoint(host, port ?? DefaultPort);
        result = new RedisConnectionString(RedisConnectionForm.Uri, options, Redact(text), [endpoint], new HashSet<string>(StringComparer.OrdinalIgnoreCase));
        return null;
    }

    private static string? TryParseConfiguration(string text, out RedisConnectionString? result)
    {
        result = null;
        var endpoints = new List<string>();
        var explicitOptions = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var secrets = new List<string>();
        string? caFile = null;
        var forClient = new List<string>();
        foreach (var token in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = token.IndexOf('=', StringComparison.Ordinal);
            if (equals == 0)
            {
                return "an option has no name (a part starts with '='); write option=value.";
            }

            if (equals > 0 && token[..equals].Trim().Equals(TlsCaFileOption, StringComparison.OrdinalIgnoreCase))
            {
                // Ours, not the client library's: its parser refuses names it does not know.
                caFile = token[(equals + 1)..].Trim();
                explicitOptions.Add(TlsCaFileOption);
                continue;
            }

            forClient.Add(token);
            if (equals > 0)
            {
                var name = token[..equals].Trim();
                explicitOptions.Add(name);
                if (SecretRedactor.IsSecretName(name) && equals + 1 < token.Length)
                {
                    secrets.Add(token[(equals + 1)..]);
                }

                continue;
            }

            var problem = TryParseEndpoint(token, requireBracketsForIPv6: false, out _, out _);
            if (problem is not null)
            {
                return problem;
            }

            endpoints.Add(token);
        }

        if (endpoints.Count == 0)
        {
            return "no endpoint is given; name at least one host or host:port.";
        }

        ConfigurationOptions options;
        try
        {
            options = ConfigurationOptions.Parse(string.Join(',', forClient), ignoreUnknown: false);
        }
        catch (ArgumentException ex)
        {
            return Scrub(WithoutParameterSuffix(ex), secrets);
        }

        if (caFile is not null && TrustCaFile(options, caFile) is { } caProblem)
        {
            return caProblem;
        }

        if (options.DefaultDatabase is < 0)
        {
            return DatabaseProblem(options.DefaultDatabase.Value.ToString(CultureInfo.InvariantCulture)).Replace("database", "defaultDatabase", StringComparison.Ordinal);
        }

        result = new RedisConnectionString(RedisConnectionForm.Configuration, options, Redact(text), endpoints, explicitOptions);
        return null;
    }

    /// <summary>
    /// Trusts the CA certificate in <paramref name="path"/> (PEM or DER) for this connection's TLS, on
    /// top of the machine's store: how a private CA (a managed cache's, or a test's) is trusted without
    /// installing it system-wide. Null when it was taken, else why not.
    /// </summary>
    private static string? TrustCaFile(ConfigurationOptions options, string path)
    {
        if (path.Length == 0)
        {
            return $"{TlsCaFileOption} is empty; give the path of a CA certificate file (PEM or DER).";
        }

        if (!options.Ssl)
        {
            return $"{TlsCaFileOption} needs ssl=true: a CA is only used to check a TLS server's certificate.";
        }

        if (!File.Exists(path))
        {
            return $"{TlsCaFileOption} '{path}' does not exist; give the path of a CA certificate file (PEM or DER).";
        }

        try
        {
            using var certificate = System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadCertificateFromFile(path);
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            return $"{TlsCaFileOption} '{path}' is not a certificate file (PEM or DER).";
        }

        options.TrustIssuer(path);
        return null;
    }

    private static string? TryParseEndpoint(string text, bool requireBracketsForIPv6, out string host, out int? port)
    {
        host = string.Empty;
        port = null;
        string? portText = null;
        if (text.StartsWith('['))
        {
            var close = text.IndexOf(']', StringComparison.Ordinal);
            if (close < 0)
            {
                return $"host '{SecretRedactor.RedactUserInfo(text)}' opens '[' without closing ']'.";
            }

            host = text[1..close];
            var after = text[(close + 1)..];
            if (after.Length > 0)
            {
                if (after[0] != ':')
                {
                    return $"'{after}' after host '[{host}]' is not ':port'.";
                }

                portText = after[1..];
            }

            if (!IPAddress.TryParse(host, out var address) || address.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6)
            {
                return $"host '[{host}]' is not a valid IPv6 address.";
            }
        }
        else
        {
            var colons = text.Count(c => c == ':');
            if (colons > 1)
            {
                if (requireBracketsForIPv6 || !IPAddress.TryParse(text, out _))
                {
                    return $"host '{SecretRedactor.RedactUserInfo(text)}' is not valid; write an IPv6 address in brackets, as [::1]:6379 (credentials go in password=…, or in a redis://user:password@host URI).";
                }

                host = text;
            }
            else if (colons == 1)
            {
                var colon = text.IndexOf(':', StringComparison.Ordinal);
                host = text[..colon];
                portText = text[(colon + 1)..];
            }
            else
            {
                host = text;
            }

            if (host.Length == 0)
            {
                return "the host is missing.";
            }

            if (Uri.CheckHostName(host) == UriHostNameType.Unknown)
            {
                return $"host '{SecretRedactor.RedactUserInfo(host)}' is not a valid host name or IP address.";
            }
        }

        if (portText is not null)
        {
            if (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value is < 1 or > 65535)
            {
                return $"port '{portText}' is not a number between 1 and 65535.";
            }

            port = value;
        }

        return null;
    }

    private static bool TryParseDatabase(string text, out int database)
        => int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out database);

    private static string DatabaseProblem(string text) => $"database '{text}' is not a number between 0 and {int.MaxValue}.";

    private static string FormatEndpoint(string host, int port)
        => host.Contains(':', StringComparison.Ordinal) ? $"[{host}]:{port}" : $"{host}:{port}";

    private static string WithoutParameterSuffix(ArgumentException ex)
    {
        var message = ex.Message;
        var suffix = ex.ParamName is null ? null : $" (Parameter '{ex.ParamName}')";
        var cut = suffix is null ? -1 : message.IndexOf(suffix, StringComparison.Ordinal);
        if (cut >= 0)
        {
            message = message.Remove(cut, suffix!.Length);
        }

        return message.ReplaceLineEndings(" ").Trim();
    }

    private static string Scrub(string message, List<string> secrets)
    {
        foreach (var secret in secrets)
        {
            if (secret.Length > 0)
            {
                message = message.Replace(secret, SecretRedactor.Mask, StringComparison.Ordinal);
            }
        }

        return message;
    }
}
