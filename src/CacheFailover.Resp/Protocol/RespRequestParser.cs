using System.Buffers;
using System.Buffers.Text;
using System.Text;
using CacheFailover.Resp.Commands;

namespace CacheFailover.Resp.Protocol;

/// <summary>What <see cref="RespRequestParser.TryParse"/> found at the start of the buffer.</summary>
internal enum ParseStatus
{
    /// <summary>A whole command was read and consumed.</summary>
    Command,

    /// <summary>The buffer ends inside a command: read more.</summary>
    NeedMore,

    /// <summary>The bytes are not the protocol; the connection should be answered and closed (as Redis does).</summary>
    ProtocolError,
}

/// <summary>
/// Reads commands from a client's byte stream: RESP arrays of bulk strings (what every client
/// library sends) and inline commands (what a person types over telnet). Allocation: one array for
/// all of a command's argument bytes plus one for their slices, once the whole command is here;
/// nothing while a command is incomplete, whatever its header declares.
/// </summary>
internal static class RespRequestParser
{
    /// <summary>Most arguments in one command (Redis's own limit).</summary>
    public const int MaxArguments = 1024 * 1024;

    /// <summary>
    /// Most bytes in one command's arguments together: 32 MiB (Redis allows 512 MiB per argument; the
    /// front door buffers a command whole before it runs, so this bounds what one connection can make it hold).
    /// </summary>
    public const int MaxCommandBytes = 32 * 1024 * 1024;

    /// <summary>Longest inline command or header line.</summary>
    public const int MaxLineBytes = 64 * 1024;

    /// <summary>Longest count or length header: "-9223372036854775808".</summary>
    private const int MaxNumberLength = 20;

    private static ReadOnlySpan<byte> CrLf => "\r\n"u8;

    private static ReadOnlySpan<byte> InlineSeparators => " \t"u8;

    /// <summary>Parses one command from the start of <paramref name="buffer"/>, which is advanced past it when one is read.</summary>
    public static ParseStatus TryParse(ref ReadOnlySequence<byte> buffer, RespCommandTable table, out RespRequest? request, out string? error)
    {
        request = null;
        error = null;
        while (true)
        {
            var reader = new SequenceReader<byte>(buffer);
            if (!reader.TryPeek(out var first))
            {
                return ParseStatus.NeedMore;
            }

            var status = first == (byte)'*'
                ? ReadArray(ref reader, table, out request, out error)
                : ReadInline(ref reader, table, out request, out error);
            if (status != ParseStatus.Command)
            {
                return status;
            }

            buffer = buffer.Slice(reader.Position);
            if (request is not null)
            {
                return ParseStatus.Command;
            }

            // An empty array or an empty line is no command: Redis skips it, and so does this.
        }
    }

    private static ParseStatus ReadArray(ref SequenceReader<byte> reader, RespCommandTable table, out RespRequest? request, out string? error)
    {
        request = null;
        reader.Advance(1);
        var header = ReadNumber(ref reader, out var count, out error, "multibulk length");
        if (header != ParseStatus.Command)
        {
            return header;
        }

        if (count <= 0)
        {
            return ParseStatus.Command;
        }

        if (count > MaxArguments)
        {
            error = $"Protocol error: invalid multibulk length ({count} arguments; at most {MaxArguments})";
            return ParseStatus.ProtocolError;
        }

        // Two passes over the same bytes: the first checks that the whole command is here and well
        // formed, keeping nothing; only then is anything allocated, sized by the bytes that arrived.
        // What a header declares (a million arguments, a length of 2^63) is never allocated up front:
        // a few bytes of header must not make the server hold megabytes (as Redis's CVE-2021-32675).
        var copy = reader;
        var scan = ScanArguments(ref reader, (int)count, out var total, out var nameLength, out error);
        if (scan != ParseStatus.Command)
        {
            return scan;
        }

        request = CopyArguments(ref copy, table, (int)count, total, nameLength);
        return ParseStatus.Command;
    }

    /// <summary>Reads past every argument of a command, checking each; allocates nothing.</summary>
    private static ParseStatus ScanArguments(ref SequenceReader<byte> reader, int count, out long total, out int nameLength, out string? error)
    {
        error = null;
        total = 0;
        nameLength = 0;
        for (var i = 0; i < count; i++)
        {
            if (!reader.TryRead(out var marker))
            {
                return ParseStatus.NeedMore;
            }

            if (marker != (byte)'$')
            {
                error = $"Protocol error: expected '$', got '{(char)marker}'";
                return ParseStatus.ProtocolError;
            }

            var length = ReadNumber(ref reader, out var size, out error, "bulk length");
            if (length != ParseStatus.Command)
            {
                return length;
            }

            if (size < 0)
            {
                error = $"Protocol error: invalid bulk length ({size})";
                return ParseStatus.ProtocolError;
            }

            // Compared as what is left of the budget: total + size could overflow for a length near 2^63.
            if (size > MaxCommandBytes - total)
            {
                error = $"Protocol error: the command is larger than {MaxCommandBytes / (1024 * 1024)} MiB, the most the front door takes in one command";
                return ParseStatus.ProtocolError;
            }

            if (reader.Remaining < size + 2)
            {
                return ParseStatus.NeedMore;
            }

            reader.Advance(size);
            if (!reader.IsNext(CrLf, advancePast: true))
            {
                error = "Protocol error: a bulk string is not followed by CRLF";
                return ParseStatus.ProtocolError;
            }

            if (i == 0)
            {
                nameLength = (int)size;
            }

            total += size;
        }

        return ParseStatus.Command;
    }

    /// <summary>Copies the arguments of a command that <see cref="ScanArguments"/> found whole and well formed.</summary>
    private static RespRequest CopyArguments(ref SequenceReader<byte> reader, RespCommandTable table, int count, long total, int nameLength)
    {
        var data = new byte[total - nameLength];
        var arguments = new ReadOnlyMemory<byte>[count - 1];
        var name = ReadOnlySequence<byte>.Empty;
        var offset = 0;
        for (var i = 0; i < count; i++)
        {
            reader.Advance(1);
            ReadNumber(ref reader, out var length, out _, "bulk length");
            var size = (int)length;
            if (i == 0)
            {
                name = reader.Sequence.Slice(reader.Position, size);
            }
            else
            {
                reader.Sequence.Slice(reader.Position, size).CopyTo(data.AsSpan(offset, size));
                arguments[i - 1] = data.AsMemory(offset, size);
                offset += size;
            }

            reader.Advance(size + 2);
        }

        return Create(name, table, arguments);
    }

    private static ParseStatus ReadInline(ref SequenceReader<byte> reader, RespCommandTable table, out RespRequest? request, out string? error)
    {
        request = null;
        error = null;
        if (!reader.TryReadTo(out ReadOnlySequence<byte> line, (byte)'\n'))
        {
            if (reader.Remaining > MaxLineBytes)
            {
                error = $"Protocol error: too big inline request (more than {MaxLineBytes} bytes without a newline)";
                return ParseStatus.ProtocolError;
            }

            return ParseStatus.NeedMore;
        }

        // The words as bytes, as Redis takes them (no round trip through text that would turn bytes
        // that are not UTF-8 into U+FFFD): split on spaces and tabs, copied once into one array.
        ReadOnlySpan<byte> bytes = line.ToArray();
        while (!bytes.IsEmpty && bytes[^1] == (byte)'\r')
        {
            bytes = bytes[..^1];
        }

        var words = 0;
        var wordBytes = 0;
        foreach (var range in bytes.SplitAny(InlineSeparators))
        {
            var length = range.End.GetOffset(bytes.Length) - range.Start.GetOffset(bytes.Length);
            if (length > 0)
            {
                words++;
                wordBytes += length;
            }
        }

        if (words == 0)
        {
            return ParseStatus.Command;
        }

        var data = new byte[wordBytes];
        var arguments = new ReadOnlyMemory<byte>[words - 1];
        var name = ReadOnlySequence<byte>.Empty;
        var offset = 0;
        var index = -1;
        foreach (var range in bytes.SplitAny(InlineSeparators))
        {
            var word = bytes[range];
            if (word.IsEmpty)
            {
                continue;
            }

            word.CopyTo(data.AsSpan(offset));
            if (index < 0)
            {
                name = new ReadOnlySequence<byte>(data, offset, word.Length);
            }
            else
            {
                arguments[index] = data.AsMemory(offset, word.Length);
            }

            offset += word.Length;
            index++;
        }

        request = Create(name, table, arguments);
        return ParseStatus.Command;
    }

    private static RespRequest Create(ReadOnlySequence<byte> name, RespCommandTable table, ReadOnlyMemory<byte>[] arguments)
    {
        var spec = table.Find(name);
        return new RespRequest(spec?.Name ?? Encoding.UTF8.GetString(name).ToUpperInvariant(), spec, arguments);
    }

    /// <summary>Reads a decimal number terminated by CRLF, looking no further than the longest 64-bit number.</summary>
    private static ParseStatus ReadNumber(ref SequenceReader<byte> reader, out long value, out string? error, string what)
    {
        value = 0;
        error = null;
        // Byte by byte on a copy of the reader: a header cut across segments is never gathered into a
        // new array, and a line that is no number is refused after 20 bytes, not after the next CRLF.
        var probe = reader;
        Span<byte> digits = stackalloc byte[MaxNumberLength];
        var length = 0;
        while (true)
        {
            if (!probe.TryRead(out var next))
            {
                return ParseStatus.NeedMore;
            }

            if (next == (byte)'\r')
            {
                break;
            }

            if (length == MaxNumberLength)
            {
                error = $"Protocol error: invalid {what}";
                return ParseStatus.ProtocolError;
            }

            digits[length++] = next;
        }

        if (!probe.TryRead(out var newline))
        {
            return ParseStatus.NeedMore;
        }

        if (newline != (byte)'\n' || !Utf8Parser.TryParse(digits[..length], out value, out var consumed) || consumed != length)
        {
            error = $"Protocol error: invalid {what}";
            return ParseStatus.ProtocolError;
        }

        reader = probe;
        return ParseStatus.Command;
    }
}
