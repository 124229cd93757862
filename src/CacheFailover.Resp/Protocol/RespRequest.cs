using CacheFailover.Resp.Commands;

namespace CacheFailover.Resp.Protocol;

/// <summary>One command as a client sent it: its entry in the command table (null when unknown) and its arguments after the name.</summary>
/// <remarks>
/// Every argument is a slice of one array owned by this request alone, so a request can stay in
/// flight while the connection reads the next one (pipelining) without copying.
/// </remarks>
internal sealed class RespRequest(string name, RespCommandSpec? spec, ReadOnlyMemory<byte>[] arguments)
{
    /// <summary>The name as sent, upper case (for messages about unknown commands).</summary>
    public string Name { get; } = name;

    public RespCommandSpec? Spec { get; } = spec;

    /// <summary>Every argument after the name.</summary>
    public ReadOnlyMemory<byte>[] Arguments { get; } = arguments;

    /// <summary>The argument at <paramref name="index"/> as ASCII upper case (subcommands, options).</summary>
    public string Word(int index) => System.Text.Encoding.ASCII.GetString(Arguments[index].Span).ToUpperInvariant();

    /// <summary>The argument at <paramref name="index"/> as UTF-8 text.</summary>
    public string Text(int index) => System.Text.Encoding.UTF8.GetString(Arguments[index].Span);
}
