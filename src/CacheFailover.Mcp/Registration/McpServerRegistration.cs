using CacheFailover.Drills;
using CacheFailover.Engine;
using CacheFailover.Mcp.Audit;
using CacheFailover.Mcp.Filters;
using CacheFailover.Mcp.Prompts;
using CacheFailover.Mcp.Resources;
using CacheFailover.Mcp.Tools;
using CacheFailover.Mcp.Tools.Results;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace CacheFailover.Mcp.Registration;

/// <summary>The MCP server over a registered failover engine (transport added by the host).</summary>
public static class McpServerRegistration
{
    /// <summary>
    /// The MCP server: every read-only tool, the mutating ones unless <see cref="CacheFailoverMcpOptions.ReadOnly"/>
    /// (then they are not registered at all), the call filter that checks arguments, maps errors and audits,
    /// and what the tools need beside the engine (audit trail, drill runner). The engine and a
    /// <see cref="BackendProvisioner"/> must be registered by the host.
    /// </summary>
    public static IMcpServerBuilder AddFailoverMcpServer(this IServiceCollection services, CacheFailoverMcpOptions options, string version)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(options);
        services.AddSingleton(options);
        services.AddSingleton(sp => new AuditTrail(options.AuditCapacity, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<AuditTrail>>()));
        services.AddSingleton(sp => new FailoverDrillRunner(sp.GetRequiredService<FailoverEngine>(), sp.GetService<ILoggerFactory>()));
        services.AddSingleton<DrillCoordinator>();
        services.AddSingleton<FailoverReports>();
        services.AddSingleton<ResourceChangeFeed>();
        services.AddSingleton<ResourceSubscriptions>();
        services.AddSingleton<ToolArgumentValidator>();
        services.AddSingleton<ToolCallGuard>();
        services.AddSingleton(sp => new InitializeFirstFilter(sp.GetService<TimeProvider>() ?? TimeProvider.System));
        services.AddSingleton<IPostConfigureOptions<McpServerOptions>, ToolSchemaSimplifier>();
        var json = ToolJson.Options;
        // Tools are listed from their recorded descriptions and built on first call (DeferredTool: start-up time).
        var manifest = ToolManifest.Embedded;
        var builder = services
            .AddMcpServer(mcp =>
            {
                mcp.ServerInfo = new Implementation
                {
                    Name = "cache-failover-mcp",
                    Title = "Cache failover",
                    Version = version,
                };
                mcp.ServerInstructions = Instructions(options.ReadOnly);

                // Set here, not discovered: the capability then says exactly what is served (CapabilityAdvertisement).
                mcp.Capabilities = new ServerCapabilities
                {
                    Resources = new ResourcesCapability { Subscribe = true, ListChanged = false },
                    Prompts = new PromptsCapability { ListChanged = false },
                };
                mcp.Handlers.SubscriptionsListenHandler = ResourceSubscriptions.ListenAsync;
            })
            .WithMessageFilters(filters => filters
                .AddIncomingFilter(MessageTooLargeFilter.Filter).AddIncomingFilter(InitializeFirstFilter.Filter).AddIncomingFilter(ArgumentsShapeFilter.Filter)
                .AddOutgoingFilter(CapabilityAdvertisement.Filter))
            .WithRequestFilters(filters => filters.AddCallToolFilter(ToolCallGuard.Filter))
            .WithListResourcesHandler(FailoverResources.ListAsync)
            .WithReadResourceHandler(FailoverResources.ReadAsync)
            .WithSubscribeToResourcesHandler(ResourceSubscriptions.SubscribeAsync)
            .WithUnsubscribeFromResourcesHandler(ResourceSubscriptions.UnsubscribeAsync)
            .WithListPromptsHandler(RunbookPrompts.ListAsync)
            .WithGetPromptHandler(RunbookPrompts.GetAsync)
            .WithDeferredTools<StatusTools>(json, manifest)
            .WithDeferredTools<CacheReadTools>(json, manifest);

        if (!options.ReadOnly)
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
        + "The same status and events are resources (cachefailover://status, cachefailover://events) a client can subscribe to, and the prompts "
        + "are runbooks (diagnose_cache, post_incident_review" + (readOnly ? "" : ", planned_primary_maintenance") + "). "
        + (readOnly
            ? "It runs read-only: failover cannot be steered from here."
            : "trigger_manual_failover and trigger_manual_recovery move traffic; configure_cache_failover changes thresholds all-or-nothing; "
              + "test_cache_failover_scenario runs a drill (mode simulate touches nothing live). Every change is audited.");
}
