using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace CacheFailover.Security;

/// <summary>
/// The product's one redactor: hides secrets by what they look like, wherever they appear — a
/// connection string in a misnamed argument, a password in a log line, a token in an error — so no
/// caller has to know which field might carry one.
/// </summary>
/// <remarks>
/// What counts as a secret: the password of any URL's user info (<c>redis://user:***@host</c>; a
/// user info without a colon is a password as Redis URIs read it), <c>user:password@host</c> written
/// without a scheme, the value of <c>name=value</c> / <c>name: value</c> pairs whose name mentions a
/// password, token, secret, key or credential (<c>password=</c>, <c>pwd=</c>, <c>sentinelPassword=</c>,
/// <c>api_key=</c>…), a value with no option name in a configuration string (<c>,=value</c>), and
/// <c>Bearer</c> / <c>Basic</c> credentials. Never throws; linear in the input (non-backtracking).
/// </remarks>
public static partial class SecretRedactor
{
    /// <summary>What a secret is replaced with.</summary>
    public const string Mask = "***";

    /// <summary>Names that mark a value as a secret whatever it looks like.</summary>
    private const string SecretNamePattern = @"pass(?:word|wd|phrase)?|pwd|token|secret|credentials?|api[_-]?key|access[_-]?key|private[_-]?key|auth";

    /// <summary>The text with every secret in it replaced by <see cref="Mask"/>.</summary>
    public static string Redact(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return text ?? string.Empty;
        }

        // Cheap pre-check: every pattern needs one of these characters or the word "bearer"/"basic".
        if (text.AsSpan().IndexOfAny("@=:") < 0 && !text.Contains("bearer", StringComparison.OrdinalIgnoreCase) && !text.Contains("basic", StringComparison.OrdinalIgnoreCase))
        {
            return text;
        }

        var result = UrlUserInfo().Replace(text, static m =>
        {
            var userInfo = m.Groups["userinfo"].Value;
            var colon = userInfo.IndexOf(':', StringComparison.Ordinal);
            return m.Groups["scheme"].Value + (colon >= 0 ? userInfo[..(colon + 1)] : string.Empty) + Mask + "@";
        });
        result = SchemelessUserInfo().Replace(result, Mask + "@");
        result = AuthorizationCredential().Replace(result, m => m.Groups["scheme"].Value + " " + Mask);
        result = NamedSecret().Replace(result, m => m.Groups["lead"].Value + Mask);
        result = StrayConfigurationValue().Replace(result, m => m.Groups["lead"].Value + Mask);
        return result;
    }

    /// <summary>A host as typed (e.g. in a parse error), with anything before its last '@' masked.</summary>
    public static string RedactUserInfo(string host)
    {
        ArgumentNullException.ThrowIfNull(host);
        var at = host.LastIndexOf('@');
        return at < 0 ? host : Mask + host[at..];
    }

    /// <summary>True when a field of this name holds a secret whatever its value looks like (<c>auth_token</c>, <c>password</c>…).</summary>
    public static bool IsSecretName(string name) => !string.IsNullOrEmpty(name) && SecretName().IsMatch(name);

    /// <summary>
    /// A copy of <paramref name="value"/> with every string at every depth redacted, and every value of
    /// a property whose name marks a secret (<see cref="IsSecretName"/>) replaced by <see cref="Mask"/>.
    /// </summary>
    public static JsonNode? Redact(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => JsonValue.Create(Redact(SafeString(value))),
        JsonValueKind.Array => new JsonArray([.. value.EnumerateArray().Select(Redact)]),
        JsonValueKind.Object => RedactObject(value),
        JsonValueKind.Undefined => null,
        _ => JsonNode.Parse(value.GetRawText()),
    };

    /// <summary>The string, or a marker when it is not valid UTF-16 (a lone surrogate cannot be transcoded).</summary>
    public static string SafeString(JsonElement value)
    {
        try
        {
            return value.GetString() ?? string.Empty;
        }
        catch (InvalidOperationException)
        {
            return "<invalid text: lone UTF-16 surrogate>";
        }
    }

    private static JsonObject RedactObject(JsonElement value)
    {
        var result = new JsonObject();
        foreach (var property in value.EnumerateObject())
        {
            // A property name is data too: a secret may have been typed as a key.
            var name = Redact(property.Name);
            result[name] = IsSecretName(property.Name) && property.Value.ValueKind != JsonValueKind.Null ? JsonValue.Create(Mask) : Redact(property.Value);
        }

        return result;
    }

    // scheme://userinfo@ — userinfo runs to the last '@' before the path, so an unencoded '@' in a password is covered.
    [GeneratedRegex(@"(?<scheme>\b[A-Za-z][A-Za-z0-9+.\-]*://)(?<userinfo>[^\s/?#""'<>]*)@", RegexOptions.CultureInvariant)]
    private static partial Regex UrlUserInfo();

    // user:password@host with no scheme (not after '/', so a URL's own user info is left to the rule above).
    [GeneratedRegex(@"(?<![/\w:.\-%])[^\s,;/@:""'<>=]+:[^\s,;/@""'<>]+@(?=[\w\[])", RegexOptions.CultureInvariant)]
    private static partial Regex SchemelessUserInfo();

    // password=…, sentinelPassword = …, "token": "…", api_key:… — the name may carry a prefix or suffix.
    [GeneratedRegex(@"(?<lead>(?<![\w])[\w.\-]*(?:" + SecretNamePattern + @")[\w.\-]*[""']?\s*[=:]\s*(?![/]{2})(?!\*\*\*)(?!(?:Bearer|Basic)\s)[""']?)(?<value>[^\s,;&""'<>]+)", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex NamedSecret();

    // host:6379,=value — a value with no option name in a configuration string may be a stray password.
    [GeneratedRegex(@"(?<lead>(?:^|,)\s*=)[^,\s]+", RegexOptions.CultureInvariant)]
    private static partial Regex StrayConfigurationValue();

    [GeneratedRegex(@"(?<scheme>\b(?:Bearer|Basic))\s+[A-Za-z0-9\-._~+/]+=*", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex AuthorizationCredential();

    [GeneratedRegex("(?:" + SecretNamePattern + ")", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex SecretName();
}
