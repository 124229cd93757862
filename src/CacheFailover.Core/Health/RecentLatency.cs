namespace CacheFailover.Health;

/// <summary>The mean latency of the last N operations: what "slow now" is judged on. Not thread-safe; the tracker locks.</summary>
internal sealed class RecentLatency(int size)
{
    private readonly long[] _ticks = new long[size];
    private int _next;
    private long _sum;

    public int Count { get; private set; }

    /// <summary>True once the ring is full: fewer samples than degradation_minimum_samples judge nothing.</summary>
    public bool IsFull => Count == _ticks.Length;

    public int FootprintBytes => _ticks.Length * sizeof(long);

    public double? MeanTicks => Count == 0 ? null : (double)_sum / Count;

    public void Add(long ticks)
    {
        if (Count == _ticks.Length)
        {
            _sum -= _ticks[_next];
        }
        else
        {
            Count++;
        }

        _ticks[_next] = ticks;
        _sum += ticks;
        _next = (_next + 1) % _ticks.Length;
    }

    public void Clear()
    {
        Count = 0;
        _next = 0;
        _sum = 0;
    }
}
