namespace CacheFailover.Engine;

/// <summary>
/// Deadlines for in-flight operations without a timer each. Operations whose deadlines fall in the
/// same slot (1/16 of the timeout, at least 1 ms) share one token, cancelled at the end of the slot
/// or at once when the epoch ends (the serving service changed). An operation then costs one token
/// registration instead of a timer of its own, and waits at most one slot longer than the timeout.
/// Buckets are kept per processor so that concurrent operations do not all register on one token.
/// </summary>
internal sealed class DeadlineTokens(TimeProvider time)
{
    private readonly Lock _lock = new();
    private readonly Bucket?[] _current = new Bucket?[Math.Max(1, Environment.ProcessorCount)];

    /// <summary>A token cancelled no earlier than <paramref name="timeout"/> from now, and at the latest one slot later, or when the epoch of <paramref name="state"/> ends.</summary>
    public CancellationToken For(ServingState state, TimeSpan timeout, long now)
    {
        var timeoutTicks = (long)(timeout.TotalSeconds * time.TimestampFrequency);
        var slot = Math.Max(timeoutTicks / EngineTimings.DeadlineSlotsPerTimeout, time.TimestampFrequency / 1000);
        var end = (((now + timeoutTicks) / slot) + 1) * slot;
        var shard = Thread.GetCurrentProcessorId() % _current.Length;
        var bucket = Volatile.Read(ref _current[shard]);
        if (bucket is not null && bucket.End == end && bucket.Epoch == state.Epoch)
        {
            return bucket.Token;
        }

        return Create(state, now, end, shard);
    }

    private CancellationToken Create(ServingState state, long now, long end, int shard)
    {
        lock (_lock)
        {
            var bucket = _current[shard];
            if (bucket is not null && bucket.End == end && bucket.Epoch == state.Epoch)
            {
                return bucket.Token;
            }

            var source = new CancellationTokenSource(time.GetElapsedTime(now, end), time);

            // The epoch's end cancels the bucket too; the link is dropped when the bucket fires, so
            // that a long epoch does not collect one registration per slot.
            var link = state.EpochEnded.Token.UnsafeRegister(static s => ((CancellationTokenSource)s!).Cancel(), source);
            source.Token.UnsafeRegister(static s => ((IDisposable)s!).Dispose(), link);
            bucket = new Bucket(state.Epoch, end, source);
            Volatile.Write(ref _current[shard], bucket);
            return bucket.Token;
        }
    }

    private sealed class Bucket(long epoch, long end, CancellationTokenSource source)
    {
        public long Epoch { get; } = epoch;

        public long End { get; } = end;

        public CancellationToken Token { get; } = source.Token;
    }
}
