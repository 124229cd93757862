namespace CacheFailover.Drills;

/// <summary>
/// Runs an asynchronous simulation on one thread against a <see cref="VirtualTimeProvider"/>, as a
/// discrete-event loop: every continuation is posted here (this is the thread's
/// <see cref="SynchronizationContext"/>) and run in order; only when nothing is left to run does the
/// clock move, straight to the next timer, which fires and releases the next continuations.
/// </summary>
/// <remarks>
/// The effect is that of advancing the clock in infinitely small steps, at the cost of one loop turn
/// per timer: an outage of many virtual minutes plays in milliseconds, and every timeout, probe and
/// delay fires at exactly its due time with everything it released run before the next one.
/// <para>
/// The one hazard is work that escapes to the thread pool (a <see cref="TaskCompletionSource"/> made
/// with <see cref="TaskCreationOptions.RunContinuationsAsynchronously"/> whose waiter is not an
/// <c>await</c>, or <c>CancelAsync</c>): the loop cannot see it coming and would move the clock on
/// before it comes back. Drill code avoids both; where the engine's own parts do it (a fault injector
/// releasing hung calls) the drill holds the clock for a moment with <see cref="HoldClock"/>; any
/// other late arrival is counted in <see cref="ForeignPosts"/>. With nothing left to run and no
/// timer, the loop waits a short real-time grace for such work before it declares a stall.
/// </para>
/// </remarks>
internal sealed class SimulationLoop : SynchronizationContext
{
    private static readonly TimeSpan StallGrace = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan AbortGrace = TimeSpan.FromSeconds(10);

    // A plain monitor rather than a Lock: the loop waits on it for work posted from other threads.
    private readonly object _gate = new();
    private readonly Queue<(SendOrPostCallback Callback, object? State)> _queue = new();
    private readonly VirtualTimeProvider _clock;
    private int _threadId;
    private int _foreignPosts;
    private long _holdUntil;

    public SimulationLoop(VirtualTimeProvider clock)
    {
        _clock = clock;
    }

    /// <summary>Why the simulation was cut short, or null when it was not.</summary>
    public string? AbortReason { get; private set; }

    /// <summary>
    /// Continuations posted from another thread (work that escaped to the thread pool and came
    /// back) while the clock was not held: it may have run ahead of them, so their timing is approximate.
    /// </summary>
    public int ForeignPosts => Volatile.Read(ref _foreignPosts);

    /// <summary>
    /// Keeps the clock still for <paramref name="realTime"/> of real time, running only posted work:
    /// for a moment when work is known to have escaped to the thread pool (a fault injector releasing
    /// hung calls), so that it comes back before the clock moves on.
    /// </summary>
    public void HoldClock(TimeSpan realTime) =>
        Volatile.Write(ref _holdUntil, TimeProvider.System.GetTimestamp() + (long)(realTime.TotalSeconds * TimeProvider.System.TimestampFrequency));

    /// <inheritdoc />
    public override void Post(SendOrPostCallback d, object? state)
    {
        ArgumentNullException.ThrowIfNull(d);
        if (Environment.CurrentManagedThreadId != Volatile.Read(ref _threadId) && TimeProvider.System.GetTimestamp() > Volatile.Read(ref _holdUntil))
        {
            Interlocked.Increment(ref _foreignPosts);
        }

        lock (_gate)
        {
            _queue.Enqueue((d, state));
            Monitor.Pulse(_gate);
        }
    }

    /// <inheritdoc />
    public override SynchronizationContext CreateCopy() => this;

    /// <summary>
    /// Runs <paramref name="body"/> to completion on the calling thread. The token given to the body
    /// is cancelled when <paramref name="cancellationToken"/> is, when <paramref name="realTimeLimit"/>
    /// of real time or <paramref name="virtualTimeLimit"/> of virtual time has passed, or when the
    /// simulation stalls; the body is then expected to wind down and return what it has.
    /// </summary>
    public T Run<T>(Func<CancellationToken, Task<T>> body, TimeSpan realTimeLimit, TimeSpan virtualTimeLimit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(body);
        var previous = Current;
        Volatile.Write(ref _threadId, Environment.CurrentManagedThreadId);
        SetSynchronizationContext(this);
        using var abort = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var real = TimeProvider.System;
        var started = real.GetTimestamp();
        var virtualStart = _clock.Elapsed;
        try
        {
            var task = body(abort.Token);
            var turns = 0;
            while (!task.IsCompleted)
            {
                if (++turns % 256 == 0)
                {
                    CheckLimits(abort, real.GetElapsedTime(started), realTimeLimit);
                }

                if (TryDequeue(out var work))
                {
                    work.Callback(work.State);
                    continue;
                }

                var held = Volatile.Read(ref _holdUntil) - real.GetTimestamp();
                if (held > 0)
                {
                    WaitForPost(TimeSpan.FromSeconds(held / (double)real.TimestampFrequency));
                    continue;
                }

                // The clock never passes the virtual-time limit unless the body is already winding down.
                var budget = abort.IsCancellationRequested ? TimeSpan.MaxValue : virtualStart + virtualTimeLimit - _clock.Elapsed;
                if (budget >= TimeSpan.Zero && _clock.AdvanceToNextTimer(budget))
                {
                    continue;
                }

                if (!abort.IsCancellationRequested && _clock.NextDue is not null)
                {
                    Abort(abort, $"the virtual-time limit of {virtualTimeLimit.TotalHours:0.##} h was reached");
                    continue;
                }

                // Nothing to run and no timer: wait briefly for work posted from another thread.
                if (!WaitForPost(StallGrace))
                {
                    if (abort.IsCancellationRequested)
                    {
                        throw new InvalidOperationException("The drill simulation stalled after it was cancelled: nothing was left to run and no timer was due.");
                    }

                    Abort(abort, "the simulation stalled: nothing was left to run and no timer was due");
                }

                CheckLimits(abort, real.GetElapsedTime(started), realTimeLimit);
            }

            return task.GetAwaiter().GetResult();
        }
        finally
        {
            SetSynchronizationContext(previous);
        }
    }

    private void CheckLimits(CancellationTokenSource abort, TimeSpan realElapsed, TimeSpan realTimeLimit)
    {
        if (abort.IsCancellationRequested)
        {
            if (realElapsed > realTimeLimit + AbortGrace)
            {
                throw new TimeoutException($"The drill simulation did not wind down within {AbortGrace.TotalSeconds:0} s after it was cancelled ({AbortReason ?? "cancelled"}).");
            }
        }
        else if (realElapsed > realTimeLimit)
        {
            Abort(abort, $"the real-time limit of {realTimeLimit.TotalSeconds:0.#} s was reached");
        }
    }

    private bool WaitForPost(TimeSpan timeout)
    {
        lock (_gate)
        {
            return _queue.Count > 0 || Monitor.Wait(_gate, timeout);
        }
    }

    private void Abort(CancellationTokenSource abort, string reason)
    {
        AbortReason ??= reason;
        abort.Cancel();
    }

    private bool TryDequeue(out (SendOrPostCallback Callback, object? State) work)
    {
        lock (_gate)
        {
            return _queue.TryDequeue(out work);
        }
    }
}
