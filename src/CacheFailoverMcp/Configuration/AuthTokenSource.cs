using CacheFailover.Configuration;

namespace CacheFailoverMcp.Configuration;

/// <summary>
/// Where the HTTP bearer token comes from: the value itself (<c>CACHEFAILOVER_AUTH_TOKEN</c>, or
/// <c>--auth-token</c>, which <c>ps</c> shows to every user) or a file holding it
/// (<c>--auth-token-file</c> / <c>CACHEFAILOVER_AUTH_TOKEN_FILE</c>). Problems name the file and what
/// is wrong with it, never its content.
/// </summary>
internal static class AuthTokenSource
{
    /// <summary>A token file larger than this is not a token (and is not read whole).</summary>
    private const int MaxFileBytes = 4096;

    /// <summary>The HTTP bearer token's names.</summary>
    public static SecretNames BearerToken { get; } = new("auth token", "token", $"a token ({EnvironmentShortcuts.AuthToken} or --auth-token)", "a token file (--auth-token-file)", "--auth-token-file");

    /// <summary>The RESP front door's password's names.</summary>
    public static SecretNames RespPassword { get; } = new("RESP password", "password", $"a password ({EnvironmentShortcuts.RespPassword} or --resp-password)", "a password file (--resp-password-file)", "--resp-password-file");

    public static string? Read(string? token, string? file, List<string> problems) => Read(BearerToken, token, file, problems);

    /// <summary>The secret given directly or read from <paramref name="file"/>; problems name the file, never its content.</summary>
    public static string? Read(SecretNames names, string? token, string? file, List<string> problems)
    {
        ArgumentNullException.ThrowIfNull(names);
        if (file is null)
        {
            return token;
        }

        if (token is not null)
        {
            problems.Add($"both {names.ValueSources} and {names.FileSource} are set: set only one.");
            return token;
        }

        var shown = SafeEcho.Url(file);
        try
        {
            var info = new FileInfo(file);
            if (info.Exists && info.Length > MaxFileBytes)
            {
                problems.Add($"the {names.Noun} file '{shown}' is {info.Length} bytes, more than a {names.Short} ({MaxFileBytes} bytes at most): point {names.FileOption} at a file that holds only the {names.Short}.");
                return null;
            }

            // One line of text; the trailing newline an editor or `echo` adds is not part of the token.
            var content = File.ReadAllText(file).Trim();
            if (content.Length == 0)
            {
                problems.Add($"the {names.Noun} file '{shown}' is empty: write the {names.Short} (at least 16 random characters) into it.");
                return null;
            }

            return content;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            problems.Add($"the {names.Noun} file '{shown}' cannot be read ({ex.GetType().Name}): check the path and that this user may read it.");
            return null;
        }
    }
}

/// <summary>How problems name one secret and where it came from.</summary>
internal sealed record SecretNames(string Noun, string Short, string ValueSources, string FileSource, string FileOption);
