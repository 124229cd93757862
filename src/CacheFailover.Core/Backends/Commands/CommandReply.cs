using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;

namespace CacheFailover.Backends.Commands;

/// <summary>The kinds of reply the Redis protocol (RESP2) has.</summary>
public enum CommandReplyKind
{
    /// <summary>A short status such as <c>OK</c>.</summary>
    SimpleString,

    /// <summary>An error; the text starts with its code (<c>ERR</c>, <c>WRONGTYPE</c>).</summary>
    Error,

    /// <summary>A signed 64-bit integer.</summary>
    [SuppressMessage("Naming", "CA1720:Identifier contains type name", Justification = "The protocol's own name for this reply type.")]
    Integer,

    /// <summary>Binary-safe bytes.</summary>
    BulkString,

    /// <summary>The null bulk string (a missing value).</summary>
    Null,

    /// <summary>An ordered list of replies.</summary>
    Array,

    /// <summary>The null array (e.g. a timed-out blocking pop).</summary>
    NullArray,
}

/// <summary>
/// A backend's answer to a <see cref="CacheCommand"/>, independent of any client library. A server's
/// error reply (<c>WRONGTYPE</c>, a syntax error) is a reply, not a failure of the service.
/// </summary>
public sealed class CommandReply
{
    private static readonly CommandReply[] SmallIntegers = [.. Enumerable.Range(-1, 18).Select(i => new CommandReply(CommandReplyKind.Integer, null, i, null, null))];

    private CommandReply(CommandReplyKind kind, string? text, long integer, byte[]? bytes, IReadOnlyList<CommandReply>? items)
    {
        Kind = kind;
        Text = text;
        Integer = integer;
        Bytes = bytes;
        Items = items;
    }

    /// <summary>The <c>+OK</c> reply.</summary>
    public static CommandReply Ok { get; } = new(CommandReplyKind.SimpleString, "OK", 0, null, null);

    /// <summary>The null bulk string.</summary>
    public static CommandReply Null { get; } = new(CommandReplyKind.Null, null, 0, null, null);

    /// <summary>The null array.</summary>
    public static CommandReply NullArray { get; } = new(CommandReplyKind.NullArray, null, 0, null, null);

    /// <summary>The empty array.</summary>
    public static CommandReply EmptyArray { get; } = new(CommandReplyKind.Array, null, 0, null, []);

    public CommandReplyKind Kind { get; }

    /// <summary>The text of a simple string or an error.</summary>
    public string? Text { get; }

    /// <summary>The value of an integer reply.</summary>
    [SuppressMessage("Naming", "CA1720:Identifier contains type name", Justification = "The protocol's own name for this reply type.")]
    public long Integer { get; }

    /// <summary>The bytes of a bulk string.</summary>
    public byte[]? Bytes { get; }

    /// <summary>The elements of an array.</summary>
    public IReadOnlyList<CommandReply>? Items { get; }

    public bool IsError => Kind == CommandReplyKind.Error;

    public static CommandReply Simple(string text) => new(CommandReplyKind.SimpleString, RequireLine(text), 0, null, null);

    /// <summary>An error reply; <paramref name="text"/> should start with its code, e.g. <c>ERR …</c>.</summary>
    public static CommandReply Error(string text) => new(CommandReplyKind.Error, RequireLine(text), 0, null, null);

    public static CommandReply FromInteger(long value) => value is >= -1 and <= 16 ? SmallIntegers[value + 1] : new(CommandReplyKind.Integer, null, value, null, null);

    public static CommandReply Bulk(byte[]? bytes) => bytes is null ? Null : new(CommandReplyKind.BulkString, null, 0, bytes, null);

    public static CommandReply Bulk(string? text) => text is null ? Null : Bulk(Encoding.UTF8.GetBytes(text));

    public static CommandReply Array(IReadOnlyList<CommandReply> items)
    {
        ArgumentNullException.ThrowIfNull(items);
        return items.Count == 0 ? EmptyArray : new(CommandReplyKind.Array, null, 0, null, items);
    }

    /// <summary>For tests and logs: the reply as redis-cli would show it, roughly.</summary>
    public override string ToString() => Kind switch
    {
        CommandReplyKind.SimpleString => Text!,
        CommandReplyKind.Error => "(error) " + Text,
        CommandReplyKind.Integer => "(integer) " + Integer.ToString(CultureInfo.InvariantCulture),
        CommandReplyKind.BulkString => Encoding.UTF8.GetString(Bytes!),
        CommandReplyKind.Null or CommandReplyKind.NullArray => "(nil)",
        _ => "[" + string.Join(", ", Items!.Select(i => i.ToString())) + "]",
    };

    // A simple string or error cannot carry a line break on the wire.
    private static string RequireLine(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return text.Contains('\r', StringComparison.Ordinal) || text.Contains('\n', StringComparison.Ordinal)
            ? text.ReplaceLineEndings(" ")
            : text;
    }
}
