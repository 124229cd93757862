using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace CacheFailoverMcp.Hosting.StatusPage;

/// <summary>The status page at <c>/</c> in HTTP mode: its sampler, its shell and its JSON.</summary>
public static class StatusPageEndpoints
{
    /// <summary>What the page polls; behind the same bearer token as <c>/mcp</c>.</summary>
    public const string JsonPath = "/status.json";

    /// <summary>The sampler (one point per service every few seconds, bounded) and the report it feeds.</summary>
    public static IServiceCollection AddStatusPage(this IServiceCollection services, StatusPageOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var chosen = options ?? new StatusPageOptions();
        services.AddSingleton(chosen);
        services.AddSingleton(new ServiceSampleHistory(chosen.Capacity));
        services.AddSingleton<StatusPageReport>();
        services.AddHostedService<StatusSampler>();
        return services;
    }

    /// <summary>The page's shell (<c>/</c>, script, stylesheet): put it after host and Origin checks, before the token check.</summary>
    public static IApplicationBuilder UseStatusPageShell(this IApplicationBuilder app) => app.UseMiddleware<StatusPageShellMiddleware>();

    /// <summary><c>GET /status.json</c>: what the page draws, never cached.</summary>
    public static IEndpointConventionBuilder MapStatusJson(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        return endpoints.MapGet(JsonPath, (RequestDelegate)(async context =>
        {
            var report = await context.RequestServices.GetRequiredService<StatusPageReport>().BuildAsync(context.RequestAborted);
            context.Response.Headers.CacheControl = "no-store";
            context.Response.Headers.XContentTypeOptions = "nosniff";
            await context.Response.WriteAsJsonAsync(report, StatusPageJsonContext.Default.StatusPageResult, cancellationToken: context.RequestAborted);
        }));
    }
}
