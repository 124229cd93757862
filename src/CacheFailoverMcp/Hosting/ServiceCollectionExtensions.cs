using CacheFailover.DependencyInjection;
using CacheFailover.Mcp;
using CacheFailover.Mcp.Registration;
using CacheFailoverMcp.Configuration;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol.Server;

namespace CacheFailoverMcp.Hosting;

/// <summary>The host's registrations: the engine and the MCP server of CacheFailover.Mcp (transport added separately).</summary>
public static class ServiceCollectionExtensions
{
    /// <summary>
    /// The failover engine over <paramref name="topology"/>'s backends (which it then owns), started
    /// and stopped with the host, plus what the tools need next to it.
    /// </summary>
    public static IServiceCollection AddFailoverEngine(this IServiceCollection services, HostSettings settings, BackendProvisioner provisioner, ServiceTopology topology)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(provisioner);
        ArgumentNullException.ThrowIfNull(topology);
        services.AddSingleton(settings);
        services.AddSingleton(provisioner);
        services.AddCacheFailover(engine =>
        {
            engine.Options = settings.Failover;

            // The stdio server an assistant starts carries no application traffic (unless it opens the
            // front door): a control-only member.
            engine.Group = new CacheFailover.Group.FailoverGroupOptions { Name = settings.Group, CarriesTraffic = settings.Transport == McpTransportKind.Http || settings.Resp is not null };
            engine.WithPrimary(HostSettings.PrimaryServiceId, topology.Primary);
            foreach (var (id, backend) in topology.Backups)
            {
                engine.AddBackup(id, backend);
            }

            topology.HandOver();
        });
        return services;
    }

    /// <summary>
    /// The MCP server of <see cref="McpServerRegistration.AddFailoverMcpServer"/> with this host's settings,
    /// plus the start-up banner on stderr.
    /// </summary>
    public static IMcpServerBuilder AddFailoverMcpServer(this IServiceCollection services, HostSettings settings)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(settings);
        services.AddHostedService<StartupBanner>();
        return services.AddFailoverMcpServer(ToolOptions(settings), ProductVersion.Text);
    }

    /// <summary>What the tools need to know of this host's settings.</summary>
    public static CacheFailoverMcpOptions ToolOptions(HostSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return new CacheFailoverMcpOptions
        {
            ReadOnly = settings.ReadOnly,
            AllowLiveDrills = settings.AllowLiveDrills,
            HowToAllowLiveDrills = $"start the server with --allow-live-drills (or {EnvironmentShortcuts.AllowLiveDrills}=true, or {ConfigurationKeys.AllowLiveDrills}=true in appsettings.json)",
            AuditCapacity = settings.AuditCapacity,
            RespEndpoint = settings.Resp?.ToString(),
            RespPasswordRequired = settings.RespPassword is not null,
            StreamTransport = settings.Transport == McpTransportKind.Stdio,
        };
    }
}
