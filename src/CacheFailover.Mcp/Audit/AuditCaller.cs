using CacheFailover.Security;
using Microsoft.AspNetCore.Http;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace CacheFailover.Mcp.Audit;

/// <summary>
/// Who made a tool call, as far as the transport can tell: the authenticated user (HTTP with
/// authentication), the client's own name from <c>initialize</c>, and the remote address (HTTP).
/// The client's name is text the client chose, so it is redacted and capped like any argument.
/// </summary>
public sealed record AuditCaller(string? User, string? Client, string? RemoteAddress)
{
    private const int MaxNameLength = 100;

    /// <summary>Nothing known (a call made outside a transport).</summary>
    public static AuditCaller Unknown { get; } = new(null, null, null);

    /// <summary>The caller of the request in <paramref name="context"/>.</summary>
    public static AuditCaller Of(MessageContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var user = context.User?.Identity is { IsAuthenticated: true, Name: { Length: > 0 } name } ? Clean(name) : null;
        var client = context.Server.ClientInfo is { } info ? Clean(string.IsNullOrEmpty(info.Version) ? info.Name : $"{info.Name} {info.Version}") : null;

        // Registered by the in-app endpoint and by the server's HTTP transport; null over stdio.
        var http = (context.Services?.GetService(typeof(IHttpContextAccessor)) as IHttpContextAccessor)?.HttpContext;
        var address = http?.Connection.RemoteIpAddress?.ToString();
        return new AuditCaller(user, client, address);
    }

    /// <summary>For log lines: the user, else the client, and the address when known.</summary>
    public override string ToString()
    {
        var who = User ?? Client ?? "unknown";
        return RemoteAddress is null ? who : $"{who} at {RemoteAddress}";
    }

    private static string Clean(string text)
    {
        var redacted = SecretRedactor.Redact(text.ReplaceLineEndings(" "));
        return redacted.Length <= MaxNameLength ? redacted : redacted[..MaxNameLength] + "…";
    }
}
