using System.Text.RegularExpressions;

namespace CacheFailover.Configuration;

/// <summary>
/// What a configuration error may quote back of what the user typed. A misplaced token or a
/// connection string with a password can end up anywhere on a command line, so only text that
/// cannot be a secret is echoed: plain words, plain numbers, and URLs without credentials.
/// </summary>
public static partial class SafeEcho
{
    private const string Hidden = "(not shown: it may be a secret)";

    /// <summary>The value itself when it is a plain word (letters, '-', '_') or a plain number; else a placeholder.</summary>
    public static string Value(string? text) => text is not null && PlainWordOrNumber().IsMatch(text) ? text : Hidden;

    /// <summary>
    /// For a value that should have been a number or true/false: the text in quotes when it looks
    /// like one (at most 15 characters of digits, sign, '.', ',' and exponent, or a yes/no word), else a
    /// phrase saying it is not shown. Stricter than <see cref="Value"/>, because a password may be
    /// letters only and nothing but a number is expected here.
    /// </summary>
    public static string NumberOrSwitch(string? text) => text is not null && NumberOrSwitchWord().IsMatch(text)
        ? $"'{text}'"
        : "a value that is not shown: only numbers and true/false are quoted back";

    /// <summary>The URL with any password masked (by the product's one redactor), and its query and fragment too.</summary>
    public static string Url(string text)
    {
        var masked = CacheFailover.Security.SecretRedactor.Redact(text);
        var query = masked.IndexOfAny(['?', '#']);
        return query < 0 ? masked : masked[..(query + 1)] + CacheFailover.Security.SecretRedactor.Mask;
    }

    [GeneratedRegex("^(?:[A-Za-z_-]{1,40}|[0-9.+-]{1,20})$")]
    private static partial Regex PlainWordOrNumber();

    [GeneratedRegex("^(?:[+-]?[0-9.,]{1,15}(?:[eE][+-]?[0-9]{1,3})?|true|false|yes|no|on|off)$", RegexOptions.IgnoreCase)]
    private static partial Regex NumberOrSwitchWord();
}
