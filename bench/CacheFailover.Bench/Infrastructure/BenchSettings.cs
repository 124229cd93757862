namespace CacheFailover.Bench.Infrastructure;

/// <summary>Counts and durations of one run; <c>--quick</c> shrinks everything so the harness runs in seconds.</summary>
internal sealed class BenchSettings(bool quick, int? repetitions = null)
{
    public bool Quick { get; } = quick;

    // overhead: every (value size, concurrency) cell runs each contender in interleaved rounds.
    public IReadOnlyList<int> ValueSizes { get; } = [100, 4096];

    public IReadOnlyList<int> Concurrency { get; } = [1, 16, 64];

    public int OverheadKeys => Quick ? 1_000 : 10_000;

    public TimeSpan OverheadWarmup => Quick ? TimeSpan.FromMilliseconds(100) : TimeSpan.FromMilliseconds(500);

    public TimeSpan OverheadRound => Quick ? TimeSpan.FromMilliseconds(200) : TimeSpan.FromMilliseconds(500);

    // A multiple of three, so that each contender runs first, second and third equally often.
    public int OverheadRounds => Quick ? 1 : 9;

    // failover: faults under load, five repetitions per scenario and contender.
    public int FailoverRepetitions => repetitions ?? (Quick ? 1 : 5);

    /// <summary>How often a repetition is run again when the contender left the healthy primary before the fault.</summary>
    public int FailoverReruns => Quick ? 1 : 4;

    public int FailoverWorkers { get; } = 16;

    public int FailoverValueSize { get; } = 100;

    public int FailoverKeys => Quick ? 500 : 2_000;

    public TimeSpan FailoverWarmup => Quick ? TimeSpan.FromMilliseconds(500) : TimeSpan.FromMilliseconds(1500);

    public TimeSpan FailoverWindow => Quick ? TimeSpan.FromSeconds(1) : TimeSpan.FromSeconds(3);

    // failback: I1/I2 over keys written and deleted while failed over; journal invalidation and memory.
    public int FailbackOverwrittenKeys => Quick ? 100 : 1_000;

    public int FailbackDeletedKeys => Quick ? 50 : 500;

    public IReadOnlyList<int> InvalidationSizes => Quick ? [1_000, 5_000] : [10_000, 100_000];

    // startup: cold starts of each build, alternating.
    public int StartupRuns => Quick ? 2 : 10;
}
