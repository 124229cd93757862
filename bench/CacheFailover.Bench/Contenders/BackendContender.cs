using CacheFailover.Redis;

namespace CacheFailover.Bench.Contenders;

/// <summary>
/// One <see cref="RedisCacheBackend"/> on the primary with no engine around it, with or without a
/// cancellable token (the engine's deadline arrives as one): it separates what the backend costs
/// from what the engine's routing costs.
/// </summary>
internal sealed class BackendContender : IContender
{
    private readonly RedisCacheBackend _backend;
    private readonly CancellationTokenSource? _deadline;

    private BackendContender(RedisCacheBackend backend, bool withToken)
    {
        _backend = backend;
        _deadline = withToken ? new CancellationTokenSource() : null;
    }

    public string Name => _deadline is null ? "backend" : "backend+token";

    public string Configuration => _deadline is null
        ? "backend: RedisCacheBackend alone on the primary (RedisBackendOptions defaults), no engine, no cancellation token."
        : "backend+token: the same, every call given a cancellable token that never fires (as the engine's deadline is).";

    private CancellationToken Token => _deadline?.Token ?? CancellationToken.None;

    public static async Task<BackendContender> CreateAsync(string primary, bool withToken)
    {
        var backend = RedisCacheBackend.Create(withToken ? "backend-token" : "backend", primary, new RedisBackendOptions());
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!backend.IsConnected)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException("the backend did not connect within 10 s.");
            }

            await Task.Delay(20);
        }

        return new BackendContender(backend, withToken);
    }

    public ValueTask<byte[]?> GetAsync(string key) => _backend.GetAsync(key, Token);

    public ValueTask SetAsync(string key, byte[] value) => _backend.SetAsync(key, value, null, Token);

    public ValueTask<bool> DeleteAsync(string key) => _backend.DeleteAsync(key, Token);

    public bool IsUnknownOutcome(Exception exception) => true;

    public Task ManualFailoverAsync() => throw new NotSupportedException("a backend alone has no backup.");

    public Task StopAsync() => Task.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        _deadline?.Dispose();
        await _backend.DisposeAsync();
    }
}
