using CacheFailover.Engine;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CacheFailoverMcp.Hosting.StatusPage;

/// <summary>
/// Takes one sample of every service into <see cref="ServiceSampleHistory"/> at start and then every
/// <see cref="StatusPageOptions.SampleInterval"/>, on the engine's clock (a fake one in tests).
/// The engine keeps only its current view and short windows; the chart needs minutes of points.
/// </summary>
public sealed partial class StatusSampler(FailoverEngine engine, ServiceSampleHistory history, StatusPageOptions options, ILogger<StatusSampler> logger) : BackgroundService
{
    /// <summary>Takes one sample now.</summary>
    public void SampleNow() => history.Record(engine.GetStatus(), engine.TimeProvider.GetUtcNow());

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        TrySample();
        using var timer = new PeriodicTimer(options.SampleInterval, engine.TimeProvider);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                TrySample();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The host is stopping.
        }
    }

    /// <summary>
    /// A failed sample is a gap in a chart: it is logged and the loop goes on. Left to escape, it
    /// would end the BackgroundService, and with it (the host's default) the whole server.
    /// </summary>
    private void TrySample()
    {
        try
        {
            SampleNow();
        }
#pragma warning disable CA1031 // Any failure of a sample must not stop the server; it is logged.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LogSampleFailed(logger, ex.GetType().Name, ex.Message);
        }
    }

    [LoggerMessage(EventId = 2310, EventName = "StatusSampleFailed", Level = LogLevel.Warning, Message = "The status page's sample failed ({ExceptionType}: {Reason}); the chart has a gap")]
    private static partial void LogSampleFailed(ILogger logger, string exceptionType, string reason);
}
