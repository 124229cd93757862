using System.Collections.Concurrent;
using System.Diagnostics;

namespace CacheFailover.Nemesis.History;

/// <summary>
/// Collects the history of a run: every client appends its operations here, timed on one
/// monotonic clock that starts with the recorder.
/// </summary>
public sealed class HistoryRecorder
{
    private readonly long _started = Stopwatch.GetTimestamp();
    private readonly ConcurrentQueue<HistoryEntry> _entries = new();
    private long _nextId;

    /// <summary>Microseconds since the run began.</summary>
    public long NowUs => (long)Stopwatch.GetElapsedTime(_started).TotalMicroseconds;

    /// <summary>How many operations were recorded so far.</summary>
    public int Count => _entries.Count;

    /// <summary>A new operation id.</summary>
    public long NextId() => Interlocked.Increment(ref _nextId);

    public void Add(HistoryEntry entry) => _entries.Enqueue(entry);

    /// <summary>Every operation recorded, in the order they completed (roughly).</summary>
    public IReadOnlyList<HistoryEntry> Snapshot() => [.. _entries];
}
