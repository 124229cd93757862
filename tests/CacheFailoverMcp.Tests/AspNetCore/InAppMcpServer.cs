using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ModelContextProtocol.Client;

namespace CacheFailoverMcp.Tests.AspNetCore;

/// <summary>
/// An ASP.NET Core app of its own on Kestrel at a loopback port: the failover engine from a
/// configuration section, the tools mapped with MapCacheFailoverMcp, and a test authentication
/// scheme that signs in whoever the <c>X-Test-User</c> header names.
/// </summary>
internal sealed class InAppMcpServer : IAsyncDisposable
{
    public const string UserHeader = "X-Test-User";

    private readonly WebApplication _app;

    private InAppMcpServer(WebApplication app, Uri endpoint)
    {
        _app = app;
        Endpoint = endpoint;
    }

    public Uri Endpoint { get; }

    public IServiceProvider Services => _app.Services;

    public static async Task<InAppMcpServer> StartAsync(bool requireAuthorization = false, bool readOnly = false)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["CacheFailover:Primary"] = "memory://in-app-primary",
            ["CacheFailover:Backups:0"] = "memory://in-app-backup",
            ["CacheFailover:ReadOnly"] = readOnly ? "true" : "false",
        });
        builder.Services.AddCacheFailover(builder.Configuration.GetSection("CacheFailover")).AddDistributedCache();
        builder.Services.AddCacheFailoverMcp();
        builder.Services.AddAuthentication(HeaderAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, HeaderAuthenticationHandler>(HeaderAuthenticationHandler.SchemeName, _ => { });
        builder.Services.AddAuthorization();

        var app = builder.Build();
        app.UseAuthentication();
        app.UseAuthorization();
        var mcp = app.MapCacheFailoverMcp("/mcp");
        if (requireAuthorization)
        {
            mcp.RequireAuthorization();
        }

        await app.StartAsync();
        var address = new Uri(app.Urls.Single());
        return new InAppMcpServer(app, new Uri(address, "/mcp"));
    }

    /// <summary>A real MCP client over Streamable HTTP, signed in as <paramref name="user"/> when given.</summary>
    public async Task<McpClient> ConnectAsync(string? user = null, string clientName = "in-app-test-client")
    {
        var options = new HttpClientTransportOptions { Endpoint = Endpoint, TransportMode = HttpTransportMode.StreamableHttp };
        if (user is not null)
        {
            options.AdditionalHeaders = new Dictionary<string, string> { [UserHeader] = user };
        }

#pragma warning disable CA2000 // The client owns and disposes its transport.
        return await McpClient.CreateAsync(new HttpClientTransport(options), new McpClientOptions { ClientInfo = new() { Name = clientName, Version = "1.2.3" } });
#pragma warning restore CA2000
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    /// <summary>Signs in the user the header names; no header, no identity (anonymous).</summary>
    private sealed class HeaderAuthenticationHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
        : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
    {
        public const string SchemeName = "TestHeader";

        protected override Task<AuthenticateResult> HandleAuthenticateAsync()
        {
            if (!Request.Headers.TryGetValue(UserHeader, out var user) || string.IsNullOrEmpty(user))
            {
                return Task.FromResult(AuthenticateResult.NoResult());
            }

            var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, user.ToString())], SchemeName);
            return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName)));
        }
    }
}
