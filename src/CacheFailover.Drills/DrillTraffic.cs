using System.Globalization;
using System.Text;
using CacheFailover.Engine;

namespace CacheFailover.Drills;

/// <summary>
/// A steady stream of drill operations through the engine: a few workers, each owning its own keys,
/// each round reading a key (checked against the last value written), then writing or deleting it,
/// then reading it back. Every read is checked, so stale reads are counted, not assumed.
/// </summary>
/// <remarks>
/// A read may miss (a failover or a failback invalidation may drop a key: that is a cache's right),
/// but a value must be the last one written — or one whose write failed with an unknown outcome —
/// and after an acknowledged delete no value may come back (invariants I1, I2).
/// </remarks>
internal sealed class DrillTraffic
{
    /// <summary>Drill keys in all.</summary>
    public const int KeyCount = 16;

    private const int Workers = 2;

    private readonly FailoverEngine _engine;
    private readonly TimeProvider _time;
    private readonly DrillRecorder _recorder;
    private readonly KeyState[] _keys;
    private long _paceTicks;
    private long _writes;
    private TaskCompletionSource _paceShortened;

    public DrillTraffic(FailoverEngine engine, TimeProvider time, DrillRecorder recorder, string keyPrefix, TimeSpan pace)
    {
        _engine = engine;
        _time = time;
        _recorder = recorder;
        _paceShortened = new TaskCompletionSource(recorder.SignalOptions);
        KeyPrefix = keyPrefix;
        _keys = Enumerable.Range(0, KeyCount).Select(i => new KeyState(string.Create(CultureInfo.InvariantCulture, $"{keyPrefix}k{i:00}"))).ToArray();
        Pace = pace;
    }

    public string KeyPrefix { get; }

    public IReadOnlyList<string> Keys => _keys.Select(k => k.Key).ToArray();

    /// <summary>Pause between a worker's rounds; may change while the traffic runs (a shorter pace wakes sleeping workers at once).</summary>
    public TimeSpan Pace
    {
        get => TimeSpan.FromTicks(Interlocked.Read(ref _paceTicks));
        set
        {
            var previous = Interlocked.Exchange(ref _paceTicks, value.Ticks);
            if (value.Ticks < previous)
            {
                Interlocked.Exchange(ref _paceShortened, new TaskCompletionSource(_recorder.SignalOptions)).TrySetResult();
            }
        }
    }

    /// <summary>Runs until <paramref name="stop"/> is cancelled; operations in flight finish (bounded by the engine's deadline) unless <paramref name="abort"/> is.</summary>
    public Task RunAsync(CancellationToken stop, CancellationToken abort) =>
        Task.WhenAll(Enumerable.Range(0, Workers).Select(worker => WorkerAsync(worker, stop, abort)));

    /// <summary>Reads every drill key once and checks it.</summary>
    public async Task VerifyAllAsync(CancellationToken abort)
    {
        foreach (var key in _keys)
        {
            await ReadAsync(key, abort);
        }
    }

    private async Task WorkerAsync(int worker, CancellationToken stop, CancellationToken abort)
    {
        // Start the workers half a pace apart so that their operations interleave.
        if (worker > 0 && !await PauseAsync(Pace / 2, stop))
        {
            return;
        }

        var mine = _keys.Where((_, i) => i % Workers == worker).ToArray();
        for (var round = 0; !stop.IsCancellationRequested; round++)
        {
            var key = mine[round % mine.Length];
            await ReadAsync(key, abort);
            if (round % 7 == 6)
            {
                await DeleteAsync(key, abort);
            }
            else
            {
                await WriteAsync(key, abort);
            }

            await ReadAsync(key, abort);
            if (!await PauseAsync(Pace, stop))
            {
                return;
            }
        }
    }

    private async Task<bool> PauseAsync(TimeSpan pause, CancellationToken stop)
    {
        var shortened = Volatile.Read(ref _paceShortened).Task;
        using var wake = CancellationTokenSource.CreateLinkedTokenSource(stop);
        var delay = Task.Delay(pause, _time, wake.Token);
        await Task.WhenAny(delay, shortened);

        // Synchronously: in simulate mode the delay's timer must go on this thread.
        wake.Cancel();
        return !stop.IsCancellationRequested;
    }

    private async Task ReadAsync(KeyState key, CancellationToken abort)
    {
        var started = Begin();
        CacheResult<byte[]?> result;
        try
        {
            result = await _engine.GetWithResultAsync(key.Key, abort);
        }
        catch (CacheOperationException ex)
        {
            _recorder.OperationFailed("get", ex.Message, _time.GetElapsedTime(started), unexpected: false);
            return;
        }
#pragma warning disable CA1031 // Anything else the engine throws is a finding the drill reports, not a reason to stop the drill.
        catch (Exception ex) when (ex is not OperationCanceledException)
#pragma warning restore CA1031
        {
            _recorder.OperationFailed("get", ex.GetType().Name + ": " + ex.Message, _time.GetElapsedTime(started), unexpected: true);
            return;
        }

        _recorder.OperationSucceeded(result.ServedBy, _time.GetElapsedTime(started));
        if (result.Value is { } bytes)
        {
            var got = Encoding.UTF8.GetString(bytes);
            if (!key.Accepts(got))
            {
                _recorder.StaleRead(key.Key, result.ServedBy, got, key.Describe());
            }
        }
    }

    private async Task WriteAsync(KeyState key, CancellationToken abort)
    {
        var value = string.Create(CultureInfo.InvariantCulture, $"w{Interlocked.Increment(ref _writes)}");
        var started = Begin();
        try
        {
            var result = await _engine.SetWithResultAsync(key.Key, Encoding.UTF8.GetBytes(value), timeToLive: null, abort);
            key.Written(value);
            _recorder.OperationSucceeded(result.ServedBy, _time.GetElapsedTime(started));
        }
        catch (CacheOperationException ex)
        {
            if (ex.Outcome == Backends.OperationOutcome.Unknown)
            {
                key.MaybeWritten(value);
            }

            _recorder.OperationFailed("set", ex.Message, _time.GetElapsedTime(started), unexpected: false);
        }
#pragma warning disable CA1031 // As above: reported, not fatal.
        catch (Exception ex) when (ex is not OperationCanceledException)
#pragma warning restore CA1031
        {
            key.MaybeWritten(value);
            _recorder.OperationFailed("set", ex.GetType().Name + ": " + ex.Message, _time.GetElapsedTime(started), unexpected: true);
        }
    }

    private async Task DeleteAsync(KeyState key, CancellationToken abort)
    {
        var started = Begin();
        try
        {
            var result = await _engine.DeleteWithResultAsync(key.Key, abort);
            key.Deleted();
            _recorder.OperationSucceeded(result.ServedBy, _time.GetElapsedTime(started));
        }
        catch (CacheOperationException ex)
        {
            _recorder.OperationFailed("delete", ex.Message, _time.GetElapsedTime(started), unexpected: false);
        }
#pragma warning disable CA1031 // As above: reported, not fatal.
        catch (Exception ex) when (ex is not OperationCanceledException)
#pragma warning restore CA1031
        {
            _recorder.OperationFailed("delete", ex.GetType().Name + ": " + ex.Message, _time.GetElapsedTime(started), unexpected: true);
        }
    }

    private long Begin()
    {
        _recorder.OperationStarted();
        return _time.GetTimestamp();
    }

    /// <summary>What a read of one key may return. Each key belongs to one worker, so its operations never overlap.</summary>
    private sealed class KeyState(string key)
    {
        private readonly Lock _lock = new();
        private readonly HashSet<string> _acceptable = new(StringComparer.Ordinal);

        public string Key { get; } = key;

        public bool Accepts(string value)
        {
            lock (_lock)
            {
                return _acceptable.Contains(value);
            }
        }

        public void Written(string value)
        {
            lock (_lock)
            {
                _acceptable.Clear();
                _acceptable.Add(value);
            }
        }

        /// <summary>A write failed with an unknown outcome: its value may now be there (I4).</summary>
        public void MaybeWritten(string value)
        {
            lock (_lock)
            {
                _acceptable.Add(value);
            }
        }

        public void Deleted()
        {
            lock (_lock)
            {
                _acceptable.Clear();
            }
        }

        public string Describe()
        {
            lock (_lock)
            {
                return _acceptable.Count == 0 ? "a miss (deleted or never written)" : string.Join(" or ", _acceptable.Order(StringComparer.Ordinal)) + " or a miss";
            }
        }
    }
}
