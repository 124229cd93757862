namespace CacheFailover.Journal;

/// <summary>
/// The keys written or deleted while a backup served (invariants I1, I2, I5). Before the primary
/// serves again each of them is invalidated on it, so it can never answer with a value older than
/// the one the backup took. Bounded: past its capacity it overflows, forgets its keys, and marks the
/// primary dirty — the primary then needs a flush or an operator's decision before it serves again.
/// </summary>
/// <remarks>
/// Writers record a key before they send the write. At the final step of failback the journal is
/// sealed: a writer that arrives after that is refused and must wait for the switch, so no write
/// can land on the backup unrecorded after the last invalidation.
/// </remarks>
internal sealed class FailbackJournal(int capacity)
{
    private readonly Lock _lock = new();
    private HashSet<string> _keys = new(StringComparer.Ordinal);
    private bool _sealed;

    /// <summary>Most keys it holds before it overflows.</summary>
    public int Capacity { get; private set; } = capacity;

    /// <summary>Whether the journal lost track of keys since the last reconciliation.</summary>
    public bool Overflowed { get; private set; }

    /// <summary>Why the primary is dirty, or null when it is not.</summary>
    public string? DirtyReason { get; private set; }

    public bool PrimaryDirty => DirtyReason is not null;

    /// <summary>Keys waiting to be invalidated on the primary.</summary>
    public int PendingKeys
    {
        get
        {
            lock (_lock)
            {
                return _keys.Count;
            }
        }
    }

    /// <summary>Total keys ever recorded (for metrics).</summary>
    public long RecordedTotal { get; private set; }

    /// <summary>Records a key about to be written on a backup; false when the journal is sealed (a failback is switching).</summary>
    public bool TryRecord(string key)
    {
        lock (_lock)
        {
            if (_sealed)
            {
                return false;
            }

            AddLocked(key);
            return true;
        }
    }

    private void AddLocked(string key)
    {
        if (PrimaryDirty)
        {
            // Already dirty: the primary will be flushed or explicitly accepted; tracking keys would only use memory.
            return;
        }

        if (_keys.Add(key))
        {
            RecordedTotal++;
            if (_keys.Count > Capacity)
            {
                Overflowed = true;
                DirtyReason = $"the failback journal overflowed its capacity of {Capacity} keys";
                _keys = new HashSet<string>(StringComparer.Ordinal);
            }
        }
    }

    /// <summary>
    /// Records every key of one write about to be sent to a backup (a multi-key command), all under
    /// one lock so that a seal falls before or after the whole set; false when sealed.
    /// </summary>
    public bool TryRecordAll(IReadOnlyList<string> keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        lock (_lock)
        {
            if (_sealed)
            {
                return false;
            }

            foreach (var key in keys)
            {
                AddLocked(key);
            }

            return true;
        }
    }

    /// <summary>Takes up to <paramref name="max"/> keys out for invalidation; put them back with <see cref="Restore"/> if that fails.</summary>
    public List<string> TakeBatch(int max)
    {
        lock (_lock)
        {
            var batch = new List<string>(Math.Min(max, _keys.Count));
            foreach (var key in _keys)
            {
                if (batch.Count == max)
                {
                    break;
                }

                batch.Add(key);
            }

            foreach (var key in batch)
            {
                _keys.Remove(key);
            }

            return batch;
        }
    }

    /// <summary>Puts keys back after a failed invalidation, so none is lost.</summary>
    public void Restore(IEnumerable<string> keys)
    {
        lock (_lock)
        {
            if (PrimaryDirty)
            {
                return;
            }

            foreach (var key in keys)
            {
                _keys.Add(key);
            }
        }
    }

    /// <summary>Refuses further records and returns every pending key (the last batch before the switch).</summary>
    public List<string> SealAndDrain()
    {
        lock (_lock)
        {
            _sealed = true;
            var rest = new List<string>(_keys);
            _keys.Clear();
            return rest;
        }
    }

    /// <summary>Refuses further records, keeping the keys (another member of the group is switching back).</summary>
    public void Seal()
    {
        lock (_lock)
        {
            _sealed = true;
        }
    }

    /// <summary>Drops the pending keys without reconciling them: another member reconciled the group's journal, which holds them too.</summary>
    public void Forget()
    {
        lock (_lock)
        {
            _keys.Clear();
        }
    }

    /// <summary>Accepts records again (after the switch, or after a failed one).</summary>
    public void Unseal()
    {
        lock (_lock)
        {
            _sealed = false;
        }
    }

    /// <summary>Marks the primary dirty for a reason other than overflow (e.g. the journal's contents were lost).</summary>
    public void MarkDirty(string reason)
    {
        lock (_lock)
        {
            DirtyReason ??= reason;
            _keys.Clear();
        }
    }

    /// <summary>The primary was flushed or an operator accepted it: start clean.</summary>
    public void MarkReconciled()
    {
        lock (_lock)
        {
            DirtyReason = null;
            Overflowed = false;
            _keys.Clear();
        }
    }

    public void Resize(int capacity)
    {
        lock (_lock)
        {
            Capacity = capacity;
        }
    }
}
