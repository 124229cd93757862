using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;

namespace CacheFailoverMcp.Hosting;

/// <summary>
/// <c>GET /metrics</c>: the Prometheus text exposition of the <c>CacheFailover</c> meter (HTTP mode).
/// It sits behind the same bearer-token rule as <c>/mcp</c> (<see cref="BearerTokenMiddleware"/>
/// exempts only <c>/healthz</c>): service ids and operation counts describe the deployment, and
/// Prometheus sends a token with <c>authorization: credentials_file</c>.
/// </summary>
public static class MetricsEndpoint
{
    public const string Path = "/metrics";

    public static void Map(IEndpointRouteBuilder endpoints) => endpoints.MapPrometheusScrapingEndpoint(Path);
}
