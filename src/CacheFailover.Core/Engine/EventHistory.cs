namespace CacheFailover.Engine;

/// <summary>A bounded ring of the most recent events, newest first on read.</summary>
internal sealed class EventHistory(int capacity)
{
    private readonly Lock _lock = new();
    private readonly Queue<FailoverEvent> _events = new();
    private long _nextId;

    public int Capacity { get; set; } = capacity;

    public long NextId() => Interlocked.Increment(ref _nextId);

    public void Add(FailoverEvent failoverEvent)
    {
        lock (_lock)
        {
            _events.Enqueue(failoverEvent);
            while (_events.Count > Capacity)
            {
                _events.Dequeue();
            }
        }
    }

    /// <summary>Newest first, filtered.</summary>
    public IReadOnlyList<FailoverEvent> Query(int limit, FailoverTrigger? trigger = null, DateTimeOffset? since = null, FailoverEventKind? kind = null)
    {
        lock (_lock)
        {
            return _events.Reverse()
                .Where(e => trigger is null || e.Trigger == trigger)
                .Where(e => since is null || e.StartedAt >= since)
                .Where(e => kind is null || e.Kind == kind)
                .Take(limit)
                .ToArray();
        }
    }
}
