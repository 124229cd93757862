using CacheFailover.Backends;
using CacheFailover.Backends.Commands;

namespace CacheFailover.Resp.Tests.Support;

/// <summary>
/// The in-memory backend, except that a GET of a key starting with <see cref="GatedPrefix"/> waits until
/// the test opens the gate: commands sent after it can then finish first, which is how a pipeline's
/// replies are shown to stay in the order the commands were sent, not the order they finished.
/// </summary>
internal sealed class GatedBackend(InMemoryCacheBackend inner) : ICacheBackend
{
    public const string GatedPrefix = "gated:";

    private readonly TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _waiting;

    public InMemoryCacheBackend Inner => inner;

    /// <summary>How many gated reads are waiting now.</summary>
    public int Waiting => Volatile.Read(ref _waiting);

    public string Endpoint => inner.Endpoint;

    public event EventHandler<BackendConnectionEventArgs>? ConnectionStateChanged
    {
        add => inner.ConnectionStateChanged += value;
        remove => inner.ConnectionStateChanged -= value;
    }

    public BackendConnectionEventArgs? LastConnectionChange => inner.LastConnectionChange;

    public void Open() => _gate.TrySetResult();

    public ValueTask<byte[]?> GetAsync(string key, CancellationToken cancellationToken = default)
        => key.StartsWith(GatedPrefix, StringComparison.Ordinal) ? GatedGetAsync(key, cancellationToken) : inner.GetAsync(key, cancellationToken);

    public ValueTask SetAsync(string key, ReadOnlyMemory<byte> value, TimeSpan? timeToLive = null, CancellationToken cancellationToken = default)
        => inner.SetAsync(key, value, timeToLive, cancellationToken);

    public ValueTask<bool> DeleteAsync(string key, CancellationToken cancellationToken = default) => inner.DeleteAsync(key, cancellationToken);

    public ValueTask<bool> ExistsAsync(string key, CancellationToken cancellationToken = default) => inner.ExistsAsync(key, cancellationToken);

    public ValueTask<TimeSpan> PingAsync(CancellationToken cancellationToken = default) => inner.PingAsync(cancellationToken);

    public ValueTask<long> InvalidateAsync(IReadOnlyList<string> keys, CancellationToken cancellationToken = default) => inner.InvalidateAsync(keys, cancellationToken);

    public ValueTask FlushAsync(CancellationToken cancellationToken = default) => inner.FlushAsync(cancellationToken);

    public ValueTask<CommandReply> ExecuteCommandAsync(CacheCommand command, CancellationToken cancellationToken = default)
        => inner.ExecuteCommandAsync(command, cancellationToken);

    public ValueTask<CommandReply> ExecuteTransactionAsync(IReadOnlyList<CacheCommand> commands, CancellationToken cancellationToken = default)
        => ((ICacheBackend)inner).ExecuteTransactionAsync(commands, cancellationToken);

    public ValueTask DisposeAsync()
    {
        Open();
        return inner.DisposeAsync();
    }

    private async ValueTask<byte[]?> GatedGetAsync(string key, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _waiting);
        try
        {
            await _gate.Task.WaitAsync(cancellationToken);
        }
        finally
        {
            Interlocked.Decrement(ref _waiting);
        }

        return await inner.GetAsync(key, cancellationToken);
    }
}
