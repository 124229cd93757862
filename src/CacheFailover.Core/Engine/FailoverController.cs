using CacheFailover.Services;

namespace CacheFailover.Engine;

/// <summary>Who serves, in which status, at which epoch. Immutable; swapped whole.</summary>
/// <param name="Status">The status.</param>
/// <param name="Epoch">Grows by one with every switch of the serving service.</param>
/// <param name="Active">The service that serves.</param>
/// <param name="Since">When this status began.</param>
/// <param name="EpochEnded">Cancelled when the epoch ends (the serving service changes), so that operations still waiting on the old service can be given up and retried on the new one.</param>
internal sealed record ServingState(FailoverStatus Status, long Epoch, CacheService Active, DateTimeOffset Since, CancellationTokenSource EpochEnded);

/// <summary>
/// Owns every transition of the serving state. One lock; reads are a volatile load of an
/// immutable <see cref="ServingState"/>. A switch (failover or recovery) is begun only by the
/// caller that saw the current epoch (I3: a decision taken under an old epoch never overrides a
/// newer one), and only one switch runs at a time; others wait for it.
/// </summary>
internal sealed class FailoverController
{
    private readonly Lock _lock = new();
    private readonly TimeProvider _time;
    private readonly Dictionary<FailoverStatus, TimeSpan> _timeInStatus = [];
    private volatile ServingState _state;
    private TaskCompletionSource? _switch;
    private FailoverStatus _statusBeforeSwitch;

    public FailoverController(CacheService primary, TimeProvider time)
    {
        _time = time;
        _state = new ServingState(FailoverStatus.Active, 0, primary, time.GetUtcNow(), new CancellationTokenSource());
        foreach (var status in Enum.GetValues<FailoverStatus>())
        {
            _timeInStatus[status] = TimeSpan.Zero;
        }
    }

    public ServingState Current => _state;

    /// <summary>Completes when no switch is running.</summary>
    public Task WhenSwitchDone
    {
        get
        {
            lock (_lock)
            {
                return _switch?.Task ?? Task.CompletedTask;
            }
        }
    }

    /// <summary>
    /// Begins a switch when the epoch is still <paramref name="expectedEpoch"/> and none runs.
    /// Otherwise returns false with the running switch (or a completed task when the epoch moved on).
    /// </summary>
    public bool TryBeginSwitch(long expectedEpoch, FailoverStatus switchingStatus, out Task running)
    {
        lock (_lock)
        {
            if (_switch is not null)
            {
                running = _switch.Task;
                return false;
            }

            if (_state.Epoch != expectedEpoch)
            {
                running = Task.CompletedTask;
                return false;
            }

            _switch = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _statusBeforeSwitch = _state.Status;
            SetState(_state with { Status = switchingStatus });
            running = _switch.Task;
            return true;
        }
    }

    /// <summary>Ends the running switch with <paramref name="active"/> serving; the epoch grows by one.</summary>
    public ServingState CompleteSwitch(CacheService active, FailoverStatus status)
    {
        TaskCompletionSource? done;
        ServingState next;
        CancellationTokenSource ended;
        lock (_lock)
        {
            ended = _state.EpochEnded;
            next = new ServingState(status, _state.Epoch + 1, active, _time.GetUtcNow(), new CancellationTokenSource());
            SetState(next);
            done = _switch;
            _switch = null;
        }

        done?.TrySetResult();

        // Outside the lock: cancellation runs the waiting operations' callbacks.
        ended.Cancel();
        return next;
    }

    /// <summary>Ends the running switch with nothing changed but the status restored.</summary>
    public void AbortSwitch()
    {
        TaskCompletionSource? done;
        lock (_lock)
        {
            SetState(_state with { Status = _statusBeforeSwitch });
            done = _switch;
            _switch = null;
        }

        done?.TrySetResult();
    }

    /// <summary>Time spent in each status since start, the current one included.</summary>
    public IReadOnlyDictionary<FailoverStatus, TimeSpan> TimeInStatus()
    {
        lock (_lock)
        {
            var result = new Dictionary<FailoverStatus, TimeSpan>(_timeInStatus);
            result[_state.Status] += _time.GetUtcNow() - _state.Since;
            return result;
        }
    }

    private void SetState(ServingState next)
    {
        var now = _time.GetUtcNow();
        _timeInStatus[_state.Status] += now - _state.Since;
        _state = next with { Since = now };
    }
}
