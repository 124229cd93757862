namespace CacheFailover.Resp.Commands;

/// <summary>Where a command is answered.</summary>
internal enum RespRoute
{
    /// <summary>By the front door itself (the connection's own state: PING, AUTH, CLIENT, INFO …).</summary>
    Connection,

    /// <summary>By the serving service, through the engine.</summary>
    Engine,

    /// <summary>FLUSHDB/FLUSHALL: the serving service, and a primary that did not take it is marked dirty.</summary>
    Flush,

    /// <summary>MULTI, EXEC, DISCARD: commands queued on the connection, run on the serving service as one transaction.</summary>
    Transaction,

    /// <summary>Not supported: answered with an error that says why; the connection stays open.</summary>
    Refused,
}

/// <summary>
/// One row of the command table: what the front door knows about a command. Key positions count
/// from the command name at 0, as Redis's own <c>COMMAND</c> does; a negative last key counts from the end.
/// </summary>
/// <param name="Name">Upper case.</param>
/// <param name="Arity">Arguments including the name: exact when positive, at least -<c>Arity</c> when negative.</param>
/// <param name="Route">Who answers it.</param>
/// <param name="Group">For the documentation: connection, string, key, hash, list, set, sorted set, server, …</param>
/// <param name="IsWrite">Whether it may change data (then every key is journaled while a backup serves).</param>
/// <param name="FirstKey">Position of the first key, 0 for none.</param>
/// <param name="LastKey">Position of the last key; -1 is the last argument.</param>
/// <param name="KeyStep">Distance between keys (2 for MSET's key-value pairs).</param>
/// <param name="IsSafeToRepeat">Whether running it twice leaves the same state as once (then it may be retried after an unknown outcome).</param>
/// <param name="Refusal">Why it is refused (for <see cref="RespRoute.Refused"/>).</param>
internal sealed record RespCommandSpec(
    string Name,
    int Arity,
    RespRoute Route,
    string Group,
    bool IsWrite,
    int FirstKey,
    int LastKey,
    int KeyStep,
    bool IsSafeToRepeat,
    string? Refusal = null)
{
    /// <summary>Options that make an otherwise repeatable write unsafe to repeat (SET … NX/XX/GET, ZADD … INCR).</summary>
    public IReadOnlyList<string> UnsafeOptions { get; init; } = [];

    /// <summary>Whether <paramref name="argumentCount"/> arguments after the name fit the arity.</summary>
    public bool AcceptsArgumentCount(int argumentCount)
        => Arity >= 0 ? argumentCount + 1 == Arity : argumentCount + 1 >= -Arity;

    /// <summary>Indexes into the arguments after the name (position - 1) of every key.</summary>
    public IEnumerable<int> KeyIndexes(int argumentCount)
    {
        if (FirstKey <= 0)
        {
            yield break;
        }

        var last = LastKey < 0 ? argumentCount + 1 + LastKey : Math.Min(LastKey, argumentCount);
        for (var position = FirstKey; position <= last; position += KeyStep)
        {
            yield return position - 1;
        }
    }
}
