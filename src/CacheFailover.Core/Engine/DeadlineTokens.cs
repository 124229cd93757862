namespace CacheFailover.Engine;

/// <summary>
/// Deadlines for in-flight operations without a timer each. Operations whose deadlines fall in the
/// same slot (1/16 of the timeout, at least 1 ms) share one token, cancelled at the end of the slot
/// or at once when the epoch ends (the serving service changed). An operation then costs one token
/// registration instead of a timer of its own, and waits at most one slot longer than the timeout.
/// Buckets are kept per processor so that concurrent operations do not all register on one token.
/// </summary>
/// <remarks>
/// While operations flow, a roller on the clock keeps each processor's bucket for this slot and the
/// next one ready, so that the hot path only reads or swaps them in and never allocates; it stops
/// when a slot passes without use and starts again with the next bucket made on demand (one bucket
/// then serves every processor until the roller runs).
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
            // Read first: the shared flag is written once a slot, not once an operation.
            if (Volatile.Read(ref _used) == 0)
            {
                Volatile.Write(ref _used, 1);
            }

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

            // Every processor whose bucket is stale shares this one until the roller prepares
            // their own: a thread that moves to another processor does not make a bucket again.
            bucket = NewBucket(state, now, end);
            for (var other = 0; other < _current.Length; other++)
            {
                if (_current[other] is not { } stale || stale.End < end || stale.Epoch != state.Epoch)
                {
                    Volatile.Write(ref _current[other], bucket);
                }
            }

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

    /// <summary>
    /// On the clock, once a slot: makes sure every processor holds the bucket operations need now
    /// and the one they will need in the next slot, so that neither is made on an operation's
    /// thread — even when this timer runs late, or fires before any operation of its slot.
    /// </summary>
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
            var endNow = (((now + _timeoutTicks) / _slotTicks) + 1) * _slotTicks;
            var endNext = endNow + _slotTicks;
            for (var shard = 0; shard < _next.Length; shard++)
            {
                if (!Serves(_current[shard], state, endNow))
                {
                    var current = Serves(_next[shard], state, endNow) ? _next[shard]! : NewBucket(state, now, endNow);
                    Volatile.Write(ref _current[shard], current);
                }

                if (!Serves(_next[shard], state, endNext))
                {
                    Volatile.Write(ref _next[shard], NewBucket(state, now, endNext));
                }
            }
        }
    }

    private static bool Serves(Bucket? bucket, ServingState state, long end) => bucket is not null && bucket.End == end && bucket.Epoch == state.Epoch;

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
