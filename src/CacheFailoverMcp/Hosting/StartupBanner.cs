using CacheFailover.Engine;
using CacheFailoverMcp.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ModelContextProtocol.Server;

namespace CacheFailoverMcp.Hosting;

/// <summary>One log line at start-up (stderr) saying what is served, over what, in front of which caches (endpoints redacted).</summary>
internal sealed partial class StartupBanner(FailoverEngine engine, HostSettings settings, IOptions<McpServerOptions> options, IHostApplicationLifetime lifetime, ILogger<StartupBanner> logger, IServiceProvider provider) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        // Said once everything (Kestrel included) has started, so that it is true when it is read.
        lifetime.ApplicationStarted.Register(Announce);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private void Announce()
    {
        var services = string.Join(", ", engine.GetStatus().Services.Select(s => $"{s.ServiceId} ({s.Endpoint})"));
        var transport = settings.Transport == McpTransportKind.Stdio
            ? "stdio"
            : $"HTTP at {string.Join(", ", settings.Urls.Select(u => u.GetLeftPart(UriPartial.Authority) + McpHost.McpPath))}{(settings.LegacySse ? " (+ legacy SSE at /sse)" : string.Empty)}{(settings.AuthToken is null ? string.Empty : ", bearer token required")}";
        LogServing(logger, options.Value.ToolCollection?.Count ?? 0, settings.ReadOnly ? " (read-only)" : string.Empty, transport, services, settings.UsesEmbeddedDefault ? " — the embedded in-memory default; use --primary/--backup for Redis" : string.Empty);
        if (provider.GetService(typeof(CacheFailover.Resp.Connections.RespConnections)) is CacheFailover.Resp.Connections.RespConnections resp)
        {
            var endpoint = resp.ListeningOn?.ToString() ?? settings.Resp?.ToString() ?? "?";
            var authentication = settings.RespPassword is null ? "no password (loopback only)" : "password required";
            LogRespListening(logger, endpoint, authentication);
        }

        if (!settings.UsesEmbeddedDefault && settings.BackupConnections.Count == 0)
        {
            LogNoBackup(logger);
        }
    }

    [LoggerMessage(EventId = 2100, EventName = "Serving", Level = LogLevel.Information,
        Message = "Serving {ToolCount} MCP tools{ReadOnly} over {Transport}; cache services: {Services}{Embedded}")]
    private static partial void LogServing(ILogger logger, int toolCount, string readOnly, string transport, string services, string embedded);

    [LoggerMessage(EventId = 2102, EventName = "RespListening", Level = LogLevel.Information,
        Message = "RESP front door listening on {Endpoint}, {Authentication}; Redis clients reach the same engine as the MCP tools")]
    private static partial void LogRespListening(ILogger logger, string endpoint, string authentication);

    [LoggerMessage(EventId = 2101, EventName = "NoBackup", Level = LogLevel.Warning,
        Message = "No backup is configured: failover has nowhere to go until one is registered (register_failover_service or --backup).")]
    private static partial void LogNoBackup(ILogger logger);
}
