using System.Net;
using CacheFailover.Engine;
using CacheFailover.Resp.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CacheFailover.Nemesis.Cluster;

/// <summary>
/// A member's RESP front door (src/CacheFailover.Resp) on a fixed loopback port, hosted on Kestrel
/// in this process over the member's engine, as the server executable hosts it beside MCP. It
/// starts and ends with the engine, so a member restart drops its clients' connections.
/// </summary>
public sealed class FrontDoor : IAsyncDisposable
{
    private readonly WebApplication _app;

    private FrontDoor(WebApplication app) => _app = app;

    public static async Task<FrontDoor> StartAsync(FailoverEngine engine, int port, CancellationToken cancellationToken)
    {
        var options = new RespFrontDoorOptions { Endpoint = new IPEndPoint(IPAddress.Loopback, port) };
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(engine);
        builder.Services.AddRespFrontDoor(options);
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.ListenRespFrontDoor(options));
        var app = builder.Build();
        await app.StartAsync(cancellationToken);
        return new FrontDoor(app);
    }

    public async ValueTask DisposeAsync()
    {
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await _app.StopAsync(limit.Token);
        await _app.DisposeAsync();
    }
}
