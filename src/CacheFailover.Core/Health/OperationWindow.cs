namespace CacheFailover.Health;

/// <summary>
/// The outcomes and latencies of the last N operations of one service: its success rate and the
/// response times the status tool shows. Not thread-safe; the owning tracker locks.
/// </summary>
internal sealed class OperationWindow(int size)
{
    private readonly bool[] _success = new bool[size];
    private readonly long[] _latencyTicks = new long[size];
    private int _next;
    private int _failures;

    /// <summary>Outcomes held (at most the window size).</summary>
    public int Count { get; private set; }

    /// <summary>Bytes this window holds, for the per-service memory bound.</summary>
    public int FootprintBytes => _success.Length * (sizeof(bool) + sizeof(long));

    public void Add(bool success, long latencyTicks)
    {
        if (Count == _success.Length && !_success[_next])
        {
            _failures--;
        }

        _success[_next] = success;
        _latencyTicks[_next] = latencyTicks;
        if (!success)
        {
            _failures++;
        }

        _next = (_next + 1) % _success.Length;
        Count = Math.Min(Count + 1, _success.Length);
    }

    /// <summary>Share of successful operations in the window; null when no operation was seen.</summary>
    public double? SuccessRate => Count == 0 ? null : (Count - _failures) / (double)Count;

    /// <summary>Mean and 95th percentile of the successful operations' latencies; null when there were none.</summary>
    public (TimeSpan Mean, TimeSpan P95)? SuccessLatency()
    {
        var successes = Count - _failures;
        if (successes == 0)
        {
            return null;
        }

        var sorted = new long[successes];
        var n = 0;
        long sum = 0;
        for (var i = 0; i < Count; i++)
        {
            if (_success[i])
            {
                sorted[n++] = _latencyTicks[i];
                sum += _latencyTicks[i];
            }
        }

        Array.Sort(sorted);
        var rank = Math.Clamp((int)Math.Ceiling(0.95 * successes), 1, successes);
        return (TimeSpan.FromTicks(sum / successes), TimeSpan.FromTicks(sorted[rank - 1]));
    }
}
