namespace CacheFailover.Mcp.Filters;

/// <summary>Helpers to show exception messages to people and models.</summary>
internal static class ArgumentMessages
{
    /// <summary>
    /// An <see cref="ArgumentException"/>'s message without the framework's " (Parameter 'x')" and
    /// "Actual value was …" suffixes, which name C# parameters rather than tool arguments.
    /// </summary>
    public static string WithoutParameterSuffix(ArgumentException ex)
    {
        ArgumentNullException.ThrowIfNull(ex);
        var message = ex.Message;
        var newline = message.IndexOf('\n', StringComparison.Ordinal);
        if (newline >= 0)
        {
            message = message[..newline].TrimEnd('\r');
        }

        if (ex.ParamName is { } name)
        {
            var suffix = $" (Parameter '{name}')";
            if (message.EndsWith(suffix, StringComparison.Ordinal))
            {
                message = message[..^suffix.Length];
            }
        }

        return message;
    }
}
