using CacheFailover.Backends;
using CacheFailover.Group;
using CacheFailover.Backends.Commands;
using CacheFailover.Journal;

namespace CacheFailover.Engine;

/// <summary>An operation the engine can route: what it is, which key, whether it writes and may be repeated.</summary>
/// <remarks>Structs, so that routing one allocates nothing.</remarks>
internal interface IEngineOperation<T>
{
    string Name { get; }

    string Key { get; }

    /// <summary>Writes are journaled while a backup serves.</summary>
    bool IsWrite { get; }

    /// <summary>Records every key this write touches before it is sent to a backup; false when the journal is sealed.</summary>
    bool TryJournal(FailbackJournal journal);

    /// <summary>Whether repeating it after an unknown outcome leaves the same state (I4).</summary>
    bool IsSafeToRepeat { get; }

    /// <summary>Runs it on <paramref name="backend"/>; the token carries the engine's deadline (and the caller's cancellation).</summary>
    ValueTask<T> InvokeAsync(ICacheBackend backend, CancellationToken cancellationToken);

    /// <summary>
    /// True when the backend call returns no value (a SET): the executor then awaits
    /// <see cref="InvokeVoidAsync"/> directly and answers <see cref="VoidResult"/>, sparing an
    /// adapter state machine per operation.
    /// </summary>
    bool IsVoid { get; }

    /// <summary>The backend call of a void operation.</summary>
    ValueTask InvokeVoidAsync(ICacheBackend backend, CancellationToken cancellationToken);

    /// <summary>What a void operation answers when it succeeded.</summary>
    T VoidResult { get; }

    /// <summary>A write to a backup of a group: journaled and applied by the backup only while its record matches <paramref name="fence"/>.</summary>
    ValueTask<T> InvokeFencedAsync(ICacheBackend backend, IGroupStore store, GroupFence fence, CancellationToken cancellationToken);
}

/// <summary>What an operation returns to its caller: the value alone, or the value and its route.</summary>
internal interface IResultShape<T, TOut>
{
    static abstract TOut Shape(T value, string servedBy, int attempts, long epoch);
}

/// <summary>The value alone (the plain API: no wrapper state machine between caller and engine).</summary>
internal readonly struct ValueOnly<T> : IResultShape<T, T>
{
    public static T Shape(T value, string servedBy, int attempts, long epoch) => value;
}

/// <summary>The value and who served it.</summary>
internal readonly struct WithRoute<T> : IResultShape<T, CacheResult<T>>
{
    public static CacheResult<T> Shape(T value, string servedBy, int attempts, long epoch) => new(value, servedBy, attempts, epoch);
}

internal readonly struct GetOperation(string key) : IEngineOperation<byte[]?>
{
    public string Name => "get";

    public string Key => key;

    public bool IsWrite => false;

    public bool IsSafeToRepeat => true;

    public bool TryJournal(FailbackJournal journal) => journal.TryRecord(key);

    public ValueTask<byte[]?> InvokeAsync(ICacheBackend backend, CancellationToken cancellationToken) => backend.GetAsync(key, cancellationToken);

    public bool IsVoid => false;

    public byte[]? VoidResult => default;

    public ValueTask InvokeVoidAsync(ICacheBackend backend, CancellationToken cancellationToken) => throw new NotSupportedException();

    public ValueTask<byte[]?> InvokeFencedAsync(ICacheBackend backend, IGroupStore store, GroupFence fence, CancellationToken cancellationToken) => throw new NotSupportedException("A read is never fenced.");
}

internal readonly struct ExistsOperation(string key) : IEngineOperation<bool>
{
    public string Name => "exists";

    public string Key => key;

    public bool IsWrite => false;

    public bool IsSafeToRepeat => true;

    public bool TryJournal(FailbackJournal journal) => journal.TryRecord(key);

    public ValueTask<bool> InvokeAsync(ICacheBackend backend, CancellationToken cancellationToken) => backend.ExistsAsync(key, cancellationToken);

    public bool IsVoid => false;

    public bool VoidResult => default;

    public ValueTask InvokeVoidAsync(ICacheBackend backend, CancellationToken cancellationToken) => throw new NotSupportedException();

    public ValueTask<bool> InvokeFencedAsync(ICacheBackend backend, IGroupStore store, GroupFence fence, CancellationToken cancellationToken) => throw new NotSupportedException("A read is never fenced.");
}

/// <summary>SET to an absolute value: repeating it leaves the same value, so it is safe to retry.</summary>
internal readonly struct SetOperation(string key, ReadOnlyMemory<byte> value, TimeSpan? timeToLive) : IEngineOperation<bool>
{
    public string Name => "set";

    public string Key => key;

    public bool IsWrite => true;

    public bool IsSafeToRepeat => true;

    public bool TryJournal(FailbackJournal journal) => journal.TryRecord(key);

    public bool IsVoid => true;

    public bool VoidResult => true;

    public ValueTask InvokeVoidAsync(ICacheBackend backend, CancellationToken cancellationToken) => backend.SetAsync(key, value, timeToLive, cancellationToken);

    public ValueTask<bool> InvokeAsync(ICacheBackend backend, CancellationToken cancellationToken) => throw new NotSupportedException("SET is void: the executor calls InvokeVoidAsync.");

    public ValueTask<bool> InvokeFencedAsync(ICacheBackend backend, IGroupStore store, GroupFence fence, CancellationToken cancellationToken) => Stored(store.SetFencedAsync(fence, key, value, timeToLive, cancellationToken));

    private static async ValueTask<bool> Stored(ValueTask pending)
    {
        await pending;
        return true;
    }
}

/// <summary>DELETE: repeating it leaves the key deleted, so it is safe to retry (its "existed" answer then describes the last attempt).</summary>
internal readonly struct DeleteOperation(string key) : IEngineOperation<bool>
{
    public string Name => "delete";

    public string Key => key;

    public bool IsWrite => true;

    public bool IsSafeToRepeat => true;

    public bool TryJournal(FailbackJournal journal) => journal.TryRecord(key);

    public ValueTask<bool> InvokeAsync(ICacheBackend backend, CancellationToken cancellationToken) => backend.DeleteAsync(key, cancellationToken);

    public bool IsVoid => false;

    public bool VoidResult => default;

    public ValueTask InvokeVoidAsync(ICacheBackend backend, CancellationToken cancellationToken) => throw new NotSupportedException();

    public ValueTask<bool> InvokeFencedAsync(ICacheBackend backend, IGroupStore store, GroupFence fence, CancellationToken cancellationToken) => store.DeleteFencedAsync(fence, key, cancellationToken);
}

/// <summary>
/// A Redis-protocol command from the RESP front door, run as is by the serving backend. Its routing
/// says which keys it touches (all journaled when it writes while a backup serves, for any data type:
/// failback invalidates each such key on the primary) and whether it may be repeated after an
/// unknown outcome; a counter, a push or an APPEND may not (I4).
/// </summary>
internal readonly struct CommandOperation(CacheCommand command, CommandRouting routing) : IEngineOperation<CommandReply>
{
    public string Name => command.Name;

    /// <summary>The first key, or empty for a command without keys (DBSIZE, SCAN).</summary>
    public string Key => routing.Keys.Count > 0 ? routing.Keys[0] : string.Empty;

    public bool IsWrite => routing.IsWrite;

    public bool IsSafeToRepeat => routing.IsSafeToRepeat;

    public bool TryJournal(FailbackJournal journal) => journal.TryRecordAll(routing.Keys);

    public ValueTask<CommandReply> InvokeAsync(ICacheBackend backend, CancellationToken cancellationToken) => backend.ExecuteCommandAsync(command, cancellationToken);

    /// <summary>The keys are journaled on the backup first, fenced (one round trip), then the command is sent: a write that lands is journaled whichever member reconciles.</summary>
    public async ValueTask<CommandReply> InvokeFencedAsync(ICacheBackend backend, IGroupStore store, GroupFence fence, CancellationToken cancellationToken)
    {
        await store.JournalFencedAsync(fence, routing.Keys, cancellationToken);
        return await backend.ExecuteCommandAsync(command, cancellationToken);
    }

    public bool IsVoid => false;

    public CommandReply VoidResult => CommandReply.Null;

    public ValueTask InvokeVoidAsync(ICacheBackend backend, CancellationToken cancellationToken) => throw new NotSupportedException();
}

/// <summary>
/// MULTI … EXEC from the RESP front door: its commands run as one transaction on the serving backend.
/// The routing covers them all (every key of every write journaled at once; safe to repeat only when
/// every command is).
/// </summary>
internal readonly struct TransactionOperation(IReadOnlyList<CacheCommand> commands, CommandRouting routing) : IEngineOperation<CommandReply>
{
    public string Name => "EXEC";

    public string Key => routing.Keys.Count > 0 ? routing.Keys[0] : string.Empty;

    public bool IsWrite => routing.IsWrite;

    public bool IsSafeToRepeat => routing.IsSafeToRepeat;

    public bool TryJournal(FailbackJournal journal) => journal.TryRecordAll(routing.Keys);

    public ValueTask<CommandReply> InvokeAsync(ICacheBackend backend, CancellationToken cancellationToken) => backend.ExecuteTransactionAsync(commands, cancellationToken);

    /// <summary>Every key of the transaction is journaled on the backup first, fenced, then the transaction is sent.</summary>
    public async ValueTask<CommandReply> InvokeFencedAsync(ICacheBackend backend, IGroupStore store, GroupFence fence, CancellationToken cancellationToken)
    {
        await store.JournalFencedAsync(fence, routing.Keys, cancellationToken);
        return await backend.ExecuteTransactionAsync(commands, cancellationToken);
    }

    public bool IsVoid => false;

    public CommandReply VoidResult => CommandReply.Null;

    public ValueTask InvokeVoidAsync(ICacheBackend backend, CancellationToken cancellationToken) => throw new NotSupportedException();
}
