using Serilog;
using Serilog.Events;

namespace CacheFailoverMcp.Hosting;

/// <summary>
/// Serilog, configured in code (no reflection-driven settings, so the door stays open for Native
/// AOT), writing every level to stderr: stdout carries only JSON-RPC. With <c>--log-file</c> the
/// same lines also go to a rolling file.
/// </summary>
public static class StderrLogging
{
    /// <summary>A log file rolls over at this size (and daily).</summary>
    public const long LogFileSizeLimitBytes = 10 * 1024 * 1024;

    /// <summary>Rolled log files kept; older ones are deleted.</summary>
    public const int RetainedLogFiles = 7;

    public static Serilog.Core.Logger CreateLogger(LogEventLevel level, string? logFile = null)
    {
        var configuration = new LoggerConfiguration()
            .MinimumLevel.Is(level)
            .MinimumLevel.Override("Microsoft", LogEventLevel.Warning)
            .MinimumLevel.Override("Microsoft.Hosting.Lifetime", LogEventLevel.Information)
            .MinimumLevel.Override("ModelContextProtocol", LogEventLevel.Warning)
            .Enrich.FromLogContext()
            // One line per event, control characters escaped and secrets redacted (SingleLineFormatter).
            .WriteTo.Console(new SingleLineFormatter(), standardErrorFromLevel: LogEventLevel.Verbose);
        if (logFile is not null)
        {
            // The same redacting one-line format; unbuffered, so a line is in the file when it is logged.
            configuration = configuration.WriteTo.File(
                new SingleLineFormatter(),
                logFile,
                rollingInterval: RollingInterval.Day,
                fileSizeLimitBytes: LogFileSizeLimitBytes,
                rollOnFileSizeLimit: true,
                retainedFileCountLimit: RetainedLogFiles);
        }

        return configuration.CreateLogger();
    }
}
