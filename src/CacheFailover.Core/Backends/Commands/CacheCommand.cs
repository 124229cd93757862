namespace CacheFailover.Backends.Commands;

/// <summary>
/// A command in the Redis protocol's shape, run as is by a backend: its name and its arguments
/// (keys and values alike, as bytes). The RESP front door builds these; the engine routes them.
/// </summary>
/// <remarks>
/// The argument memory belongs to the command until the backend call ends; a backend that keeps
/// the bytes longer (a client library that may still write them after a cancelled call) copies them.
/// </remarks>
public sealed class CacheCommand
{
    public CacheCommand(string name, IReadOnlyList<ReadOnlyMemory<byte>> arguments)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(arguments);
        Name = name;
        Arguments = arguments;
    }

    /// <summary>The command's name in upper case (<c>SET</c>, <c>HGETALL</c>).</summary>
    public string Name { get; }

    /// <summary>Every argument after the name.</summary>
    public IReadOnlyList<ReadOnlyMemory<byte>> Arguments { get; }
}

/// <summary>
/// What the engine must know to route a <see cref="CacheCommand"/>: which keys it touches, whether
/// it writes (then every key is journaled while a backup serves, I1/I2), and whether it may be
/// repeated after an unknown outcome (I4).
/// </summary>
/// <param name="Keys">Every key the command names; journaled when it writes.</param>
/// <param name="IsWrite">Whether it may change data.</param>
/// <param name="IsSafeToRepeat">Whether running it twice leaves the same state as running it once.</param>
public readonly record struct CommandRouting(IReadOnlyList<string> Keys, bool IsWrite, bool IsSafeToRepeat);
