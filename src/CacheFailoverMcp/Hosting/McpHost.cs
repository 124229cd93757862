using CacheFailoverMcp.Configuration;
using CacheFailoverMcp.Hosting.StatusPage;
using CacheFailover.Mcp.Filters;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.HostFiltering;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ModelContextProtocol.AspNetCore;
using Serilog;
using ILogger = Microsoft.Extensions.Logging.ILogger;

namespace CacheFailoverMcp.Hosting;

/// <summary>
/// One executable, two transports: a generic host for stdio (no web server at all), a slim
/// ASP.NET Core host for HTTP. Both log through Serilog to stderr only.
/// </summary>
public sealed partial class McpHost
{
    /// <summary>The unauthenticated liveness endpoint.</summary>
    public const string HealthPath = "/healthz";

    /// <summary>The MCP Streamable HTTP endpoint.</summary>
    public const string McpPath = "/mcp";

    /// <summary>The generic host: stdio with no RESP front door (no web server at all).</summary>
    private readonly HostApplicationBuilder? _generic;

    /// <summary>The web host: HTTP, or stdio with the RESP front door (Kestrel listening for RESP only).</summary>
    private readonly WebApplicationBuilder? _web;
    private readonly HostSettings _settings;

    private McpHost(HostSettings settings, HostApplicationBuilder? generic, WebApplicationBuilder? web)
    {
        _settings = settings;
        _generic = generic;
        _web = web;
    }

    public IServiceCollection Services => _generic?.Services ?? _web!.Services;

    /// <summary>Creates the host for <paramref name="settings"/>' transport, logging through <paramref name="logger"/>.</summary>
    public static McpHost Create(HostSettings settings, Serilog.Core.Logger logger)
    {
        ArgumentNullException.ThrowIfNull(settings);
        // Args are not passed on: the command line was already read (with its shortcuts) into settings.
        McpHost host;
        if (settings.Transport == McpTransportKind.Http)
        {
            var web = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], ContentRootPath = AppContext.BaseDirectory });
            web.WebHost.UseUrls([.. settings.Urls.Select(u => u.GetLeftPart(UriPartial.Authority))]);
            web.Services.Configure<HostFilteringOptions>(o =>
            {
                o.AllowedHosts = [.. settings.AllowedHosts];
                o.AllowEmptyHosts = false;
            });
            web.Services.AddHostFiltering(_ => { });

            // No request body is larger than the largest MCP message (McpPostGateMiddleware answers 413 first where it can).
            web.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestBodySize = MessageLimits.MaxMessageBytes);
            RespFrontDoorHosting.Add(web, settings);
            web.Services.AddStatusPage();
            host = new McpHost(settings, null, web);
            web.Logging.ClearProviders();
        }
        else if (settings.Resp is not null)
        {
            // stdio for MCP, and Kestrel for the RESP front door alone (it binds no HTTP address).
            var web = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], ContentRootPath = AppContext.BaseDirectory });
            web.Services.Configure<ConsoleLifetimeOptions>(o => o.SuppressStatusMessages = true);
            RespFrontDoorHosting.Add(web, settings);
            host = new McpHost(settings, null, web);
            web.Logging.ClearProviders();
        }
        else
        {
            // The empty builder: the settings were read already (HostSettingsLoader), so the default
            // builder's own configuration sources (appsettings.json watched for changes, environment,
            // command line) and logging providers would only cost start-up time.
            var generic = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { Args = [], ContentRootPath = AppContext.BaseDirectory });
            generic.Services.Configure<ConsoleLifetimeOptions>(o => o.SuppressStatusMessages = true);
            host = new McpHost(settings, generic, null);
            generic.Logging.ClearProviders();
        }

        host.Services.AddSerilog(logger, dispose: false);
        HostTelemetry.Add(host.Services, host._generic?.Configuration ?? host._web!.Configuration, settings);
        return host;
    }

    /// <summary>Adds the transport the settings ask for.</summary>
    public void AddTransport(IMcpServerBuilder mcp)
    {
        ArgumentNullException.ThrowIfNull(mcp);
        if (_settings.Transport == McpTransportKind.Stdio)
        {
            // The SDK's stdio transport has no message size cap: read stdin through one.
#pragma warning disable CA2000 // The transport owns the streams for the life of the process.
            mcp.WithStreamServerTransport(new BoundedLineStream(Console.OpenStandardInput()), Console.OpenStandardOutput());
#pragma warning restore CA2000
            return;
        }

        // The audit records the caller's address from the HTTP request that carried the call.
        mcp.Services.AddHttpContextAccessor();
        mcp.WithHttpTransport(options =>
        {
            if (_settings.LegacySse)
            {
                // The older HTTP+SSE transport keeps a session in memory, so it needs stateful mode;
                // Streamable HTTP clients still get the same tools on /mcp.
                options.SessionMode = HttpServerSessionMode.StatefulForInitializeClients;
#pragma warning disable MCP9004 // Obsolete legacy SSE: the issue asks for it behind --legacy-sse, same tools, same auth.
                options.EnableLegacySse = true;
#pragma warning restore MCP9004
            }
        });
    }

    /// <summary>Builds and runs until stdin closes (stdio), SIGTERM or Ctrl+C. Returns the process exit code.</summary>
    public async Task<int> RunAsync()
    {
        // RunAsync disposes the host (and with it the engine and every backend) when it returns.
        if (_generic is not null)
        {
            await _generic.Build().RunAsync();
            return 0;
        }

        var app = _web!.Build();
        if (_settings.Transport == McpTransportKind.Http)
        {
            MapHttp(app, _settings);
        }

        var logger = app.Services.GetRequiredService<ILogger<McpHost>>();
        try
        {
            await app.RunAsync();
            return 0;
        }
        catch (IOException ex)
        {
            // Kestrel could not bind (address in use, no permission): say so plainly and exit non-zero.
            var addresses = _settings.Transport == McpTransportKind.Http ? _settings.Urls.Select(u => u.GetLeftPart(UriPartial.Authority)).ToList() : [];
            if (_settings.Resp is { } resp)
            {
                addresses.Add($"RESP {resp}");
            }

            var listed = string.Join(", ", addresses);
            var reason = ex.Message;
            LogCannotListen(logger, listed, reason);
            return 1;
        }
    }

    [LoggerMessage(EventId = 2200, EventName = "CannotListen", Level = LogLevel.Critical, Message = "Cannot listen on {Addresses}: {Reason}")]
    private static partial void LogCannotListen(ILogger logger, string addresses, string reason);

    private static void MapHttp(WebApplication app, HostSettings settings)
    {
        app.UseHostFiltering();
        app.UseMiddleware<OriginCheckMiddleware>(settings.AllowedOrigins);
        app.UseStatusPageShell(); // holds no data, so before the token check: a browser navigating cannot send one
        if (settings.AuthToken is { } token)
        {
            app.UseMiddleware<BearerTokenMiddleware>(token);
        }

        app.UseMiddleware<McpPostGateMiddleware>();

        if (settings.LegacySse)
        {
            // The SDK maps the legacy pair under the MCP prefix; serve them at /sse and /message too.
            app.Use((context, next) =>
            {
                if (context.Request.Path.Equals("/sse", StringComparison.Ordinal) || context.Request.Path.Equals("/message", StringComparison.Ordinal))
                {
                    context.Request.Path = McpPath + context.Request.Path;
                }

                return next(context);
            });
        }

        app.UseRouting();
        HealthEndpoint.Map(app);
        MetricsEndpoint.Map(app);
        app.MapStatusJson();
        app.MapMcp(McpPath);
    }
}
