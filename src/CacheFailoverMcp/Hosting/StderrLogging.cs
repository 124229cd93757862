using Serilog;
using Serilog.Events;

namespace CacheFailoverMcp.Hosting;

/// <summary>
/// Serilog, configured in code (no reflection-driven settings, so the door stays open for Native
/// AOT), writing every level to stderr: stdout carries only JSON-RPC.
/// </summary>
public static class StderrLogging
{
    public static Serilog.Core.Logger CreateLogger(LogEventLevel level) =>
        new LoggerConfiguration()
            .MinimumLevel.Is(level)
            .MinimumLevel.Override("Microsoft", LogEventLevel.Warning)
            .MinimumLevel.Override("Microsoft.Hosting.Lifetime", LogEventLevel.Information)
            .MinimumLevel.Override("ModelContextProtocol", LogEventLevel.Warning)
            .Enrich.FromLogContext()
            // One line per event, control characters escaped and secrets redacted (SingleLineFormatter).
            .WriteTo.Console(new SingleLineFormatter(), standardErrorFromLevel: LogEventLevel.Verbose)
            .CreateLogger();
}
