using System.Globalization;
using CacheFailover.Engine;

namespace CacheFailover.Drills;

/// <summary>
/// Everything a drill observes — timeline, counters, the engine's events and the moments that the
/// report measures — on the drill's clock. Thread-safe: in live mode the engine raises events and the
/// traffic runs on pool threads.
/// </summary>
internal sealed class DrillRecorder
{
    private const int MaxStaleReadsInTimeline = 5;

    private readonly Lock _lock = new();
    private readonly TimeProvider _time;
    private readonly long _started;
    private readonly List<DrillTimelineEntry> _timeline = [];
    private readonly List<string> _problems = [];
    private TaskCompletionSource _changed;
    private int _operations;
    private int _succeeded;
    private int _errors;
    private int _staleReads;
    private int _rounds;
    private int _failedFailovers;
    private bool _faultActive;
    private bool _watching;
    private DateTimeOffset? _faultAt;
    private DateTimeOffset? _clearedAt;
    private FailoverEvent? _failover;
    private FailoverEvent? _recovery;
    private DateTimeOffset? _recoveredAt;
    private int _recoveriesDuringFault;
    private DateTimeOffset? _firstBackupSuccessAt;
    private DateTimeOffset? _firstErrorAt;
    private DateTimeOffset? _firstPrimarySuccessAfterClearAt;
    private TimeSpan _longestOperationDuringFault;

    /// <param name="time">The drill's clock.</param>
    /// <param name="primaryId">The primary's service id.</param>
    /// <param name="simulated">
    /// True on a <see cref="SimulationLoop"/>: signals then complete their waiters inline (whose
    /// awaits post to the loop anyway) instead of through the thread pool, where the loop would not
    /// see them coming and would run the virtual clock ahead. Live signals complete asynchronously so
    /// that no drill code runs inside the engine's event handlers.
    /// </param>
    public DrillRecorder(TimeProvider time, string primaryId, bool simulated)
    {
        SignalOptions = simulated ? TaskCreationOptions.None : TaskCreationOptions.RunContinuationsAsynchronously;
        _changed = new TaskCompletionSource(SignalOptions);
        _time = time;
        PrimaryId = primaryId;
        _started = time.GetTimestamp();
    }

    public string PrimaryId { get; }

    /// <summary>How the drill's signals complete (see the constructor).</summary>
    public TaskCreationOptions SignalOptions { get; }

    /// <summary>Completes (and is replaced) whenever something a drill waits for happens.</summary>
    public Task Changed
    {
        get
        {
            lock (_lock)
            {
                return _changed.Task;
            }
        }
    }

    public int Operations => Volatile.Read(ref _operations);

    public int Succeeded => Volatile.Read(ref _succeeded);

    public int Errors => Volatile.Read(ref _errors);

    public int StaleReads => Volatile.Read(ref _staleReads);

    public int Rounds => Volatile.Read(ref _rounds);

    public int FailedFailovers => Volatile.Read(ref _failedFailovers);

    public DateTimeOffset? FaultAt
    {
        get
        {
            lock (_lock)
            {
                return _faultAt;
            }
        }
    }

    public DateTimeOffset? ClearedAt
    {
        get
        {
            lock (_lock)
            {
                return _clearedAt;
            }
        }
    }

    /// <summary>The first successful failover after the fault.</summary>
    public FailoverEvent? Failover
    {
        get
        {
            lock (_lock)
            {
                return _failover;
            }
        }
    }

    /// <summary>The first successful recovery after <see cref="Failover"/>.</summary>
    public FailoverEvent? Recovery
    {
        get
        {
            lock (_lock)
            {
                return _recovery;
            }
        }
    }

    public DateTimeOffset? RecoveredAt
    {
        get
        {
            lock (_lock)
            {
                return _recoveredAt;
            }
        }
    }

    /// <summary>Recoveries that happened while the fault was still active (flapping).</summary>
    public int RecoveriesDuringFault
    {
        get
        {
            lock (_lock)
            {
                return _recoveriesDuringFault;
            }
        }
    }

    public DateTimeOffset? FirstBackupSuccessAt
    {
        get
        {
            lock (_lock)
            {
                return _firstBackupSuccessAt;
            }
        }
    }

    public DateTimeOffset? FirstErrorAt
    {
        get
        {
            lock (_lock)
            {
                return _firstErrorAt;
            }
        }
    }

    public DateTimeOffset? FirstPrimarySuccessAfterClearAt
    {
        get
        {
            lock (_lock)
            {
                return _firstPrimarySuccessAfterClearAt;
            }
        }
    }

    /// <summary>The longest any drill operation took while the fault was active.</summary>
    public TimeSpan LongestOperationDuringFault
    {
        get
        {
            lock (_lock)
            {
                return _longestOperationDuringFault;
            }
        }
    }

    public DateTimeOffset Now => _time.GetUtcNow();

    public IReadOnlyList<string> Problems
    {
        get
        {
            lock (_lock)
            {
                return [.. _problems];
            }
        }
    }

    public IReadOnlyList<DrillTimelineEntry> Timeline
    {
        get
        {
            lock (_lock)
            {
                return [.. _timeline];
            }
        }
    }

    /// <summary>Adds a timeline entry at the current time.</summary>
    public void Note(string text)
    {
        lock (_lock)
        {
            _timeline.Add(new DrillTimelineEntry(Math.Round(_time.GetElapsedTime(_started).TotalMilliseconds, 3), text));
        }
    }

    /// <summary>Records a reason the drill did not pass (also noted in the timeline).</summary>
    public void Problem(string text)
    {
        lock (_lock)
        {
            _problems.Add(text);
        }

        Note("problem: " + text);
    }

    public void MarkFault(string description)
    {
        lock (_lock)
        {
            _faultAt = _time.GetUtcNow();
            _faultActive = true;
        }

        Note("fault injected: " + description);
    }

    public void MarkCleared(string description)
    {
        lock (_lock)
        {
            _clearedAt = _time.GetUtcNow();
            _faultActive = false;
        }

        Note("fault cleared: " + description);
        Pulse();
    }

    public void OperationStarted() => Interlocked.Increment(ref _operations);

    public void OperationSucceeded(string servedBy, TimeSpan elapsed)
    {
        Interlocked.Increment(ref _succeeded);
        string? note = null;
        lock (_lock)
        {
            TrackDuration(elapsed);
            var now = _time.GetUtcNow();
            if (_faultAt is { } faultAt && _firstBackupSuccessAt is null && !string.Equals(servedBy, PrimaryId, StringComparison.Ordinal))
            {
                _firstBackupSuccessAt = now;
                note = $"first operation served by backup '{servedBy}', {Ms(now - faultAt)} after the fault";
            }
            else if (_clearedAt is { } clearedAt && _firstPrimarySuccessAfterClearAt is null && string.Equals(servedBy, PrimaryId, StringComparison.Ordinal))
            {
                _firstPrimarySuccessAfterClearAt = now;
                note = $"first operation served by the primary after the clear, {Ms(now - clearedAt)} after it";
            }
        }

        if (note is not null)
        {
            Note(note);
            Pulse();
        }
    }

    public void OperationFailed(string operation, string message, TimeSpan elapsed, bool unexpected)
    {
        Interlocked.Increment(ref _errors);

        string? note = null;
        lock (_lock)
        {
            TrackDuration(elapsed);
            if (_firstErrorAt is null)
            {
                _firstErrorAt = _time.GetUtcNow();
                note = $"first error: {operation} failed after {Ms(elapsed)}: {message}";
            }
        }

        if (note is not null)
        {
            Note(note);
            Pulse();
        }

        if (unexpected)
        {
            Problem($"{operation} threw an unexpected exception: {message}");
        }
    }

    public void StaleRead(string key, string servedBy, string got, string expected)
    {
        var count = Interlocked.Increment(ref _staleReads);
        if (count <= MaxStaleReadsInTimeline)
        {
            Note($"stale read of '{key}' from '{servedBy}': got {got}, expected {expected}");
        }
    }

    /// <summary>Called (on the engine's thread) after each health-check round.</summary>
    public void OnRound(object? sender, EventArgs e)
    {
        Interlocked.Increment(ref _rounds);
        Pulse();
    }

    /// <summary>Called (on the engine's thread) for every failover and recovery event.</summary>
    public void OnEvent(object? sender, FailoverEventArgs e)
    {
        ArgumentNullException.ThrowIfNull(e);
        var ev = e.Event;
        var now = _time.GetUtcNow();
        var notes = new List<string>();
        var problems = new List<string>();
        lock (_lock)
        {
            if (_faultAt is null)
            {
                // Before the fault (live: real traffic's events); not the drill's business.
                return;
            }

            if (ev.Kind == FailoverEventKind.Failover)
            {
                if (!ev.Success)
                {
                    if (++_failedFailovers == 1)
                    {
                        notes.Add($"failover attempt ({ev.Trigger.ToWireName()}) failed: {ev.Error}");
                    }
                }
                else
                {
                    notes.Add($"failover '{ev.FromServiceId}' -> '{ev.ToServiceId}' ({ev.Trigger.ToWireName()}, epoch {ev.Epoch}, {(ev.IsAutomatic ? "automatic" : "manual")}), decided {Ms(ev.StartedAt - _faultAt.Value)} after the fault, switch took {Ms(ev.Duration)}: {ev.Reason}");
                    if (_failover is null)
                    {
                        _failover = ev;
                    }
                    else if (_watching)
                    {
                        problems.Add($"the engine failed over again after the recovery ({ev.Trigger.ToWireName()}: {ev.Reason})");
                    }
                }
            }
            else if (ev.Success)
            {
                notes.Add($"recovery '{ev.FromServiceId}' -> '{ev.ToServiceId}' ({(ev.IsAutomatic ? "automatic" : "manual")}, epoch {ev.Epoch}), switch took {Ms(ev.Duration)}: {ev.Reason}");
                notes.Add($"reconciled {ev.ReconciledKeys} journaled key(s) on the primary before it served again");
                if (_faultActive)
                {
                    _recoveriesDuringFault++;
                }
                else if (_failover is not null && _recovery is null)
                {
                    _recovery = ev;
                    _recoveredAt = now;
                    _watching = true;
                }
            }
            else
            {
                notes.Add($"recovery attempt failed: {ev.Error}");
            }
        }

        foreach (var note in notes)
        {
            Note(note);
        }

        foreach (var problem in problems)
        {
            Problem(problem);
        }

        Pulse();
    }

    /// <summary>Wakes every waiter of <see cref="Changed"/>.</summary>
    public void Pulse()
    {
        TaskCompletionSource previous;
        lock (_lock)
        {
            previous = _changed;
            _changed = new TaskCompletionSource(SignalOptions);
        }

        previous.TrySetResult();
    }

    /// <summary>Milliseconds from <paramref name="from"/> to <paramref name="to"/>, or null when either is missing.</summary>
    public static double? MsBetween(DateTimeOffset? from, DateTimeOffset? to) =>
        from is { } f && to is { } t ? Math.Round(Math.Max(0, (t - f).TotalMilliseconds), 3) : null;

    public static string Ms(TimeSpan value) => DrillPlan.Format(value);

    public static string Count(int value) => value.ToString("N0", CultureInfo.InvariantCulture);

    private void TrackDuration(TimeSpan elapsed)
    {
        if (_faultActive && elapsed > _longestOperationDuringFault)
        {
            _longestOperationDuringFault = elapsed;
        }
    }
}
