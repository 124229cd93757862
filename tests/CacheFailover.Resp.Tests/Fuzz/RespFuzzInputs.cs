using System.Globalization;
using System.Text;
using CacheFailover.Resp.Commands;
using CsCheck;

namespace CacheFailover.Resp.Tests.Fuzz;

/// <summary>One command as a client would send it, with what the parser must read from it.</summary>
internal sealed record RespFrame(string Name, byte[][] Arguments, bool Inline, string Separator)
{
    /// <summary>The command's bytes on the wire: a RESP array of bulk strings, or an inline line.</summary>
    public byte[] Encode()
    {
        if (Inline)
        {
            var words = new[] { Name }.Concat(Arguments.Select(a => Encoding.ASCII.GetString(a)));
            return Encoding.ASCII.GetBytes(string.Join(Separator, words) + "\r\n");
        }

        var bytes = new List<byte>();
        bytes.AddRange(Encoding.ASCII.GetBytes($"*{Arguments.Length + 1}\r\n"));
        foreach (var part in new[] { Encoding.ASCII.GetBytes(Name) }.Concat(Arguments))
        {
            bytes.AddRange(Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"${part.Length}\r\n")));
            bytes.AddRange(part);
            bytes.AddRange("\r\n"u8.ToArray());
        }

        return [.. bytes];
    }

    /// <summary>The name the parser reports: the table's spelling, or the name in upper case when unknown.</summary>
    public string ExpectedName(RespCommandTable table) => table.Find(Name.ToUpperInvariant())?.Name ?? Name.ToUpperInvariant();
}

/// <summary>
/// Bytes as a connection receives them: the stream, how it is cut into buffer segments (the
/// sequence a pipe hands over) and how much more of it each read adds.
/// </summary>
internal sealed record RespFuzzInput(byte[] Bytes, int[] SegmentSizes, int[] ReadSizes, string Origin)
{
    public override string ToString() =>
        $"{Origin}: {Bytes.Length} bytes, segments [{string.Join(',', SegmentSizes)}], reads [{string.Join(',', ReadSizes)}]: {Escaped(Bytes)}";

    private static string Escaped(byte[] bytes)
    {
        var text = new StringBuilder();
        foreach (var b in bytes.Take(600))
        {
            text.Append(b switch
            {
                (byte)'\r' => "\\r",
                (byte)'\n' => "\\n",
                (byte)'\\' => "\\\\",
                >= 0x20 and < 0x7f => ((char)b).ToString(),
                _ => $"\\x{b:x2}",
            });
        }

        return bytes.Length > 600 ? text + "…" : text.ToString();
    }
}

/// <summary>CsCheck generators for the RESP parser: valid frames, frames mutated, truncated or oversized, and random bytes.</summary>
internal static class RespFuzzInputs
{
    /// <summary>Numbers that sit on a limit of the parser or of the types it uses.</summary>
    private static readonly string[] EdgeNumbers =
    [
        "0", "-1", "-0", "+1", "1048576", "1048577", "33554431", "33554432", "33554433", "65536", "2147483647", "2147483648",
        "4294967296", "-2147483648", "9223372036854775806", "9223372036854775807", "9223372036854775808", "-9223372036854775808",
        "99999999999999999999999999999999", "1e3", " 5", "5 ", "0x10",
    ];

    /// <summary>Pieces of the protocol to splice into a stream.</summary>
    private static readonly string[] Tokens =
    [
        "\r\n", "\r", "\n", "*", "$", "-", "+", ":", " ", "\t", "\0", "*0\r\n", "*-1\r\n", "$-1\r\n", "$0\r\n\r\n",
        "*1048576\r\n", "*2147483647\r\n", "$2147483648\r\n", "$9223372036854775807\r\n", "$33554433\r\n",
    ];

    private static readonly Gen<string> KnownName = Gen.Select(
        Gen.OneOf(new RespCommandTable().All.Select(c => c.Name).ToArray()),
        Gen.Bool,
        (name, lower) => lower ? name.ToLowerInvariant() : name);

    private static readonly Gen<string> UnknownName = Gen.String[Gen.Char["abcdefghijklmnopqrstuvwxyz_-:."], 1, 12];

    private static readonly Gen<string> Name = Gen.Frequency((5, KnownName), (1, UnknownName));

    /// <summary>Words an inline command can carry: no spaces, tabs, CR or LF.</summary>
    private static readonly Gen<byte[]> Word = Gen.String[Gen.Char["abcXYZ0189_-:{}#@!?*$"], 1, 16].Select(Encoding.ASCII.GetBytes);

    /// <summary>Bulk strings: any bytes, protocol bytes inside, and now and then a large one.</summary>
    private static readonly Gen<byte[]> Bulk = Gen.Frequency(
        (4, Gen.Byte.Array[0, 24]),
        (2, Gen.Byte[0, 255].Select(b => b).Array[0, 8].Select(a => a.Select(b => "\r\n*$0-"u8[b % 6]).ToArray())),
        (2, Word),
        (1, Gen.Byte.Array[200, 5000]));

    private static readonly Gen<RespFrame> ArrayFrame = Gen.Select(Name, Bulk.Array[0, 6], (name, args) => new RespFrame(name, args, false, " "));

    private static readonly Gen<RespFrame> InlineFrame = Gen.Select(
        Name,
        Word.Array[0, 4],
        Gen.OneOf(" ", "\t", "  ", " \t "),
        (name, args, separator) => new RespFrame(name, args, true, separator));

    /// <summary>One to eight pipelined commands, mostly RESP arrays (what client libraries send).</summary>
    public static readonly Gen<RespFrame[]> Frames = Gen.Frequency((4, ArrayFrame), (1, InlineFrame)).Array[1, 8];

    private static readonly Gen<int[]> SegmentSizes = Gen.Frequency(
        (1, Gen.Const(new[] { int.MaxValue })),
        (3, Gen.Int[1, 64].Array[1, 12]),
        (1, Gen.Int[1, 3].Array[1, 4]));

    private static readonly Gen<int[]> ReadSizes = Gen.Frequency(
        (1, Gen.Const(new[] { int.MaxValue })),
        (3, Gen.Int[1, 300].Array[1, 12]),
        (1, Gen.Int[1, 2].Array[1, 3]));

    /// <summary>Valid commands, cut at random points into segments and reads.</summary>
    public static readonly Gen<(RespFrame[] Frames, RespFuzzInput Input)> ValidStreams = Gen.Select(
        Frames,
        SegmentSizes,
        ReadSizes,
        (frames, segments, reads) => (frames, new RespFuzzInput([.. frames.SelectMany(f => f.Encode())], segments, reads, "valid")));

    private enum MutationKind
    {
        FlipByte,
        InsertByte,
        DeleteRange,
        Truncate,
        DuplicateRange,
        InsertToken,
        ReplaceNumber,
    }

    private sealed record Mutation(MutationKind Kind, double Where, int Length, byte Byte, string Text);

    private static readonly Gen<Mutation> AnyMutation = Gen.Select(
        Gen.Enum<MutationKind>(),
        Gen.Double[0, 1],
        Gen.Int[1, 40],
        Gen.Byte,
        Gen.Frequency((1, Gen.OneOf(Tokens)), (1, Gen.OneOf(EdgeNumbers))),
        (kind, where, length, value, text) => new Mutation(kind, where, length, value, text));

    /// <summary>Valid streams with one to five mutations: flipped, inserted, deleted or duplicated bytes, cuts, protocol tokens and edge numbers spliced in.</summary>
    public static readonly Gen<RespFuzzInput> MutatedStreams = Gen.Select(
        Frames,
        AnyMutation.Array[1, 5],
        SegmentSizes,
        ReadSizes,
        (frames, mutations, segments, reads) =>
        {
            var bytes = frames.SelectMany(f => f.Encode()).ToList();
            foreach (var m in mutations)
            {
                Apply(bytes, m);
            }

            return new RespFuzzInput([.. bytes], segments, reads, $"mutated ({string.Join(", ", mutations.Select(m => m.Kind))})");
        });

    /// <summary>Headers that declare far more than is sent: counts and lengths up to 2^63, after zero to three real arguments.</summary>
    public static readonly Gen<RespFuzzInput> OversizedStreams = Gen.Select(
        Gen.OneOf("1048576", "1048575", "524288", "2147483647", "2147483648", "9223372036854775807", "100000"),
        Gen.OneOf("2147483647", "2147483648", "4294967295", "33554432", "33554433", "9223372036854775807", "9223372036854775806", "1073741824"),
        Gen.Int[0, 3],
        Gen.Int[0, 200],
        Gen.Bool,
        (count, length, realArguments, tail, arrayOnly) =>
        {
            var text = new StringBuilder($"*{count}\r\n");
            for (var i = 0; i < realArguments; i++)
            {
                text.Append("$3\r\nGET\r\n");
            }

            if (!arrayOnly)
            {
                text.Append('$').Append(length).Append("\r\n").Append('x', tail);
            }

            return new RespFuzzInput(Encoding.ASCII.GetBytes(text.ToString()), [int.MaxValue], [int.MaxValue], "oversized");
        });

    /// <summary>Random bytes: uniform, or drawn from the protocol's own alphabet (more likely to reach deep states).</summary>
    public static readonly Gen<RespFuzzInput> RandomStreams = Gen.Select(
        Gen.Frequency(
            (1, Gen.Byte.Array[0, 600]),
            (2, Gen.Byte.Array[0, 400].Select(a => a.Select(b => "*$\r\n0123456789-+ \tabcGETS"u8[b % 25]).ToArray()))),
        SegmentSizes,
        ReadSizes,
        (bytes, segments, reads) => new RespFuzzInput(bytes, segments, reads, "random"));

    /// <summary>Everything that is not known to be valid.</summary>
    public static readonly Gen<RespFuzzInput> HostileStreams = Gen.Frequency((5, MutatedStreams), (2, RandomStreams), (1, OversizedStreams));

    private static void Apply(List<byte> bytes, Mutation m)
    {
        var at = (int)(m.Where * bytes.Count);
        var length = Math.Min(m.Length, bytes.Count - at);
        switch (m.Kind)
        {
            case MutationKind.FlipByte when at < bytes.Count:
                bytes[at] ^= (byte)(m.Byte | 1);
                break;
            case MutationKind.InsertByte:
                bytes.Insert(at, m.Byte);
                break;
            case MutationKind.DeleteRange when length > 0:
                bytes.RemoveRange(at, length);
                break;
            case MutationKind.Truncate:
                bytes.RemoveRange(at, bytes.Count - at);
                break;
            case MutationKind.DuplicateRange when length > 0:
                bytes.InsertRange(at, bytes.GetRange(at, length));
                break;
            case MutationKind.InsertToken:
                bytes.InsertRange(at, Encoding.ASCII.GetBytes(m.Text));
                break;
            case MutationKind.ReplaceNumber:
                // The next run of digits (a count or a length, usually) becomes an edge number.
                var start = bytes.FindIndex(at, b => b is >= (byte)'0' and <= (byte)'9');
                if (start >= 0)
                {
                    var end = start;
                    while (end < bytes.Count && bytes[end] is >= (byte)'0' and <= (byte)'9')
                    {
                        end++;
                    }

                    bytes.RemoveRange(start, end - start);
                    bytes.InsertRange(start, Encoding.ASCII.GetBytes(m.Text));
                }

                break;
        }
    }
}
