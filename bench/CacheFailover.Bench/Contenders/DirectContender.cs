using StackExchange.Redis;

namespace CacheFailover.Bench.Contenders;

/// <summary>The cost floor: one plain StackExchange.Redis multiplexer on the primary, no failover at all.</summary>
internal sealed class DirectContender : IContender
{
    private readonly ConnectionMultiplexer _connection;
    private readonly IDatabase _database;

    private DirectContender(ConnectionMultiplexer connection)
    {
        _connection = connection;
        _database = connection.GetDatabase();
    }

    public string Name => "direct";

    public string Configuration => "direct: one StackExchange.Redis 3.4.35 ConnectionMultiplexer on the primary with the library's defaults (IDatabase, no retry, no failover).";

    public static async Task<DirectContender> CreateAsync(string primary)
    {
        var options = ConfigurationOptions.Parse(primary);
        options.ClientName = "bench-direct";
        return new DirectContender(await ConnectionMultiplexer.ConnectAsync(options));
    }

    public async ValueTask<byte[]?> GetAsync(string key) => (byte[]?)await _database.StringGetAsync(key);

    public async ValueTask SetAsync(string key, byte[] value) => await _database.StringSetAsync(key, value);

    public async ValueTask<bool> DeleteAsync(string key) => await _database.KeyDeleteAsync(key);

    public bool IsUnknownOutcome(Exception exception) => GroupContender.IsUnknown(exception);

    public Task ManualFailoverAsync() => throw new NotSupportedException("direct has no backup to fail over to.");

    public Task StopAsync() => Task.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        await _connection.CloseAsync(allowCommandsToComplete: false);
        await _connection.DisposeAsync();
    }
}
