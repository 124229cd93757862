using CacheFailover.Resp.Tests.Support;

namespace CacheFailover.Resp.Tests.Connections;

/// <summary>
/// A graceful stop (SIGTERM of the server) with Redis clients connected: Kestrel asks each connection
/// to close and waits for it up to the host's shutdown timeout. A client that keeps its connection
/// open between commands (every pooled Redis client does) must not hold the process up that long.
/// </summary>
public sealed class RespConnectionHandlerShutdownTests
{
    /// <summary>Far longer than the stop may take: without the fix the stop lasts exactly this long.</summary>
    private static readonly TimeSpan ShutdownTimeout = TimeSpan.FromMinutes(5);

    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task StopAsync_IdleClientsConnected_ClosesTheirConnectionsAndStopsWithoutWaitingForTheShutdownTimeout()
    {
        await using var engine = Engines.InMemory();
        await using var host = await FrontDoorHost.StartAsync(engine, shutdownTimeout: ShutdownTimeout);
        await using var idle = await RawClient.ConnectAsync(host.Port);
        await using var other = await RawClient.ConnectAsync(host.Port);
        Assert.Equal("OK", await idle.CallAsync("SET", "k", "v"));
        Assert.Equal("v", await other.CallAsync("GET", "k"));

        await host.StopAsync().WaitAsync(Limit);

        Assert.True(await idle.IsClosedByServerAsync());
        Assert.True(await other.IsClosedByServerAsync());
    }

    [Fact]
    public async Task StopAsync_CommandInFlight_AnswersItBeforeClosing()
    {
        await using var engine = Engines.InMemory();
        await using var host = await FrontDoorHost.StartAsync(engine, shutdownTimeout: ShutdownTimeout);
        await using var client = await RawClient.ConnectAsync(host.Port);
        Assert.Equal("PONG", await client.CallAsync("PING"));

        // A pipelined batch sent just before the stop: every command read is answered, in order.
        await client.SendRawAsync([.. RawClient.Encode("SET", "a", "1"), .. RawClient.Encode("GET", "a")]);
        Assert.Equal("OK", await client.ReadAsync());
        Assert.Equal("1", await client.ReadAsync());
        await host.StopAsync().WaitAsync(Limit);

        Assert.True(await client.IsClosedByServerAsync());
    }
}
