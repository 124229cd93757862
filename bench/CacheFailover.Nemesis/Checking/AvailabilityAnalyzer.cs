using CacheFailover.Nemesis.Faults;
using CacheFailover.Nemesis.History;

namespace CacheFailover.Nemesis.Checking;

/// <summary>How one fault affected the clients: the longest time without any successful operation while it lasted (and a grace period after), and the failures in that window.</summary>
public sealed record FaultAvailability(InjectedFault Fault, TimeSpan LongestGap, int Failures);

/// <summary>Failures by kind over the whole run, and per fault.</summary>
public sealed record AvailabilityResult(IReadOnlyDictionary<string, int> FailuresByKind, IReadOnlyList<FaultAvailability> PerFault, TimeSpan LongestGap);

/// <summary>Availability over a history: failures by kind, and the longest gap without a successful operation per fault.</summary>
public static class AvailabilityAnalyzer
{
    public static AvailabilityResult Analyze(IReadOnlyList<HistoryEntry> history, IReadOnlyList<InjectedFault> faults, TimeSpan grace)
    {
        ArgumentNullException.ThrowIfNull(history);
        ArgumentNullException.ThrowIfNull(faults);
        var successes = history.Where(e => e.Outcome == Outcome.Ok).Select(e => e.CompletedUs).Order().ToArray();
        var failures = history.Where(e => e.Outcome != Outcome.Ok).Select(e => e.CompletedUs).Order().ToArray();
        var byKind = history.Where(e => e.Outcome != Outcome.Ok)
            .GroupBy(e => e.Error ?? e.Outcome.ToString())
            .OrderByDescending(g => g.Count())
            .ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);

        var perFault = faults.Select(f =>
        {
            var end = f.EndedUs + (long)grace.TotalMicroseconds;
            return new FaultAvailability(f, TimeSpan.FromMicroseconds(LongestGapUs(successes, f.StartedUs, end)), CountIn(failures, f.StartedUs, end));
        }).ToArray();

        var first = history.Count == 0 ? 0 : history.Min(e => e.InvokedUs);
        var last = history.Count == 0 ? 0 : history.Max(e => e.CompletedUs);
        return new AvailabilityResult(byKind, perFault, TimeSpan.FromMicroseconds(LongestGapUs(successes, first, last)));
    }

    /// <summary>The longest stretch of [start, end] with no success completing in it (sorted successes).</summary>
    internal static long LongestGapUs(long[] successes, long start, long end)
    {
        var longest = 0L;
        var previous = start;
        for (var i = LowerBound(successes, start); i < successes.Length && successes[i] <= end; i++)
        {
            longest = Math.Max(longest, successes[i] - previous);
            previous = successes[i];
        }

        return Math.Max(longest, end - previous);
    }

    private static int CountIn(long[] sorted, long start, long end) => LowerBound(sorted, end + 1) - LowerBound(sorted, start);

    private static int LowerBound(long[] sorted, long value)
    {
        int low = 0, high = sorted.Length;
        while (low < high)
        {
            var middle = (low + high) / 2;
            if (sorted[middle] < value)
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
