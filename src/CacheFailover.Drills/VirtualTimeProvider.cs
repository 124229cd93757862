namespace CacheFailover.Drills;

/// <summary>
/// A clock that moves only when told to. Timers created on it fire, in due order, while it is
/// advanced — so <c>Task.Delay(d, clock)</c>, <c>task.WaitAsync(timeout, clock)</c> and
/// <c>new PeriodicTimer(period, clock)</c> all run on virtual time. Simulated drills use it to play
/// minutes or hours of an outage in milliseconds.
/// </summary>
/// <remarks>
/// Callbacks run synchronously on the thread that advances the clock, outside any lock, so they may
/// create, change or dispose timers. Timers due at the same instant fire in the order they were
/// scheduled. A timer whose due time is zero fires at the next advance (even an advance by zero),
/// never inside <see cref="CreateTimer"/>, so its creator always holds the timer before it fires.
/// Timestamps are ticks (100 ns) since the clock was created.
/// </remarks>
internal sealed class VirtualTimeProvider : TimeProvider
{
    private readonly Lock _lock = new();
    private readonly DateTimeOffset _start;
    private readonly SortedSet<Scheduled> _queue = new(ScheduledComparer.Instance);
    private long _elapsedTicks;
    private long _sequence;

    /// <summary>Creates a clock that reads <paramref name="start"/> (by default 2000-01-01 UTC) until advanced.</summary>
    public VirtualTimeProvider(DateTimeOffset? start = null)
    {
        _start = start ?? new DateTimeOffset(2000, 1, 1, 0, 0, 0, TimeSpan.Zero);
    }

    /// <summary>How far the clock has been advanced since it was created.</summary>
    public TimeSpan Elapsed => TimeSpan.FromTicks(Volatile.Read(ref _elapsedTicks));

    /// <summary>Timers waiting to fire (for tests and diagnostics).</summary>
    public int PendingTimers
    {
        get
        {
            lock (_lock)
            {
                return _queue.Count;
            }
        }
    }

    /// <summary>How long until the next timer is due (zero when one is already due), or null when none is scheduled.</summary>
    public TimeSpan? NextDue
    {
        get
        {
            lock (_lock)
            {
                return _queue.Count == 0 ? null : TimeSpan.FromTicks(Math.Max(0, _queue.Min.Due - _elapsedTicks));
            }
        }
    }

    /// <inheritdoc />
    public override TimeZoneInfo LocalTimeZone => TimeZoneInfo.Utc;

    /// <inheritdoc />
    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    /// <inheritdoc />
    public override DateTimeOffset GetUtcNow() => _start.AddTicks(Volatile.Read(ref _elapsedTicks));

    /// <inheritdoc />
    public override long GetTimestamp() => Volatile.Read(ref _elapsedTicks);

    /// <inheritdoc />
    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        ArgumentNullException.ThrowIfNull(callback);
        var timer = new VirtualTimer(this, callback, state);
        timer.Change(dueTime, period);
        return timer;
    }

    /// <summary>
    /// Moves the clock forward by <paramref name="delta"/>, firing every timer that falls due on the
    /// way at its own due time, earliest first (a periodic timer as many times as it falls due).
    /// </summary>
    public void Advance(TimeSpan delta)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(delta, TimeSpan.Zero);
        long target;
        lock (_lock)
        {
            target = _elapsedTicks + delta.Ticks;
        }

        while (TryFireNext(target))
        {
        }

        lock (_lock)
        {
            if (_elapsedTicks < target)
            {
                Volatile.Write(ref _elapsedTicks, target);
            }
        }
    }

    /// <summary>
    /// Fires the earliest timer if it is due within <paramref name="maxAdvance"/>, moving the clock to
    /// its due time first; returns false (clock unchanged) when no timer is due that soon. Lets a
    /// driver run the continuations one timer released before the next timer fires.
    /// </summary>
    public bool AdvanceToNextTimer(TimeSpan maxAdvance)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxAdvance, TimeSpan.Zero);
        long limit;
        lock (_lock)
        {
            limit = maxAdvance == TimeSpan.MaxValue ? long.MaxValue : _elapsedTicks + maxAdvance.Ticks;
        }

        return TryFireNext(limit);
    }

    private bool TryFireNext(long limit)
    {
        VirtualTimer timer;
        lock (_lock)
        {
            if (_queue.Count == 0 || _queue.Min.Due > limit)
            {
                return false;
            }

            var next = _queue.Min;
            _queue.Remove(next);
            timer = next.Timer;
            if (next.Due > _elapsedTicks)
            {
                Volatile.Write(ref _elapsedTicks, next.Due);
            }

            // Rescheduled before the callback runs, so a Change made by the callback wins.
            timer.Entry = timer.PeriodTicks > 0 ? Enqueue(timer, next.Due + timer.PeriodTicks) : null;
        }

        timer.Fire();
        return true;
    }

    /// <summary>Schedules (or, with an infinite due time, unschedules) a timer. Returns false when it was disposed.</summary>
    private bool Schedule(VirtualTimer timer, TimeSpan dueTime, TimeSpan period)
    {
        ValidateTimeout(dueTime, nameof(dueTime));
        ValidateTimeout(period, nameof(period));
        lock (_lock)
        {
            if (timer.Disposed)
            {
                return false;
            }

            if (timer.Entry is { } existing)
            {
                _queue.Remove(existing);
                timer.Entry = null;
            }

            timer.PeriodTicks = period == Timeout.InfiniteTimeSpan ? 0 : period.Ticks;
            if (dueTime != Timeout.InfiniteTimeSpan)
            {
                timer.Entry = Enqueue(timer, _elapsedTicks + dueTime.Ticks);
            }

            return true;
        }
    }

    private void Unschedule(VirtualTimer timer)
    {
        lock (_lock)
        {
            timer.Disposed = true;
            if (timer.Entry is { } existing)
            {
                _queue.Remove(existing);
                timer.Entry = null;
            }
        }
    }

    private Scheduled Enqueue(VirtualTimer timer, long due)
    {
        var entry = new Scheduled(due, ++_sequence, timer);
        _queue.Add(entry);
        return entry;
    }

    private static void ValidateTimeout(TimeSpan value, string name)
    {
        if (value != Timeout.InfiniteTimeSpan && value < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(name, value, "A timer's due time and period must be zero or more, or Timeout.InfiniteTimeSpan.");
        }
    }

    private readonly record struct Scheduled(long Due, long Sequence, VirtualTimer Timer);

    private sealed class ScheduledComparer : IComparer<Scheduled>
    {
        public static readonly ScheduledComparer Instance = new();

        public int Compare(Scheduled x, Scheduled y)
        {
            var byDue = x.Due.CompareTo(y.Due);
            return byDue != 0 ? byDue : x.Sequence.CompareTo(y.Sequence);
        }
    }

    private sealed class VirtualTimer(VirtualTimeProvider owner, TimerCallback callback, object? state) : ITimer
    {
        // Guarded by the owner's lock.
        public Scheduled? Entry { get; set; }

        public long PeriodTicks { get; set; }

        public bool Disposed { get; set; }

        public bool Change(TimeSpan dueTime, TimeSpan period) => owner.Schedule(this, dueTime, period);

        public void Fire() => callback(state);

        public void Dispose() => owner.Unschedule(this);

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
