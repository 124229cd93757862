using CacheFailover.Backends;
using CacheFailover.Services;
using CacheFailover.Telemetry;
using Microsoft.Extensions.Logging;

namespace CacheFailover.Engine;

/// <summary>
/// After failback, removes the journaled keys from every backup too, so that a later failover
/// reads a miss rather than a value from this one. A failed clean-up is not lost: the keys stay
/// pending per backup and are tried again with a growing delay until it succeeds, and a failover
/// to a backup with keys pending clears them first (or does not choose that backup).
/// </summary>
internal sealed class BackupCleanup(ServiceProber prober, EngineOptions options, TimeProvider time, ILogger logger) : IDisposable
{
    private readonly Lock _lock = new();
    private readonly Dictionary<CacheService, HashSet<string>> _pending = [];
    private readonly HashSet<CacheService> _retrying = [];
    private readonly Dictionary<CacheService, List<Func<CacheService, Task>>> _whenClean = [];
    private readonly CancellationTokenSource _stopping = new();

    /// <summary>Keys waiting to be removed, per backup id (the status tool shows them).</summary>
    public IReadOnlyDictionary<string, int> Pending()
    {
        lock (_lock)
        {
            return _pending.Where(p => p.Value.Count > 0).ToDictionary(p => p.Key.Id, p => p.Value.Count, StringComparer.Ordinal);
        }
    }

    /// <summary>
    /// Schedules <paramref name="keys"/> for removal from every backup and starts at once;
    /// <paramref name="whenClean"/> runs for each backup once nothing is pending for it (at once when
    /// there is nothing to remove).
    /// </summary>
    public void Schedule(IEnumerable<CacheService> backups, IReadOnlyCollection<string> keys, Func<CacheService, Task>? whenClean = null)
    {
        foreach (var backup in backups)
        {
            if (keys.Count == 0)
            {
                _ = whenClean?.Invoke(backup);
                continue;
            }

            lock (_lock)
            {
                if (!_pending.TryGetValue(backup, out var set))
                {
                    _pending[backup] = set = new HashSet<string>(StringComparer.Ordinal);
                }

                set.UnionWith(keys);
                if (whenClean is not null)
                {
                    if (!_whenClean.TryGetValue(backup, out var callbacks))
                    {
                        _whenClean[backup] = callbacks = [];
                    }

                    callbacks.Add(whenClean);
                }
            }

            _ = RunUntilCleanAsync(backup);
        }
    }

    /// <summary>
    /// Removes what is pending for <paramref name="backup"/> now, before it serves. Null when
    /// nothing is left, else why it could not be done.
    /// </summary>
    public async Task<string?> EnsureCleanAsync(CacheService backup)
    {
        try
        {
            await CleanOnceAsync(backup);
            return null;
        }
        catch (CacheBackendException ex)
        {
            lock (_lock)
            {
                return $"{Count(backup)} key(s) from the last failback are still to be removed from it ({ex.Message})";
            }
        }
    }

    /// <summary>Forgets a backup that was unregistered.</summary>
    public void Forget(CacheService backup)
    {
        lock (_lock)
        {
            _pending.Remove(backup);
            _whenClean.Remove(backup);
        }
    }

    public void Dispose()
    {
        _stopping.Cancel();
        _stopping.Dispose();
    }

    private async Task RunUntilCleanAsync(CacheService backup)
    {
        lock (_lock)
        {
            if (!_retrying.Add(backup))
            {
                return; // Already running: it picks up the new keys.
            }
        }

        var delay = EngineTimings.BackupCleanupRetryDelay;
        try
        {
            while (true)
            {
                try
                {
                    await CleanOnceAsync(backup);
                    return;
                }
                catch (CacheBackendException ex)
                {
                    lock (_lock)
                    {
                        Log.BackupCleanupFailed(logger, backup.Id, Count(backup), ex.Message);
                    }
                }

                await Task.Delay(delay, time, _stopping.Token);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, EngineTimings.BackupCleanupMaxRetryDelay.Ticks));
            }
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            // The engine is stopping.
        }
        catch (ObjectDisposedException)
        {
            // The engine was disposed while waiting.
        }
        finally
        {
            lock (_lock)
            {
                _retrying.Remove(backup);
            }
        }
    }

    /// <summary>Removes the pending keys in batches; each batch leaves the pending set only once it is gone from the backup.</summary>
    private async Task CleanOnceAsync(CacheService backup)
    {
        var batchSize = options.Current.InvalidationBatchSize;
        while (true)
        {
            List<string>? batch = null;
            List<Func<CacheService, Task>>? whenClean = null;
            lock (_lock)
            {
                if (!_pending.TryGetValue(backup, out var set) || set.Count == 0)
                {
                    _pending.Remove(backup);
                    _whenClean.Remove(backup, out whenClean);
                }
                else
                {
                    batch = set.Take(batchSize).ToList();
                }
            }

            if (batch is null)
            {
                foreach (var callback in whenClean ?? [])
                {
                    _ = callback(backup);
                }

                return;
            }

            var pending = backup.Backend.InvalidateAsync(batch);
            if (!pending.IsCompletedSuccessfully)
            {
                await prober.WithDeadlineAsync(pending, backup, options.Current.HealthCheckTimeout, $"the clean-up within health_check_timeout_seconds = {options.Current.HealthCheckTimeoutSeconds}", CancellationToken.None);
            }

            lock (_lock)
            {
                if (_pending.TryGetValue(backup, out var set))
                {
                    set.ExceptWith(batch);
                }
            }
        }
    }

    private int Count(CacheService backup) => _pending.TryGetValue(backup, out var set) ? set.Count : 0;
}
