using System.Runtime.ExceptionServices;
using StackExchange.Redis;

namespace CacheFailover.Redis;

public sealed partial class RedisCacheBackend
{
    /// <summary>One bulk invalidation: keys split into UNLINK batches, a few in flight at a time.</summary>
    private sealed class InvalidateBatch(IReadOnlyList<string> keys)
    {
        /// <summary>Keys per UNLINK: large enough to amortise round trips, small enough not to stall the server.</summary>
        public const int BatchSize = 1000;

        /// <summary>Keys pipelined at once: 8 full batches, or, on a cluster, many small per-slot batches (100k keys over 16,384 slots are about 6 per slot).</summary>
        public const int MaxKeysInFlight = 8 * BatchSize;

        private int _applied;

        /// <summary>True once any batch has been acknowledged, so a later failure leaves the outcome unknown.</summary>
        public bool AnyApplied => Volatile.Read(ref _applied) != 0;

        public async Task<long> RunAsync(IDatabase database)
        {
            var inFlight = new Queue<(Task<long> Batch, int Keys)>();
            var keysInFlight = 0;
            long removed = 0;
            Exception? failure = null;
            foreach (var batch in Batches(database.Multiplexer))
            {
                while (inFlight.Count > 0 && keysInFlight + batch.Length > MaxKeysInFlight && failure is null)
                {
                    var (oldest, keys) = inFlight.Dequeue();
                    keysInFlight -= keys;
                    (removed, failure) = await Complete(oldest, removed, failure).ConfigureAwait(false);
                }

                if (failure is not null)
                {
                    break;
                }

                inFlight.Enqueue((database.KeyDeleteAsync(batch), batch.Length));
                keysInFlight += batch.Length;
            }

            while (inFlight.Count > 0)
            {
                (removed, failure) = await Complete(inFlight.Dequeue().Batch, removed, failure).ConfigureAwait(false);
            }

            if (failure is not null)
            {
                ExceptionDispatchInfo.Throw(failure);
            }

            return removed;
        }

        private async Task<(long Removed, Exception? Failure)> Complete(Task<long> batch, long removed, Exception? failure)
        {
            try
            {
                var count = await batch.ConfigureAwait(false);
                Volatile.Write(ref _applied, 1);
                return (removed + count, failure);
            }
            catch (Exception exception) when (exception is RedisException or ObjectDisposedException)
            {
                // Keep the first failure; the rest are drained so none goes unobserved.
                return (removed, failure ?? exception);
            }
        }

        private IEnumerable<RedisKey[]> Batches(IConnectionMultiplexer multiplexer)
        {
            // Outside a cluster every key has slot -1, so this is a single group.
            var bySlot = new Dictionary<int, List<RedisKey>>();
            foreach (var key in keys)
            {
                var slot = multiplexer.HashSlot(key);
                if (!bySlot.TryGetValue(slot, out var group))
                {
                    group = [];
                    bySlot[slot] = group;
                }

                group.Add(key);
                if (group.Count == BatchSize)
                {
                    yield return [.. group];
                    group.Clear();
                }
            }

            foreach (var group in bySlot.Values)
            {
                if (group.Count > 0)
                {
                    yield return [.. group];
                }
            }
        }
    }
}
