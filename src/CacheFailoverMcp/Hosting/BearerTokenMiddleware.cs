using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace CacheFailoverMcp.Hosting;

/// <summary>
/// Requires <c>Authorization: Bearer &lt;token&gt;</c> on every HTTP request except <c>/healthz</c>;
/// answers 401 otherwise. Compares in constant time so the token cannot be guessed byte by byte.
/// </summary>
public sealed class BearerTokenMiddleware(RequestDelegate next, string token)
{
    private readonly byte[] _expected = Encoding.UTF8.GetBytes(token);

    public async Task InvokeAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Request.Path.StartsWithSegments(McpHost.HealthPath, StringComparison.Ordinal) || IsAuthorized(context.Request))
        {
            await next(context);
            return;
        }

        context.Response.StatusCode = StatusCodes.Status401Unauthorized;
        context.Response.Headers.WWWAuthenticate = "Bearer realm=\"cache-failover-mcp\"";
        context.Response.ContentType = "text/plain; charset=utf-8";
        await context.Response.WriteAsync("Unauthorized: send the server's token as 'Authorization: Bearer <token>'.\n", context.RequestAborted);
    }

    private bool IsAuthorized(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        const string Scheme = "Bearer ";
        if (!header.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var presented = Encoding.UTF8.GetBytes(header[Scheme.Length..].Trim());
        return CryptographicOperations.FixedTimeEquals(presented, _expected);
    }
}
