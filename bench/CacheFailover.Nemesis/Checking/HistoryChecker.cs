using CacheFailover.Nemesis.History;

namespace CacheFailover.Nemesis.Checking;

/// <summary>
/// Checks a recorded history, key by key, for wrong answers (see <see cref="ViolationKind"/>).
/// </summary>
/// <remarks>
/// A cache may lose data: a failover to a backup that never held a key, or a server restarted
/// empty, turns a value into a miss. So a miss is never a violation (it is counted as
/// <see cref="CheckResult.MissesAfterAcknowledgedWrite"/> for information), and a list read may
/// lack elements. What a read must never do is return a value that is older than what the
/// history had settled before the read began. Every written value and pushed element is unique,
/// so the operation that produced it is known.
///
/// A value v written by W may be returned by read R unless some other write or delete X of the
/// key was acknowledged (ok), began after W's effect deadline and completed before R began: then
/// X certainly replaced v before R started. W's effect deadline is its completion when W was
/// acknowledged, and never when its outcome is unknown (it may land at any time), so values of
/// unknown writes and of writes concurrent with X or with R are allowed.
/// </remarks>
public static class HistoryChecker
{
    public static CheckResult Check(IReadOnlyList<HistoryEntry> history)
    {
        ArgumentNullException.ThrowIfNull(history);
        var violations = new List<Violation>();
        var misses = 0;
        var readsChecked = 0;
        var listReadsChecked = 0;
        foreach (var key in history.GroupBy(e => e.Key, StringComparer.Ordinal))
        {
            var ops = key.ToArray();
            var supersedes = new SupersedeIndex(ops);
            var producers = ops.Where(o => o.Kind is OperationKind.Write or OperationKind.Push && o.Value is not null)
                .GroupBy(o => o.Value!, StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);

            foreach (var read in ops.Where(o => o.Outcome == Outcome.Ok && o.Kind == OperationKind.Read))
            {
                readsChecked++;
                if (read.Value is null)
                {
                    misses += supersedes.AnyAcknowledgedWriteBefore(read.InvokedUs) ? 1 : 0;
                    continue;
                }

                CheckValue(read, read.Value, producers, supersedes, violations);
            }

            foreach (var read in ops.Where(o => o.Outcome == Outcome.Ok && o.Kind == OperationKind.ListRead))
            {
                listReadsChecked++;
                var seen = new HashSet<string>(StringComparer.Ordinal);
                foreach (var element in read.Elements ?? [])
                {
                    if (!seen.Add(element))
                    {
                        producers.TryGetValue(element, out var push);
                        violations.Add(new Violation(ViolationKind.AppliedTwice, read, element, push, "the element appears more than once: its RPUSH was applied twice"));
                        continue;
                    }

                    CheckValue(read, element, producers, supersedes, violations);
                }
            }
        }

        return new CheckResult(readsChecked, listReadsChecked, misses, violations);
    }

    private static void CheckValue(HistoryEntry read, string value, Dictionary<string, HistoryEntry> producers, SupersedeIndex supersedes, List<Violation> violations)
    {
        if (!producers.TryGetValue(value, out var producer))
        {
            violations.Add(new Violation(ViolationKind.PhantomValue, read, value, null, "no operation wrote this value to this key"));
            return;
        }

        if (producer.InvokedUs > read.CompletedUs)
        {
            violations.Add(new Violation(ViolationKind.PhantomValue, read, value, producer, "the write of this value began only after the read had completed"));
            return;
        }

        if (producer.Outcome == Outcome.Failed)
        {
            violations.Add(new Violation(ViolationKind.FailedWriteApplied, read, value, producer, $"the write of this value was reported as failed and not applied ({producer.Error})"));
            return;
        }

        if (supersedes.LatestReplacing(producer, read) is { } replacing)
        {
            var kind = replacing.Kind == OperationKind.Delete ? ViolationKind.Resurrection : ViolationKind.StaleRead;
            var what = replacing.Kind == OperationKind.Delete ? "an acknowledged delete" : $"an acknowledged {replacing.Kind.ToString().ToUpperInvariant()} of {replacing.Value}";
            violations.Add(new Violation(kind, read, value, replacing, $"{what} began after this value's write completed and completed before the read began"));
        }
    }

    /// <summary>One key's acknowledged writes and deletes, ordered by invocation, for "what replaced v before R began".</summary>
    private sealed class SupersedeIndex
    {
        private readonly Ordered _writesAndDeletes;
        private readonly Ordered _deletes;
        private readonly long _firstWriteCompletedUs;

        public SupersedeIndex(HistoryEntry[] ops)
        {
            var acknowledged = ops.Where(o => o.IsWrite && o.Outcome == Outcome.Ok).ToArray();
            _writesAndDeletes = new Ordered(acknowledged);
            _deletes = new Ordered(acknowledged.Where(o => o.Kind == OperationKind.Delete));
            _firstWriteCompletedUs = acknowledged.Where(o => o.Kind != OperationKind.Delete).Select(o => o.CompletedUs).DefaultIfEmpty(long.MaxValue).Min();
        }

        public bool AnyAcknowledgedWriteBefore(long us) => _firstWriteCompletedUs < us;

        /// <summary>
        /// The acknowledged write or delete that replaced <paramref name="producer"/>'s value most
        /// recently before <paramref name="read"/> began, or null when none did. A push does not
        /// replace the other elements of its list, so only deletes count against an element.
        /// </summary>
        public HistoryEntry? LatestReplacing(HistoryEntry producer, HistoryEntry read)
        {
            var deadline = producer.EffectDeadlineUs;
            if (deadline == long.MaxValue)
            {
                return null;
            }

            var candidates = producer.Kind == OperationKind.Push ? _deletes : _writesAndDeletes;
            HistoryEntry? latest = null;
            for (var i = candidates.FirstInvokedAfter(deadline); i < candidates.Entries.Length && candidates.Entries[i].InvokedUs < read.InvokedUs; i++)
            {
                var candidate = candidates.Entries[i];
                if (candidate.Id != producer.Id && candidate.CompletedUs < read.InvokedUs && (latest is null || candidate.CompletedUs > latest.CompletedUs))
                {
                    latest = candidate;
                }
            }

            return latest;
        }
    }

    /// <summary>Operations ordered by invocation time.</summary>
    private sealed class Ordered
    {
        public Ordered(IEnumerable<HistoryEntry> entries) => Entries = [.. entries.OrderBy(o => o.InvokedUs)];

        public HistoryEntry[] Entries { get; }

        /// <summary>The index of the first operation invoked strictly after <paramref name="us"/>.</summary>
        public int FirstInvokedAfter(long us)
        {
            int low = 0, high = Entries.Length;
            while (low < high)
            {
                var middle = (low + high) / 2;
                if (Entries[middle].InvokedUs <= us)
                {
                    low = middle + 1;
                }
                else
                {
                    high = middle;
                }
            }

            return low;
        }
    }
}

/// <summary>What the checker found.</summary>
/// <param name="ReadsChecked">Acknowledged string reads checked.</param>
/// <param name="ListReadsChecked">Acknowledged list reads checked.</param>
/// <param name="MissesAfterAcknowledgedWrite">String reads that missed although a write of the key had been acknowledged before: data a failover or a restart lost (allowed for a cache).</param>
/// <param name="Violations">Every wrong answer.</param>
public sealed record CheckResult(int ReadsChecked, int ListReadsChecked, int MissesAfterAcknowledgedWrite, IReadOnlyList<Violation> Violations)
{
    public int Count(ViolationKind kind) => Violations.Count(v => v.Kind == kind);

    public int StaleReads => Count(ViolationKind.StaleRead);

    public int Resurrections => Count(ViolationKind.Resurrection);

    /// <summary>Phantom values, effects of operations reported as not applied, and operations applied twice.</summary>
    public int DishonestResults => Count(ViolationKind.PhantomValue) + Count(ViolationKind.FailedWriteApplied) + Count(ViolationKind.AppliedTwice);

    public bool Passed => Violations.Count == 0;
}
