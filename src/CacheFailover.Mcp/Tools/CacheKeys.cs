using System.Globalization;
using System.Text;
using CacheFailover.Mcp.Filters;
using CacheFailover.Mcp.Audit;

namespace CacheFailover.Mcp.Tools;

/// <summary>Limits on what the cache tools accept, checked before anything is sent to a cache.</summary>
internal static class CacheKeys
{
    public const int MaxKeyLength = 1024;
    public const int MaxValueBytes = 1024 * 1024;
    public const int MaxTtlSeconds = 31_536_000;

    public static void Check(string key)
    {
        if (string.IsNullOrEmpty(key) || key.Length > MaxKeyLength)
        {
            throw new ToolArgumentException(string.Create(CultureInfo.InvariantCulture, $"key must be 1 to {MaxKeyLength} characters (got {(key is null ? "none" : key.Length.ToString(CultureInfo.InvariantCulture))})."));
        }
    }

    public static byte[] Encode(string value)
    {
        var bytes = Encoding.UTF8.GetBytes(value);
        if (bytes.Length > MaxValueBytes)
        {
            throw new ToolArgumentException(string.Create(CultureInfo.InvariantCulture, $"value must be at most {MaxValueBytes} bytes of UTF-8 (got {bytes.Length})."));
        }

        return bytes;
    }

    public static TimeSpan? Ttl(int? ttlSeconds)
    {
        if (ttlSeconds is not { } seconds)
        {
            return null;
        }

        if (seconds is < 1 or > MaxTtlSeconds)
        {
            throw new ToolArgumentException(string.Create(CultureInfo.InvariantCulture, $"ttl_seconds must be between 1 and {MaxTtlSeconds} (got {seconds}); omit it for no expiry."));
        }

        return TimeSpan.FromSeconds(seconds);
    }

    /// <summary>Values are shown as UTF-8 text; bytes that are not valid UTF-8 appear as U+FFFD.</summary>
    public static string Decode(byte[] value) => Encoding.UTF8.GetString(value);
}
