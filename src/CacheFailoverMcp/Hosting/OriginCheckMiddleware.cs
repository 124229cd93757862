using Microsoft.AspNetCore.Http;

namespace CacheFailoverMcp.Hosting;

/// <summary>
/// Validates the <c>Origin</c> header, as the MCP Streamable HTTP transport requires against DNS
/// rebinding: a request without one (not from a browser), from the server's own origin, or from a
/// configured origin passes; any other gets 403 naming the origin and how to allow it.
/// </summary>
public sealed class OriginCheckMiddleware(RequestDelegate next, IReadOnlyList<string> allowedOrigins)
{
    private readonly HashSet<string> _allowed = new(allowedOrigins, StringComparer.OrdinalIgnoreCase);

    public async Task InvokeAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var origin = context.Request.Headers.Origin.ToString();
        if (origin.Length == 0 || IsAllowed(origin, context.Request))
        {
            await next(context);
            return;
        }

        context.Response.StatusCode = StatusCodes.Status403Forbidden;
        context.Response.ContentType = "text/plain; charset=utf-8";
        var shown = CacheFailover.Security.SecretRedactor.Redact(origin.Length > 200 ? origin[..200] : origin);
        await context.Response.WriteAsync(
            $"Forbidden: Origin '{SingleLineFormatter.Escape(shown)}' is not allowed. Requests without an Origin, from this server's own origin, or from an origin listed in --allowed-origins (CACHEFAILOVER_ALLOWED_ORIGINS) are served.\n",
            context.RequestAborted);
    }

    private bool IsAllowed(string origin, HttpRequest request)
    {
        if (_allowed.Contains("*") || _allowed.Contains(origin))
        {
            return true;
        }

        // Same origin: what the browser was talking to (scheme and the Host it sent, already checked by AllowedHosts).
        return string.Equals(origin, $"{request.Scheme}://{request.Host.Value}", StringComparison.OrdinalIgnoreCase);
    }
}
