using System.Net;
using CacheFailover.Resp.Hosting;
using CacheFailoverMcp.Configuration;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace CacheFailoverMcp.Hosting;

/// <summary>Puts the Redis-protocol front door on the host's Kestrel when <c>--resp</c> is given, on the same engine as the MCP tools.</summary>
internal static class RespFrontDoorHosting
{
    public static void Add(WebApplicationBuilder web, HostSettings settings)
    {
        if (settings.Resp is not { } endpoint)
        {
            return;
        }

        var options = new RespFrontDoorOptions { Endpoint = endpoint, Password = settings.RespPassword };
        web.Services.AddRespFrontDoor(options);
        web.WebHost.ConfigureKestrel(kestrel =>
        {
            if (settings.Transport == McpTransportKind.Http)
            {
                // Kestrel ignores UseUrls once any endpoint is configured in code: the HTTP addresses
                // are listened on here too, first, so they keep their place in the start-up log.
                foreach (var url in settings.Urls)
                {
                    ListenHttp(kestrel, url);
                }
            }

            kestrel.ListenRespFrontDoor(options);
        });
    }

    private static void ListenHttp(KestrelServerOptions kestrel, Uri url)
    {
        Action<ListenOptions> configure = url.Scheme == Uri.UriSchemeHttps ? listen => listen.UseHttps() : _ => { };
        var host = url.Host.Trim('[', ']');
        if (IPAddress.TryParse(host, out var address))
        {
            kestrel.Listen(address, url.Port, configure);
        }
        else if (string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase) && url.Port != 0)
        {
            kestrel.ListenLocalhost(url.Port, configure);
        }
        else if (string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            kestrel.Listen(IPAddress.Loopback, 0, configure);
        }
        else
        {
            // As Kestrel does for a host name in UseUrls: every address.
            kestrel.ListenAnyIP(url.Port, configure);
        }
    }
}
