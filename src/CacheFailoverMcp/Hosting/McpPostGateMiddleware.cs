using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using CacheFailover.Mcp.Filters;

namespace CacheFailoverMcp.Hosting;

/// <summary>
/// Checks an MCP POST before the SDK reads it: a body that is not declared as JSON gets 415 (the SDK
/// would fail with 500), and one larger than <see cref="MessageLimits.MaxMessageBytes"/> gets 413
/// before any of it is buffered (a chunked body is cut off at the limit by Kestrel's own
/// <c>MaxRequestBodySize</c>, which this sets per request).
/// </summary>
public sealed class McpPostGateMiddleware(RequestDelegate next)
{
    public async Task InvokeAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var request = context.Request;
        if (!HttpMethods.IsPost(request.Method) || !request.Path.StartsWithSegments(McpHost.McpPath, StringComparison.Ordinal))
        {
            await next(context);
            return;
        }

        if (!IsJson(request.ContentType))
        {
            await RefuseAsync(context, StatusCodes.Status415UnsupportedMediaType, "Unsupported Media Type: send the JSON-RPC message with 'Content-Type: application/json'.");
            return;
        }

        if (request.ContentLength > MessageLimits.MaxMessageBytes)
        {
            await RefuseAsync(context, StatusCodes.Status413PayloadTooLarge, MessageLimits.TooLargeMessage(request.ContentLength.Value));
            return;
        }

        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = MessageLimits.MaxMessageBytes;
        }

        await next(context);
    }

    private static bool IsJson(string? contentType)
    {
        if (string.IsNullOrWhiteSpace(contentType))
        {
            return false;
        }

        var mediaType = contentType.Split(';', 2)[0].Trim();
        return string.Equals(mediaType, "application/json", StringComparison.OrdinalIgnoreCase);
    }

    private static async Task RefuseAsync(HttpContext context, int status, string message)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/plain; charset=utf-8";
        await context.Response.WriteAsync(message.ToString(CultureInfo.InvariantCulture) + "\n", context.RequestAborted);
    }
}
