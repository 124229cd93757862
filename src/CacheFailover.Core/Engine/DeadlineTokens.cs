namespace CacheFailover.Engine;

/// <summary>
/// Deadlines for in-flight operations without a timer each. Operations whose deadlines fall in the
/// same slot (1/16 of the timeout, at least 1 ms) share one token, cancelled at the end of the slot
/// or at once when the epoch ends (the serving service changed). An operation then costs one token
/// registration instead of a timer of its own, and waits at most one slot longer than the timeout.
/// Buckets are kept per processor so that concurrent operations do not all register on one token.
/// </summary>
/// <remarks>
/// While operations flow, a roller on the clock prepares each processor's next bucket one slot
/// ahead, so that the hot path only swaps it in and never allocates; it stops when a slot passes
/// without use and starts again with the next bucket made on demand.
/// </remarks>
internal sealed class DeadlineTokens : IDisposable
{
    private readonly TimeProvider _time;
    private readonly Lock _lock = new();
    private readonly Bucket?[] _current;
    private readonly Bucket?[] _next;
    private readonly ITimer _roller;
    private ServingState? _state;
    private long _timeoutTicks;
    private long _slotTicks;
    private bool _rolling;
    private int _used;

    public DeadlineTokens(TimeProvider time)
    {
        _time = time;
        _current = new Bucket?[Math.Max(1, Environment.ProcessorCount)];
        _next = new Bucket?[_current.Length];
        _roller = time.CreateTimer(static s => ((DeadlineTokens)s!).Roll(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>A token cancelled no earlier than <paramref name="timeout"/> from <paramref name="now"/>, and at the latest one slot later, or when the epoch of <paramref name="state"/> ends.</summary>
    public CancellationToken For(ServingState state, TimeSpan timeout, long now)
    {
        var timeoutTicks = (long)(timeout.TotalSeconds * _time.TimestampFrequency);
        var slot = SlotTicks(timeoutTicks);
        var end = (((now + timeoutTicks) / slot) + 1) * slot;
        var shard = Thread.GetCurrentProcessorId() % _current.Length;
        var bucket = Volatile.Read(ref _current[shard]);
        if (bucket is not null && bucket.End == end && bucket.Epoch == state.Epoch)
        {
            return bucket.Token;
        }

        var next = Volatile.Read(ref _next[shard]);
        if (next is not null && next.End == end && next.Epoch == state.Epoch)
        {
            Volatile.Write(ref _current[shard], next);
            Volatile.Write(ref _used, 1);
            return next.Token;
        }

        return Create(state, timeoutTicks, now, end, shard);
    }

    public void Dispose() => _roller.Dispose();

    private long SlotTicks(long timeoutTicks) => Math.Max(timeoutTicks / EngineTimings.DeadlineSlotsPerTimeout, _time.TimestampFrequency / 1000);

    private CancellationToken Create(ServingState state, long timeoutTicks, long now, long end, int shard)
    {
        lock (_lock)
        {
            var bucket = _current[shard];
            if (bucket is not null && bucket.End == end && bucket.Epoch == state.Epoch)
            {
                return bucket.Token;
            }

            bucket = NewBucket(state, now, end);
            Volatile.Write(ref _current[shard], bucket);
            _state = state;
            _timeoutTicks = timeoutTicks;
            _slotTicks = SlotTicks(timeoutTicks);
            _used = 1;
            if (!_rolling)
            {
                _rolling = true;
                var period = TimeSpan.FromSeconds(_slotTicks / (double)_time.TimestampFrequency);
                _roller.Change(period, period);
            }

            return bucket.Token;
        }
    }

    /// <summary>On the clock, once a slot: makes every processor's next bucket before anyone needs it.</summary>
    private void Roll()
    {
        lock (_lock)
        {
            if (_state is not { } state || Interlocked.Exchange(ref _used, 0) == 0 || state.EpochEnded.IsCancellationRequested)
            {
                // A slot went by unused (or the epoch ended): stop until an operation needs a bucket again.
                _rolling = false;
                _roller.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
                return;
            }

            var now = _time.GetTimestamp();
            var end = (((now + _timeoutTicks) / _slotTicks) + 2) * _slotTicks;
            for (var shard = 0; shard < _next.Length; shard++)
            {
                if (_next[shard] is not { } prepared || prepared.End < end || prepared.Epoch != state.Epoch)
                {
                    Volatile.Write(ref _next[shard], NewBucket(state, now, end));
                }
            }
        }
    }

    private Bucket NewBucket(ServingState state, long now, long end)
    {
        var source = new CancellationTokenSource(_time.GetElapsedTime(now, end), _time);

        // The epoch's end cancels the bucket too; the link is dropped when the bucket fires, so
        // that a long epoch does not collect one registration per slot.
        var link = state.EpochEnded.Token.UnsafeRegister(static s => ((CancellationTokenSource)s!).Cancel(), source);
        source.Token.UnsafeRegister(static s => ((IDisposable)s!).Dispose(), link);
        return new Bucket(state.Epoch, end, source);
    }

    private sealed class Bucket(long epoch, long end, CancellationTokenSource source)
    {
        public long Epoch { get; } = epoch;

        public long End { get; } = end;

        public CancellationToken Token { get; } = source.Token;
    }
}
