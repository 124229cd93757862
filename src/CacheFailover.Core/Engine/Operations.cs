using CacheFailover.Backends;
using CacheFailover.Group;

namespace CacheFailover.Engine;

/// <summary>An operation the engine can route: what it is, which key, whether it writes and may be repeated.</summary>
/// <remarks>Structs, so that routing one allocates nothing.</remarks>
internal interface IEngineOperation<T>
{
    string Name { get; }

    string Key { get; }

    /// <summary>Writes are journaled while a backup serves.</summary>
    bool IsWrite { get; }

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
    ValueTask<T> InvokeFencedAsync(IGroupStore store, GroupFence fence, CancellationToken cancellationToken);
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

    public ValueTask<byte[]?> InvokeAsync(ICacheBackend backend, CancellationToken cancellationToken) => backend.GetAsync(key, cancellationToken);

    public bool IsVoid => false;

    public byte[]? VoidResult => default;

    public ValueTask InvokeVoidAsync(ICacheBackend backend, CancellationToken cancellationToken) => throw new NotSupportedException();

    public ValueTask<byte[]?> InvokeFencedAsync(IGroupStore store, GroupFence fence, CancellationToken cancellationToken) => throw new NotSupportedException("A read is never fenced.");
}

internal readonly struct ExistsOperation(string key) : IEngineOperation<bool>
{
    public string Name => "exists";

    public string Key => key;

    public bool IsWrite => false;

    public bool IsSafeToRepeat => true;

    public ValueTask<bool> InvokeAsync(ICacheBackend backend, CancellationToken cancellationToken) => backend.ExistsAsync(key, cancellationToken);

    public bool IsVoid => false;

    public bool VoidResult => default;

    public ValueTask InvokeVoidAsync(ICacheBackend backend, CancellationToken cancellationToken) => throw new NotSupportedException();

    public ValueTask<bool> InvokeFencedAsync(IGroupStore store, GroupFence fence, CancellationToken cancellationToken) => throw new NotSupportedException("A read is never fenced.");
}

/// <summary>SET to an absolute value: repeating it leaves the same value, so it is safe to retry.</summary>
internal readonly struct SetOperation(string key, ReadOnlyMemory<byte> value, TimeSpan? timeToLive) : IEngineOperation<bool>
{
    public string Name => "set";

    public string Key => key;

    public bool IsWrite => true;

    public bool IsSafeToRepeat => true;

    public bool IsVoid => true;

    public bool VoidResult => true;

    public ValueTask InvokeVoidAsync(ICacheBackend backend, CancellationToken cancellationToken) => backend.SetAsync(key, value, timeToLive, cancellationToken);

    public ValueTask<bool> InvokeAsync(ICacheBackend backend, CancellationToken cancellationToken) => throw new NotSupportedException("SET is void: the executor calls InvokeVoidAsync.");

    public ValueTask<bool> InvokeFencedAsync(IGroupStore store, GroupFence fence, CancellationToken cancellationToken) => Stored(store.SetFencedAsync(fence, key, value, timeToLive, cancellationToken));

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

    public ValueTask<bool> InvokeAsync(ICacheBackend backend, CancellationToken cancellationToken) => backend.DeleteAsync(key, cancellationToken);

    public bool IsVoid => false;

    public bool VoidResult => default;

    public ValueTask InvokeVoidAsync(ICacheBackend backend, CancellationToken cancellationToken) => throw new NotSupportedException();

    public ValueTask<bool> InvokeFencedAsync(IGroupStore store, GroupFence fence, CancellationToken cancellationToken) => store.DeleteFencedAsync(fence, key, cancellationToken);
}
