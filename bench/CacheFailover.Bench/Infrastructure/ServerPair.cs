using CacheFailover.Testing;
using StackExchange.Redis;

namespace CacheFailover.Bench.Infrastructure;

/// <summary>
/// A primary and a backup <c>redis-server</c> on loopback, each with a plain "setup" connection the
/// harness uses to seed and inspect data outside the contender under test. Disposing kills both by PID.
/// </summary>
internal sealed class ServerPair : IAsyncDisposable
{
    private ServerPair(RedisServerProcess primary, RedisServerProcess backup, ConnectionMultiplexer primarySetup, ConnectionMultiplexer backupSetup)
    {
        Primary = primary;
        Backup = backup;
        PrimarySetup = primarySetup;
        BackupSetup = backupSetup;
    }

    public RedisServerProcess Primary { get; }

    public RedisServerProcess Backup { get; }

    /// <summary>A connection to the primary that bypasses every contender (seeding, verification).</summary>
    public ConnectionMultiplexer PrimarySetup { get; }

    /// <summary>A connection to the backup that bypasses every contender.</summary>
    public ConnectionMultiplexer BackupSetup { get; }

    public static async Task<ServerPair> StartAsync()
    {
        var servers = await Task.WhenAll(RedisServerProcess.StartAsync(), RedisServerProcess.StartAsync());
        var setups = await Task.WhenAll(ConnectSetupAsync(servers[0]), ConnectSetupAsync(servers[1]));
        return new ServerPair(servers[0], servers[1], setups[0], setups[1]);
    }

    /// <summary>Writes <paramref name="keys"/> with <paramref name="value"/>, pipelined in batches.</summary>
    public static async Task SeedAsync(ConnectionMultiplexer connection, IReadOnlyList<string> keys, byte[] value)
    {
        var database = connection.GetDatabase();
        const int Batch = 2_000;
        for (var i = 0; i < keys.Count; i += Batch)
        {
            var pending = new List<Task>(Batch);
            for (var j = i; j < Math.Min(i + Batch, keys.Count); j++)
            {
                pending.Add(database.StringSetAsync(keys[j], value));
            }

            await Task.WhenAll(pending);
        }
    }

    /// <summary>Writes <paramref name="count"/> keys named by <paramref name="name"/>, pipelined in batches.</summary>
    public static async Task SeedAsync(ConnectionMultiplexer connection, int count, Func<int, string> name, byte[] value)
    {
        var database = connection.GetDatabase();
        const int Batch = 5_000;
        for (var i = 0; i < count; i += Batch)
        {
            var pending = new List<Task>(Batch);
            for (var j = i; j < Math.Min(i + Batch, count); j++)
            {
                pending.Add(database.StringSetAsync(name(j), value));
            }

            await Task.WhenAll(pending);
        }
    }

    public async ValueTask DisposeAsync()
    {
        // Servers first: closing a connection to a frozen server would otherwise wait for its replies.
        await Primary.DisposeAsync();
        await Backup.DisposeAsync();
        await PrimarySetup.CloseAsync(allowCommandsToComplete: false);
        await BackupSetup.CloseAsync(allowCommandsToComplete: false);
        await PrimarySetup.DisposeAsync();
        await BackupSetup.DisposeAsync();
    }

    private static Task<ConnectionMultiplexer> ConnectSetupAsync(RedisServerProcess server)
    {
        var options = ConfigurationOptions.Parse(server.ConnectionString);
        options.AbortOnConnectFail = false;
        options.ClientName = "bench-setup";
        options.SyncTimeout = 10_000;
        options.AsyncTimeout = 10_000;
        return ConnectionMultiplexer.ConnectAsync(options);
    }
}
