using System.Reflection;
using CacheFailover.Backends;
using CacheFailover.Configuration;
using CacheFailover.Mcp;
using CacheFailover.Mcp.Registration;
using Microsoft.Extensions.DependencyInjection.Extensions;

// In Microsoft's namespace, as AddMcpServer and AddHybridCache are: found without a using.
namespace Microsoft.Extensions.DependencyInjection;

/// <summary>The failover MCP tools inside an ASP.NET Core app, over the app's own failover engine.</summary>
public static class CacheFailoverMcpServiceCollectionExtensions
{
    /// <summary>
    /// Adds the MCP server with the same tools, schemas, argument checks, read-only mode and audit as
    /// the CacheFailoverMcp server, on the Streamable HTTP transport, over the engine that
    /// <c>AddCacheFailover</c> registered; map it with <c>app.MapCacheFailoverMcp("/mcp")</c>.
    /// </summary>
    /// <param name="services">The app's services; <c>AddCacheFailover</c> must be called too.</param>
    /// <param name="configure">
    /// Adjusts the options. <see cref="CacheFailoverMcpOptions.ReadOnly"/> starts from the <c>ReadOnly</c>
    /// key of the section given to <c>AddCacheFailover(IConfiguration)</c>, when there is one.
    /// </param>
    /// <returns>The SDK's builder, to add tools or filters of the app's own.</returns>
    public static IMcpServerBuilder AddCacheFailoverMcp(this IServiceCollection services, Action<CacheFailoverMcpOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = new CacheFailoverMcpOptions
        {
            ReadOnly = ReadOnlyFromSection(services),
            HowToAllowLiveDrills = "live drills are not available in an application (its backends are not wrapped for fault injection); run them against the CacheFailoverMcp server started with --allow-live-drills",
        };
        configure?.Invoke(options);
        if (options.AllowLiveDrills)
        {
            throw new ArgumentException(
                "AllowLiveDrills cannot be set for the tools hosted in an application: its backends are not wrapped for fault injection. "
                + "Use mode simulate, or the CacheFailoverMcp server started with --allow-live-drills.",
                nameof(configure));
        }

        if (options.AuditCapacity < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(configure), options.AuditCapacity, "AuditCapacity must be at least 1.");
        }

        // The audit records the caller's address from the HTTP request that carried the call.
        services.AddHttpContextAccessor();

        // register_failover_service turns connection strings into backends with the same factories as the configuration.
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ICacheBackendFactory, InMemoryCacheBackendFactory>(sp => new InMemoryCacheBackendFactory(sp.GetRequiredService<TimeProvider>())));
        services.TryAddSingleton(sp => new BackendProvisioner(sp.GetServices<ICacheBackendFactory>(), sp.GetRequiredService<TimeProvider>(), faultInjection: false));
        return services.AddFailoverMcpServer(options, LibraryVersion()).WithHttpTransport();
    }

    private static bool ReadOnlyFromSection(IServiceCollection services)
    {
        // The tool list is fixed at registration, so the flag is read now, from the section instance
        // AddCacheFailover kept; a malformed value is reported with the section's other problems at start.
        var source = services.LastOrDefault(d => d.ServiceType == typeof(CacheFailoverConfigurationSource) && d.ImplementationInstance is not null)?.ImplementationInstance as CacheFailoverConfigurationSource;
        return source?.Section[CacheFailoverSectionReader.ReadOnlyKey] is { } text && bool.TryParse(text.Trim(), out var readOnly) && readOnly;
    }

    private static string LibraryVersion()
    {
        var informational = typeof(CacheFailoverMcpOptions).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";
        var plus = informational.IndexOf('+', StringComparison.Ordinal);
        return plus < 0 ? informational : informational[..plus];
    }
}
