using CacheFailover.Engine;
using Microsoft.Extensions.Hosting;

namespace CacheFailoverMcp.Hosting.StatusPage;

/// <summary>
/// Takes one sample of every service into <see cref="ServiceSampleHistory"/> at start and then every
/// <see cref="StatusPageOptions.SampleInterval"/>, on the engine's clock (a fake one in tests).
/// The engine keeps only its current view and short windows; the chart needs minutes of points.
/// </summary>
public sealed class StatusSampler(FailoverEngine engine, ServiceSampleHistory history, StatusPageOptions options) : BackgroundService
{
    /// <summary>Takes one sample now.</summary>
    public void SampleNow() => history.Record(engine.GetStatus(), engine.TimeProvider.GetUtcNow());

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        SampleNow();
        using var timer = new PeriodicTimer(options.SampleInterval, engine.TimeProvider);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                SampleNow();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The host is stopping.
        }
    }
}
