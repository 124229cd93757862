using System.Buffers;
using System.Buffers.Binary;

namespace CacheFailover.Caching;

/// <summary>
/// How a <see cref="FailoverDistributedCache"/> entry is stored: one string value, a 17-byte header
/// followed by the payload. The header carries what a sliding refresh needs (the window and the
/// absolute cap), so a refresh never needs a second key or a hash.
/// </summary>
/// <remarks>
/// Layout: byte 0 = format version (1); bytes 1–8 = absolute expiration as Unix milliseconds
/// (little-endian, 0 = none); bytes 9–16 = sliding window in milliseconds (0 = none); then the payload.
/// </remarks>
internal static class CacheEntryLayout
{
    public const int HeaderSize = 17;
    private const byte Version = 1;

    /// <summary>Header and payload in one array: the engine writes one contiguous value.</summary>
    public static byte[] Compose(long absoluteUnixMs, long slidingMs, ReadOnlySequence<byte> payload)
    {
        var buffer = GC.AllocateUninitializedArray<byte>(checked(HeaderSize + (int)payload.Length));
        WriteHeader(buffer, absoluteUnixMs, slidingMs);
        payload.CopyTo(buffer.AsSpan(HeaderSize));
        return buffer;
    }

    /// <summary>Reads the header; false for a value this cache did not write (too short or another format).</summary>
    public static bool TryReadHeader(ReadOnlySpan<byte> stored, out long absoluteUnixMs, out long slidingMs)
    {
        if (stored.Length < HeaderSize || stored[0] != Version)
        {
            absoluteUnixMs = slidingMs = 0;
            return false;
        }

        absoluteUnixMs = BinaryPrimitives.ReadInt64LittleEndian(stored[1..]);
        slidingMs = BinaryPrimitives.ReadInt64LittleEndian(stored[9..]);
        return true;
    }

    private static void WriteHeader(Span<byte> header, long absoluteUnixMs, long slidingMs)
    {
        header[0] = Version;
        BinaryPrimitives.WriteInt64LittleEndian(header[1..], absoluteUnixMs);
        BinaryPrimitives.WriteInt64LittleEndian(header[9..], slidingMs);
    }
}
