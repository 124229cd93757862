namespace CacheFailover.Mcp.Filters;

/// <summary>
/// How large one MCP message may be, on stdio and HTTP alike. The largest thing a tool takes is a
/// cache value of at most 1 MiB of UTF-8 (<see cref="Tools.CacheKeys.MaxValueBytes"/>) plus a key of
/// 1,024 characters; JSON escaping can double a value (<c>\"</c>, <c>\\</c>, or <c>\uXXXX</c> for
/// a 3-byte character), so 4 MiB takes every valid call with room to spare and refuses anything
/// larger before it is buffered.
/// </summary>
public static class MessageLimits
{
    /// <summary>The largest JSON-RPC message (one stdio line, or one HTTP request body), in bytes.</summary>
    public const int MaxMessageBytes = 4 * 1024 * 1024;

    /// <summary>The JSON-RPC method the bounded stdio reader puts in place of a message that was too large.</summary>
    public const string TooLargeMethod = "cachefailover/message_too_large";

    /// <summary>The refusal, in words (no part of the message is echoed).</summary>
    public static string TooLargeMessage(long atLeastBytes) => string.Create(
        System.Globalization.CultureInfo.InvariantCulture,
        $"The message was refused: it is larger than {MaxMessageBytes} bytes (at least {atLeastBytes} bytes were sent). Cache values are at most {Tools.CacheKeys.MaxValueBytes} bytes of UTF-8; nothing was changed.");
}
