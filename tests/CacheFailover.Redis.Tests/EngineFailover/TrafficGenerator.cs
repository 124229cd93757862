using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using CacheFailover.Engine;

namespace CacheFailover.Redis.Tests.EngineFailover;

/// <summary>
/// Concurrent get/set/delete traffic through an engine, recording when each operation succeeded
/// and who served it, so tests can measure "fault → first success on the backup" and count errors.
/// </summary>
internal sealed class TrafficGenerator : IAsyncDisposable
{
    private readonly FailoverEngine _engine;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task[] _workers;
    private readonly ConcurrentQueue<(long Timestamp, string ServedBy)> _successes = new();
    private readonly ConcurrentQueue<Exception> _errors = new();
    private int _disposed;

    public TrafficGenerator(FailoverEngine engine, int workers, string prefix)
    {
        _engine = engine;
        _workers = Enumerable.Range(0, workers).Select(w => Task.Run(() => RunAsync($"{prefix}:{w}"))).ToArray();
    }

    public IReadOnlyCollection<Exception> Errors => _errors;

    public int Successes => _successes.Count;

    /// <summary>Milliseconds from <paramref name="since"/> to the first success served by <paramref name="serviceId"/>, or null.</summary>
    public double? FirstSuccessOn(string serviceId, long since)
    {
        var first = _successes.Where(s => s.ServedBy == serviceId && s.Timestamp >= since).Select(s => s.Timestamp).DefaultIfEmpty(-1).Min();
        return first < 0 ? null : Stopwatch.GetElapsedTime(since, first).TotalMilliseconds;
    }

    /// <summary>Waits (bounded) until some operation succeeds on <paramref name="serviceId"/> after <paramref name="since"/>.</summary>
    public async Task<double> WaitForSuccessOnAsync(string serviceId, long since, TimeSpan limit)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(limit.TotalSeconds * Stopwatch.Frequency);
        while (Stopwatch.GetTimestamp() < deadline)
        {
            if (FirstSuccessOn(serviceId, since) is { } ms)
            {
                return ms;
            }

            await Task.Delay(5); // waiting on real servers and real traffic
        }

        throw new TimeoutException($"no operation succeeded on '{serviceId}' within {limit.TotalSeconds} s; errors: {string.Join(" | ", _errors.Take(3).Select(e => e.Message))}");
    }

    /// <summary>Stops the workers; safe to call more than once.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await _stop.CancelAsync();
        await Task.WhenAll(_workers);
        _stop.Dispose();
    }

    private async Task RunAsync(string prefix)
    {
        var n = 0;
        var value = Encoding.UTF8.GetBytes(new string('x', 100));
        while (!_stop.IsCancellationRequested)
        {
            var key = $"{prefix}:{n % 50}";
            try
            {
                var servedBy = (n % 4) switch
                {
                    0 or 1 => (await _engine.GetWithResultAsync(key)).ServedBy,
                    2 => (await _engine.SetWithResultAsync(key, value)).ServedBy,
                    _ => (await _engine.DeleteWithResultAsync(key)).ServedBy,
                };
                _successes.Enqueue((Stopwatch.GetTimestamp(), servedBy));
            }
            catch (CacheOperationException ex)
            {
                _errors.Enqueue(ex);
            }

            n++;
            if (n % 16 == 0)
            {
                await Task.Yield();
            }
        }
    }
}
