using System.Collections.Frozen;
using Microsoft.AspNetCore.Http;

namespace CacheFailoverMcp.Hosting.StatusPage;

/// <summary>
/// Serves the status page's shell — <c>/</c>, its script and its stylesheet, embedded in the
/// assembly — ahead of the bearer-token check: a browser cannot send a bearer header when it
/// navigates, and the shell holds no data (no status, no token, nothing of the configuration).
/// Everything the page shows comes from <c>/status.json</c>, which stays behind the same token as
/// <c>/mcp</c>; the page asks for the token and sends it on those requests. Host filtering and the
/// Origin check still run first. The Content-Security-Policy allows only this origin's own script,
/// style and fetches, so nothing the page draws can load or run anything else.
/// </summary>
public sealed class StatusPageShellMiddleware(RequestDelegate next)
{
    /// <summary>The page.</summary>
    public const string PagePath = "/";

    private const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    private static readonly FrozenDictionary<string, Asset> Assets = new Dictionary<string, Asset>(StringComparer.Ordinal)
    {
        [PagePath] = Asset.Load("index.html", "text/html; charset=utf-8"),
        ["/status-page/app.js"] = Asset.Load("app.js", "text/javascript; charset=utf-8"),
        ["/status-page/app.css"] = Asset.Load("app.css", "text/css; charset=utf-8"),
    }.ToFrozenDictionary(StringComparer.Ordinal);

    public async Task InvokeAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var request = context.Request;
        if (!(HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method))
            || !Assets.TryGetValue(request.Path.Value ?? string.Empty, out var asset))
        {
            await next(context);
            return;
        }

        var headers = context.Response.Headers;
        headers.ContentType = asset.ContentType;
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "no-referrer";
        headers.XFrameOptions = "DENY";

        // Revalidated each time, so that a new version of the server is never drawn by an old script.
        headers.CacheControl = "no-cache";
        context.Response.ContentLength = asset.Body.Length;
        if (HttpMethods.IsGet(request.Method))
        {
            await context.Response.Body.WriteAsync(asset.Body, context.RequestAborted);
        }
    }

    private sealed record Asset(byte[] Body, string ContentType)
    {
        /// <summary>Reads an embedded file (logical name <c>StatusPage.NAME</c>, see the project file).</summary>
        public static Asset Load(string name, string contentType)
        {
            var resource = "StatusPage." + name;
            using var stream = typeof(StatusPageShellMiddleware).Assembly.GetManifestResourceStream(resource)
                ?? throw new InvalidOperationException($"The embedded resource '{resource}' is missing from the build.");
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            return new Asset(copy.ToArray(), contentType);
        }
    }
}
