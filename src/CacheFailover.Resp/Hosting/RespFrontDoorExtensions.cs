using CacheFailover.Resp.Commands;
using CacheFailover.Resp.Connections;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace CacheFailover.Resp.Hosting;

/// <summary>Registers the front door and makes Kestrel listen for it (beside HTTP, or alone).</summary>
public static class RespFrontDoorExtensions
{
    /// <summary>The front door's parts; the <see cref="CacheFailover.Engine.FailoverEngine"/> must be registered too.</summary>
    public static IServiceCollection AddRespFrontDoor(this IServiceCollection services, RespFrontDoorOptions options)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(options);
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(options);
        services.AddSingleton<RespCommandTable>();
        services.AddSingleton(sp => new RespConnections(sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(sp => new ConnectionCommands(
            sp.GetRequiredService<CacheFailover.Engine.FailoverEngine>(), sp.GetRequiredService<RespCommandTable>(), sp.GetRequiredService<RespConnections>(), options));
        services.AddSingleton(sp => new TransactionCommands(sp.GetRequiredService<CacheFailover.Engine.FailoverEngine>()));
        services.AddSingleton(sp => new RespDispatcher(
            sp.GetRequiredService<CacheFailover.Engine.FailoverEngine>(), sp.GetRequiredService<ConnectionCommands>(), sp.GetRequiredService<TransactionCommands>(), sp.GetRequiredService<RespConnections>()));
        services.AddSingleton(sp => new RespConnectionHandler(
            sp.GetRequiredService<RespDispatcher>(), sp.GetRequiredService<RespCommandTable>(), sp.GetRequiredService<RespConnections>(), options, sp.GetRequiredService<ILogger<RespConnectionHandler>>()));
        return services;
    }

    /// <summary>Listens on <paramref name="options"/>' endpoint with the front door's connection handler.</summary>
    public static void ListenRespFrontDoor(this KestrelServerOptions kestrel, RespFrontDoorOptions options)
    {
        ArgumentNullException.ThrowIfNull(kestrel);
        ArgumentNullException.ThrowIfNull(options);
        kestrel.Listen(options.Endpoint, listen =>
        {
            listen.UseConnectionHandler<RespConnectionHandler>();

            // Once bound (a port of 0 becomes a real one), say where: CLIENT LIST, INFO and the status tool read it.
            kestrel.ApplicationServices.GetRequiredService<RespConnections>().BoundEndpoint = () => listen.EndPoint;
        });
    }
}
