using CacheFailover.Engine;
using CacheFailover.Mcp.Tools.Results;
using CacheFailover.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace CacheFailoverMcp.Hosting;

/// <summary>
/// <c>GET /healthz</c>: <c>ok</c> and <c>degraded</c> answer 200 (traffic is served; the word and the
/// reasons are in the body), <c>down</c> answers 503 (nothing can serve), so a load balancer that
/// only reads the status code keeps the server while it fails over. It needs no token and shows
/// nothing secret: service ids, health, and the serving endpoint with its password redacted.
/// </summary>
public static class HealthEndpoint
{
    public static void Map(IEndpointRouteBuilder endpoints) =>
        endpoints.MapGet(McpHost.HealthPath, (RequestDelegate)(context =>
        {
            var status = context.RequestServices.GetRequiredService<FailoverEngine>().GetStatus();
            var body = Describe(status);
            context.Response.StatusCode = body.Status == "down" ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status200OK;
            context.Response.Headers.CacheControl = "no-store";
            return context.Response.WriteAsJsonAsync(body, ToolJsonContext.Default.HealthzResult, cancellationToken: context.RequestAborted);
        }));

    /// <summary>The body for <paramref name="status"/>.</summary>
    public static HealthzResult Describe(FailoverStatusSnapshot status)
    {
        ArgumentNullException.ThrowIfNull(status);
        var assessment = HealthAssessment.Of(status);
        var serving = status.Services.FirstOrDefault(s => s.ServiceId == status.ActiveServiceId);
        return new HealthzResult(
            assessment.Word,
            status.Status.ToWireName(),
            status.Epoch,
            status.ActiveServiceId,
            // Backends report their endpoint redacted already; redacting again costs little and
            // keeps this unauthenticated page safe whatever a future backend reports.
            SecretRedactor.Redact(serving?.Endpoint ?? string.Empty),
            assessment.Reasons,
            [.. status.Services.Select(s => new HealthzServiceResult(s.ServiceId, s.Role.ToWireName(), s.Health.ToWireName()))]);
    }
}
