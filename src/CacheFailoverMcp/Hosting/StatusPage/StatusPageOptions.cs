namespace CacheFailoverMcp.Hosting.StatusPage;

/// <summary>How often the status page's sampler samples, and how much it keeps.</summary>
public sealed class StatusPageOptions
{
    /// <summary>One point per service this often (default 5 s).</summary>
    public TimeSpan SampleInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How far back the chart reaches (default 10 minutes).</summary>
    public TimeSpan Window { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Points kept per service: the window divided by the interval.</summary>
    public int Capacity => Math.Max(1, (int)Math.Ceiling(Window / SampleInterval));
}
