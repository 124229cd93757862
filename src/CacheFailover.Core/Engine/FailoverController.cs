using System.Globalization;
using CacheFailover.Journal;
using CacheFailover.Options;
using CacheFailover.Services;

namespace CacheFailover.Engine;

/// <summary>Who serves, in which status, at which epoch. Immutable; swapped whole.</summary>
/// <param name="Status">The status.</param>
/// <param name="Epoch">Grows by one with every switch of the serving service (I3).</param>
/// <param name="Active">The service that serves.</param>
/// <param name="Since">When this status began.</param>
/// <param name="EpochEnded">Cancelled when the epoch ends (the serving service changes), so that operations still waiting on the old service can be given up and retried on the new one.</param>
internal sealed record ServingState(FailoverStatus Status, long Epoch, CacheService Active, DateTimeOffset Since, CancellationTokenSource EpochEnded)
{
    /// <summary>
    /// During a handover (a failover away from a service the group can still reach): completes when
    /// it ends. Until then no operation starts, on any member, so that none still uses the service
    /// left once another serves (docs/group.md, "Handing over"). Null, or completed, otherwise.
    /// </summary>
    public Task? Hold { get; init; }
}

/// <summary>Why the primary is held down and until when.</summary>
/// <param name="Until">When automatic recovery may switch back, at the options now in force.</param>
/// <param name="Reason">How that time was computed, for the status tool.</param>
public sealed record HoldDownSnapshot(DateTimeOffset Until, string Reason);

/// <summary>
/// The one owner of every switch: status, epoch and serving service; the switch in progress; the
/// primary's anti-flapping hold-down; the suspension of automatic recovery after a manual failover;
/// the throttle on failed failovers during an outage; and the journal's seal for the final switch
/// of a failback. No other type writes any of these. One lock; reads of the serving state are a
/// volatile load of an immutable <see cref="ServingState"/>.
/// </summary>
/// <remarks>
/// A switch is begun only by a caller that saw the current epoch (I3: a decision taken under an old
/// epoch never overrides a newer one), and only one runs at a time; others wait for it.
/// </remarks>
internal sealed class FailoverController
{
    private readonly Lock _lock = new();
    private readonly TimeProvider _time;
    private readonly FailbackJournal _journal;
    private readonly Dictionary<FailoverStatus, TimeSpan> _timeInStatus = [];
    private volatile ServingState _state;
    private TaskCompletionSource? _switch;
    private FailoverStatus _statusBeforeSwitch;

    // A switch another member of the group runs (adopted from the group's record): writes wait for it.
    private bool _switchIsRemote;
    private long _remoteSwitchSince;

    // Anti-flapping: automatic failovers of the primary that each follow an automatic recovery too soon.
    private DateTimeOffset? _holdDownStart;
    private int _holdDownStreak;
    private DateTimeOffset? _lastAutomaticRecoveryAt;
    private TimeSpan _lastHoldDown;

    // Throttle: one failed failover answers the operations of an outage until the retry time.
    private FailoverEvent? _lastFailedFailover;
    private long _failoverRetryAfter;

    public FailoverController(CacheService primary, FailbackJournal journal, TimeProvider time)
    {
        _time = time;
        _journal = journal;
        _state = new ServingState(FailoverStatus.Active, 0, primary, time.GetUtcNow(), new CancellationTokenSource());
        foreach (var status in Enum.GetValues<FailoverStatus>())
        {
            _timeInStatus[status] = TimeSpan.Zero;
        }
    }

    public ServingState Current => _state;

    /// <summary>True after a successful manual failover, until the next recovery: the operator moved traffic on purpose.</summary>
    public bool AutoRecoverySuspended { get; private set; }

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

    /// <summary>When the recovery another member runs began here, or null when none is adopted.</summary>
    public long? RemoteSwitchSince
    {
        get
        {
            lock (_lock)
            {
                return _switchIsRemote ? _remoteSwitchSince : null;
            }
        }
    }

    /// <summary>
    /// Follows a decision another member of the group made: the status, epoch and serving service
    /// of its record. Refused while a switch of this member runs (its claim on the record settles
    /// it) and for an older epoch (I3). Adopting a recovery makes writes wait (the journal is
    /// sealed) until the record moves on.
    /// </summary>
    /// <param name="status">The record's status.</param>
    /// <param name="epoch">The record's epoch.</param>
    /// <param name="active">The record's serving service.</param>
    /// <param name="manual">The decision was an operator's: automatic recovery waits for a manual one.</param>
    public bool TryAdopt(FailoverStatus status, long epoch, CacheService active, bool manual)
    {
        TaskCompletionSource? done = null;
        CancellationTokenSource? ended = null;
        lock (_lock)
        {
            if ((_switch is not null && !_switchIsRemote) || epoch < _state.Epoch)
            {
                return false;
            }

            var statusBefore = _state.Status;
            if (epoch > _state.Epoch || active != _state.Active)
            {
                ended = _state.EpochEnded;
                SetState(new ServingState(status, epoch, active, _time.GetUtcNow(), new CancellationTokenSource()));
            }
            else if (status != _state.Status)
            {
                SetState(_state with { Status = status });
            }

            if (status is FailoverStatus.Recovering or FailoverStatus.FailingOver)
            {
                if (_switch is null)
                {
                    _switch = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                    _switchIsRemote = true;
                    _remoteSwitchSince = _time.GetTimestamp();
                    _statusBeforeSwitch = status == FailoverStatus.Recovering ? FailoverStatus.FailedOver : statusBefore;
                    _journal.Seal();
                }

                if (status == FailoverStatus.FailingOver && _switchIsRemote)
                {
                    // Another member hands traffic over: hold every operation until its next record.
                    SetState(_state with { Hold = _switch.Task });
                }
            }
            else
            {
                if (_switchIsRemote)
                {
                    done = _switch;
                    _switch = null;
                    _switchIsRemote = false;
                    _journal.Unseal();
                }

                _lastFailedFailover = null;
                AutoRecoverySuspended = status == FailoverStatus.FailedOver && manual;
                if (status is FailoverStatus.Recovered or FailoverStatus.Active)
                {
                    // The member that recovered reconciled the group's journal, which holds this member's keys too.
                    _journal.Forget();
                }
            }
        }

        done?.TrySetResult();
        ended?.Cancel();
        return true;
    }

    /// <summary>
    /// Makes the recovery or handover another member began (and went silent in) this member's own
    /// switch, when the status is still <paramref name="status"/>: the status stays, and writers (for a
    /// handover: every operation) keep waiting, until this member completes or aborts it.
    /// </summary>
    public bool TryTakeOverRemoteSwitch(FailoverStatus status)
    {
        lock (_lock)
        {
            if (!_switchIsRemote || _state.Status != status)
            {
                return false;
            }

            _switchIsRemote = false;
            if (status == FailoverStatus.Recovering)
            {
                _statusBeforeSwitch = FailoverStatus.FailedOver;
            }

            return true;
        }
    }

    /// <summary>The status the running switch started from (what an aborted switch goes back to).</summary>
    public FailoverStatus StatusBeforeSwitch
    {
        get
        {
            lock (_lock)
            {
                return _statusBeforeSwitch;
            }
        }
    }

    /// <summary>
    /// This member's own switch has become a handover (the group's record says failing_over): its
    /// operations wait for the switch to end too, like every other member's.
    /// </summary>
    public void HoldOperationsForHandover()
    {
        lock (_lock)
        {
            if (_switch is not null && !_switchIsRemote)
            {
                SetState(_state with { Hold = _switch.Task });
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

    /// <summary>
    /// Seals the journal for the final switch of a failback: from now on no write can reach the
    /// backup unrecorded (writers wait for the switch). Returns the keys still to reconcile.
    /// Only during a recovery this caller began.
    /// </summary>
    public List<string> SealJournalForFinalSwitch()
    {
        lock (_lock)
        {
            if (_switch is null || _state.Status != FailoverStatus.Recovering)
            {
                throw new InvalidOperationException("The journal is sealed only during a recovery.");
            }

            return _journal.SealAndDrain();
        }
    }

    /// <summary>Ends the running switch with <paramref name="to"/> (a backup) serving; the epoch grows by one.</summary>
    /// <param name="to">The backup that serves now.</param>
    /// <param name="manual">An operator's decision: automatic recovery then waits for a manual one.</param>
    public ServingState CompleteFailover(CacheService to, bool manual)
    {
        var from = _state.Active;
        var next = Complete(to, FailoverStatus.FailedOver, () =>
        {
            _lastFailedFailover = null;
            if (manual)
            {
                AutoRecoverySuspended = true;

                // A planned move is not flapping: it ends the streak and holds nothing down.
                _holdDownStreak = 0;
                _holdDownStart = null;
                _lastAutomaticRecoveryAt = null;
            }
            else if (from.IsPrimary)
            {
                var now = _time.GetUtcNow();
                var servedStably = _lastAutomaticRecoveryAt is not { } recoveredAt || now - recoveredAt >= _lastHoldDown * 2;
                _holdDownStreak = servedStably ? 1 : _holdDownStreak + 1;
                _holdDownStart = now;
            }
        });
        return next;
    }

    /// <summary>Ends the running recovery with the primary serving; the epoch grows by one, the journal is unsealed.</summary>
    public ServingState CompleteRecovery(CacheService primary, bool manual, FailoverOptions options)
    {
        return Complete(primary, FailoverStatus.Recovered, () =>
        {
            _journal.Unseal();
            AutoRecoverySuspended = false;
            _lastFailedFailover = null;
            if (manual)
            {
                _holdDownStreak = 0;
                _lastAutomaticRecoveryAt = null;
            }
            else
            {
                _lastAutomaticRecoveryAt = _time.GetUtcNow();
                _lastHoldDown = HoldDownLength(options);
            }

            _holdDownStart = null;
        });
    }

    /// <summary>Ends the running switch with nothing changed but the status restored (and the journal unsealed).</summary>
    public void AbortSwitch()
    {
        TaskCompletionSource? done;
        lock (_lock)
        {
            _journal.Unseal();
            SetState(_state with { Status = _statusBeforeSwitch });
            done = _switch;
            _switch = null;
        }

        done?.TrySetResult();
    }

    /// <summary>
    /// During an outage every failing operation would try (and record) a failover. After one found
    /// no candidate, operations reuse its answer until the retry time has passed.
    /// </summary>
    public bool TryReuseFailedFailover(long expectedEpoch, CacheService from, out FailoverEvent? last)
    {
        lock (_lock)
        {
            last = _lastFailedFailover;
            return last is not null && last.Epoch == expectedEpoch && last.FromServiceId == from.Id && _time.GetTimestamp() < _failoverRetryAfter;
        }
    }

    public void NoteFailedFailover(FailoverEvent failure, TimeSpan retryAfter)
    {
        lock (_lock)
        {
            _lastFailedFailover = failure;
            _failoverRetryAfter = _time.GetTimestamp() + (long)(retryAfter.TotalSeconds * _time.TimestampFrequency);
        }
    }

    /// <summary>The primary's hold-down, computed with <paramref name="options"/> (so a changed auto_recovery_delay_seconds applies to the wait in progress); null when none.</summary>
    public HoldDownSnapshot? HoldDown(FailoverOptions options)
    {
        lock (_lock)
        {
            if (_holdDownStart is not { } start)
            {
                return null;
            }

            var length = HoldDownLength(options);
            var reason = _holdDownStreak <= 1
                ? string.Create(CultureInfo.InvariantCulture, $"auto_recovery_delay_seconds = {options.AutoRecoveryDelaySeconds} after the failover at {start:O}")
                : string.Create(CultureInfo.InvariantCulture, $"auto_recovery_delay_seconds = {options.AutoRecoveryDelaySeconds} doubled {_holdDownStreak - 1} time(s): failover {_holdDownStreak} in a row came less than twice the previous hold-down after an automatic recovery (capped at max_hold_down_seconds = {options.MaxHoldDownSeconds}); started {start:O}");
            return new HoldDownSnapshot(start + length, reason);
        }
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

    private TimeSpan HoldDownLength(FailoverOptions options)
    {
        var streak = Math.Max(1, _holdDownStreak);
        var seconds = Math.Min(options.AutoRecoveryDelaySeconds * Math.Pow(2, streak - 1), Math.Max(options.MaxHoldDownSeconds, options.AutoRecoveryDelaySeconds));
        return TimeSpan.FromSeconds(seconds);
    }

    private ServingState Complete(CacheService active, FailoverStatus status, Action underLock)
    {
        TaskCompletionSource? done;
        ServingState next;
        CancellationTokenSource ended;
        lock (_lock)
        {
            ended = _state.EpochEnded;
            next = new ServingState(status, _state.Epoch + 1, active, _time.GetUtcNow(), new CancellationTokenSource());
            SetState(next);
            underLock();
            done = _switch;
            _switch = null;
        }

        done?.TrySetResult();

        // Outside the lock: cancellation runs the waiting operations' callbacks.
        ended.Cancel();
        return next;
    }

    private void SetState(ServingState next)
    {
        var now = _time.GetUtcNow();
        _timeInStatus[_state.Status] += now - _state.Since;
        _state = next with { Since = now };
    }
}
