using System.Globalization;

namespace CacheFailover.Bench.Load;

/// <summary>Key names and value payloads shared by every contender of a run.</summary>
internal static class Values
{
    public static string[] Keys(string prefix, int count)
    {
        var keys = new string[count];
        for (var i = 0; i < count; i++)
        {
            keys[i] = string.Create(CultureInfo.InvariantCulture, $"{prefix}:{i:D7}");
        }

        return keys;
    }

    /// <summary>A payload of <paramref name="size"/> bytes whose first byte is <paramref name="tag"/> (who wrote it).</summary>
    public static byte[] Payload(int size, byte tag)
    {
        var value = new byte[size];
        for (var i = 0; i < size; i++)
        {
            value[i] = (byte)('a' + (i % 26));
        }

        value[0] = tag;
        return value;
    }
}
