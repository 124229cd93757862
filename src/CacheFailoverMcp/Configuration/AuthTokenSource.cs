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

    public static string? Read(string? token, string? file, List<string> problems)
    {
        if (file is null)
        {
            return token;
        }

        if (token is not null)
        {
            problems.Add($"both a token ({EnvironmentShortcuts.AuthToken} or --auth-token) and a token file (--auth-token-file) are set: set only one.");
            return token;
        }

        var shown = SafeEcho.Url(file);
        try
        {
            var info = new FileInfo(file);
            if (info.Exists && info.Length > MaxFileBytes)
            {
                problems.Add($"the auth token file '{shown}' is {info.Length} bytes, more than a token ({MaxFileBytes} bytes at most): point --auth-token-file at a file that holds only the token.");
                return null;
            }

            // One line of text; the trailing newline an editor or `echo` adds is not part of the token.
            var content = File.ReadAllText(file).Trim();
            if (content.Length == 0)
            {
                problems.Add($"the auth token file '{shown}' is empty: write the token (at least 16 random characters) into it.");
                return null;
            }

            return content;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            problems.Add($"the auth token file '{shown}' cannot be read ({ex.GetType().Name}): check the path and that this user may read it.");
            return null;
        }
    }
}
