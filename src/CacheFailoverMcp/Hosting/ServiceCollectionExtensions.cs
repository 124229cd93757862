using CacheFailover.DependencyInjection;
using CacheFailover.Drills;
using CacheFailover.Engine;
using CacheFailoverMcp.Configuration;
using CacheFailoverMcp.Tools;
using CacheFailoverMcp.Tools.Results;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace CacheFailoverMcp.Hosting;

/// <summary>The host's registrations: the engine and the MCP server (transport added separately).</summary>
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
        services.AddSingleton(sp => new AuditTrail(settings.AuditCapacity, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<AuditTrail>>()));
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
        services.AddSingleton(sp => new FailoverDrillRunner(sp.GetRequiredService<FailoverEngine>(), sp.GetService<ILoggerFactory>()));
        services.AddSingleton<DrillCoordinator>();
        return services;
    }

    /// <summary>
    /// The MCP server: every read-only tool, the mutating ones unless <see cref="HostSettings.ReadOnly"/>
    /// (then they are not registered at all), and the call filter that checks arguments, maps errors and audits.
    /// </summary>
    public static IMcpServerBuilder AddFailoverMcpServer(this IServiceCollection services, HostSettings settings)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(settings);
        services.AddSingleton<ToolArgumentValidator>();
        services.AddSingleton<ToolCallGuard>();
        services.AddSingleton(sp => new InitializeFirstFilter(sp.GetService<TimeProvider>() ?? TimeProvider.System));
        services.AddSingleton<IPostConfigureOptions<McpServerOptions>, ToolSchemaSimplifier>();
        services.AddHostedService<StartupBanner>();
        var json = ToolJson.Options;
        // Tools are listed from their recorded descriptions and built on first call (DeferredTool: start-up time).
        var manifest = ToolManifest.Embedded;
        var builder = services
            .AddMcpServer(options =>
            {
                options.ServerInfo = new Implementation
                {
                    Name = "cache-failover-mcp",
                    Title = "Cache failover",
                    Version = ProductVersion.Text,
                };
                options.ServerInstructions = Instructions(settings.ReadOnly);
            })
            .WithMessageFilters(filters => filters.AddIncomingFilter(MessageTooLargeFilter.Filter).AddIncomingFilter(InitializeFirstFilter.Filter).AddIncomingFilter(ArgumentsShapeFilter.Filter))
            .WithRequestFilters(filters => filters.AddCallToolFilter(ToolCallGuard.Filter))
            .WithDeferredTools<StatusTools>(json, manifest)
            .WithDeferredTools<CacheReadTools>(json, manifest);

        if (!settings.ReadOnly)
        {
            builder
                .WithDeferredTools<ConfigurationTools>(json, manifest)
                .WithDeferredTools<FailoverControlTools>(json, manifest)
                .WithDeferredTools<ServiceRegistrationTools>(json, manifest)
                .WithDeferredTools<DrillTools>(json, manifest)
                .WithDeferredTools<CacheWriteTools>(json, manifest);
        }

        return builder;
    }

    private static string Instructions(bool readOnly) =>
        "This server fronts a primary cache and its backups with a failover engine. Start with get_cache_failover_status to see which service serves "
        + "and how healthy each one is; get_failover_events and get_failover_performance_metrics explain what happened and how fast. "
        + (readOnly
            ? "It runs read-only: failover cannot be steered from here."
            : "trigger_manual_failover and trigger_manual_recovery move traffic; configure_cache_failover changes thresholds all-or-nothing; "
              + "test_cache_failover_scenario runs a drill (mode simulate touches nothing live). Every change is audited.");
}
