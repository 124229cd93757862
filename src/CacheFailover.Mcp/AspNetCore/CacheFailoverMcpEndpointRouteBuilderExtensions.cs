using Microsoft.AspNetCore.Routing;

// In Microsoft's namespace, as MapMcp and MapHealthChecks are: found without a using.
namespace Microsoft.AspNetCore.Builder;

/// <summary>Maps the failover MCP tools into an ASP.NET Core app.</summary>
public static class CacheFailoverMcpEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Maps the MCP Streamable HTTP endpoint of <c>AddCacheFailoverMcp()</c> at <paramref name="pattern"/>.
    /// </summary>
    /// <returns>
    /// The endpoints' convention builder: <c>.RequireAuthorization()</c>, <c>.RequireHost(…)</c> or
    /// <c>.RequireRateLimiting(…)</c> compose on it. The endpoint itself authenticates nobody: an app
    /// reachable from anywhere but loopback should require authorization, since the tools steer its cache.
    /// </returns>
    public static IEndpointConventionBuilder MapCacheFailoverMcp(this IEndpointRouteBuilder endpoints, string pattern = "/mcp")
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentException.ThrowIfNullOrWhiteSpace(pattern);
        if (endpoints.ServiceProvider.GetService(typeof(CacheFailover.Mcp.CacheFailoverMcpOptions)) is null)
        {
            throw new InvalidOperationException("MapCacheFailoverMcp needs the tools registered: call builder.Services.AddCacheFailoverMcp() (after AddCacheFailover) before building the app.");
        }

        return endpoints.MapMcp(pattern);
    }
}
