using System.Net;
using CacheFailover.Engine;
using CacheFailover.Resp.Connections;
using CacheFailover.Resp.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CacheFailover.Resp.Tests.Support;

/// <summary>The front door on a real loopback socket (Kestrel, port chosen by the system), in front of a given engine.</summary>
internal sealed class FrontDoorHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private FrontDoorHost(WebApplication app, RespConnections connections)
    {
        _app = app;
        Connections = connections;
        Port = ((IPEndPoint)connections.ListeningOn!).Port;
    }

    public int Port { get; }

    public RespConnections Connections { get; }

    public string Endpoint => $"127.0.0.1:{Port}";

    /// <summary>Starts it; <paramref name="shutdownTimeout"/> is the host's ShutdownTimeout (how long a stop waits for connections to end before aborting them), the default when null.</summary>
    public static async Task<FrontDoorHost> StartAsync(FailoverEngine engine, string? password = null, TimeSpan? shutdownTimeout = null)
    {
        var options = new RespFrontDoorOptions { Endpoint = new IPEndPoint(IPAddress.Loopback, 0), Password = password };
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        if (shutdownTimeout is { } timeout)
        {
            builder.Services.Configure<Microsoft.Extensions.Hosting.HostOptions>(host => host.ShutdownTimeout = timeout);
        }

        builder.Services.AddSingleton(engine);
        builder.Services.AddRespFrontDoor(options);
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.ListenRespFrontDoor(options));
        var app = builder.Build();
        await app.StartAsync();
        return new FrontDoorHost(app, app.Services.GetRequiredService<RespConnections>());
    }

    /// <summary>Stops the host as SIGTERM does (graceful: Kestrel asks every connection to close, then waits up to the shutdown timeout).</summary>
    public Task StopAsync() => _app.StopAsync();

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
