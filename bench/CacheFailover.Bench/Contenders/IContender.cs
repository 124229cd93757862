namespace CacheFailover.Bench.Contenders;

/// <summary>One way of talking to the primary (and backup): the thing being measured.</summary>
internal interface IContender : IAsyncDisposable
{
    /// <summary>direct, group or engine.</summary>
    string Name { get; }

    /// <summary>How this contender is configured, in one paragraph (printed under the tables).</summary>
    string Configuration { get; }

    ValueTask<byte[]?> GetAsync(string key);

    ValueTask SetAsync(string key, byte[] value);

    ValueTask<bool> DeleteAsync(string key);

    /// <summary>Whether a failed write may nevertheless have been applied (its outcome is unknown to the caller).</summary>
    bool IsUnknownOutcome(Exception exception);

    /// <summary>Moves traffic to the backup on purpose (maintenance); returns once the contender accepted it.</summary>
    Task ManualFailoverAsync();

    /// <summary>Stops background work (probe loops) before the servers are torn down.</summary>
    Task StopAsync();
}

/// <summary>
/// The timing knobs the engine and the group share, so both are tuned alike: operation timeout,
/// health-check cadence and probe timeout, and how long a failed primary is held out before it
/// may serve again (engine: auto_recovery_delay_seconds; group: FailbackDelay).
/// </summary>
internal sealed record Tuning(int TimeoutMs, TimeSpan HealthCheckInterval, TimeSpan ProbeTimeout, TimeSpan RecoveryDelay)
{
    /// <summary>The failover suite: 100 ms timeouts, 250 ms probes with 100 ms timeouts, no failback during a repetition.</summary>
    public static Tuning Failover { get; } = new(100, TimeSpan.FromMilliseconds(250), TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(60));

    /// <summary>The failback suite: the same, with traffic allowed back to the primary 1 s after the failover.</summary>
    public static Tuning Failback { get; } = Failover with { RecoveryDelay = TimeSpan.FromSeconds(1) };
}
