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
/// all of a command's argument bytes plus one for their slices; nothing while a command is incomplete.
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

    private static ReadOnlySpan<byte> CrLf => "\r\n"u8;

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

        // First pass: find every argument; nothing is copied until the whole command is here.
        var slices = ArrayPool<(SequencePosition Start, int Length)>.Shared.Rent((int)count);
        try
        {
            return ReadArguments(ref reader, table, (int)count, slices, out request, out error);
        }
        finally
        {
            ArrayPool<(SequencePosition Start, int Length)>.Shared.Return(slices);
        }
    }

    private static ParseStatus ReadArguments(ref SequenceReader<byte> reader, RespCommandTable table, int count, (SequencePosition Start, int Length)[] slices, out RespRequest? request, out string? error)
    {
        request = null;
        error = null;
        long total = 0;
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

            if (total + size > MaxCommandBytes)
            {
                error = $"Protocol error: the command is larger than {MaxCommandBytes / (1024 * 1024)} MiB, the most the front door takes in one command";
                return ParseStatus.ProtocolError;
            }

            if (reader.Remaining < size + 2)
            {
                return ParseStatus.NeedMore;
            }

            slices[i] = (reader.Position, (int)size);
            reader.Advance(size);
            if (!reader.IsNext(CrLf, advancePast: true))
            {
                error = "Protocol error: a bulk string is not followed by CRLF";
                return ParseStatus.ProtocolError;
            }

            total += size;
        }

        var nameSlice = reader.Sequence.Slice(slices[0].Start, slices[0].Length);
        var data = new byte[total - slices[0].Length];
        var arguments = new ReadOnlyMemory<byte>[count - 1];
        var offset = 0;
        for (var i = 1; i < count; i++)
        {
            var (start, size) = slices[i];
            reader.Sequence.Slice(start, size).CopyTo(data.AsSpan(offset));
            arguments[i - 1] = data.AsMemory(offset, size);
            offset += size;
        }

        request = Create(nameSlice, table, arguments);
        return ParseStatus.Command;
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

        var text = Encoding.UTF8.GetString(line).TrimEnd('\r');
        var words = text.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
        if (words.Length == 0)
        {
            return ParseStatus.Command;
        }

        var arguments = new ReadOnlyMemory<byte>[words.Length - 1];
        for (var i = 1; i < words.Length; i++)
        {
            arguments[i - 1] = Encoding.UTF8.GetBytes(words[i]);
        }

        request = Create(new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(words[0])), table, arguments);
        return ParseStatus.Command;
    }

    private static RespRequest Create(ReadOnlySequence<byte> name, RespCommandTable table, ReadOnlyMemory<byte>[] arguments)
    {
        var spec = table.Find(name);
        return new RespRequest(spec?.Name ?? Encoding.UTF8.GetString(name).ToUpperInvariant(), spec, arguments);
    }

    /// <summary>Reads a decimal number terminated by CRLF.</summary>
    private static ParseStatus ReadNumber(ref SequenceReader<byte> reader, out long value, out string? error, string what)
    {
        value = 0;
        error = null;
        if (!reader.TryReadTo(out ReadOnlySpan<byte> digits, CrLf, advancePastDelimiter: true))
        {
            if (reader.Remaining > 32)
            {
                error = $"Protocol error: invalid {what}";
                return ParseStatus.ProtocolError;
            }

            return ParseStatus.NeedMore;
        }

        if (!Utf8Parser.TryParse(digits, out value, out var consumed) || consumed != digits.Length)
        {
            error = $"Protocol error: invalid {what}";
            return ParseStatus.ProtocolError;
        }

        return ParseStatus.Command;
    }
}
