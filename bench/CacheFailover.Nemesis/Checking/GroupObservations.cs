using CacheFailover.Engine;

namespace CacheFailover.Nemesis.Checking;

/// <summary>One epoch at which members served different services (the group split under one epoch).</summary>
public sealed record SplitEpoch(long Epoch, IReadOnlyDictionary<string, string> ServiceByMember, long FirstAtUs);

/// <summary>A member switched to a backup that had already served in the same failover episode (no failback in between).</summary>
public sealed record BackupReentry(string Member, long Epoch, string Backup, long AtUs);

/// <summary>
/// What the members' engine events say about the group as a whole: epochs at which members served
/// different services (F1), and switches back to a backup that served earlier in the same failover
/// episode (its values for keys written elsewhere meanwhile are older). Not violations by
/// themselves; they explain the reads the checker flags.
/// </summary>
public static class GroupObservations
{
    public static IReadOnlyList<SplitEpoch> SplitEpochs(IReadOnlyList<(long AtUs, string Member, FailoverEvent Event)> events)
    {
        ArgumentNullException.ThrowIfNull(events);
        return [.. events.Where(e => e.Event.Success && e.Event.ToServiceId is not null)
            .GroupBy(e => e.Event.Epoch)
            .Select(g => (Epoch: g.Key, ByMember: g.GroupBy(e => e.Member).ToDictionary(m => m.Key, m => m.Last().Event.ToServiceId!, StringComparer.Ordinal), First: g.Min(e => e.AtUs)))
            .Where(g => g.ByMember.Values.Distinct(StringComparer.Ordinal).Count() > 1)
            .OrderBy(g => g.Epoch)
            .Select(g => new SplitEpoch(g.Epoch, g.ByMember, g.First))];
    }

    public static IReadOnlyList<BackupReentry> Reentries(IReadOnlyList<(long AtUs, string Member, FailoverEvent Event)> events, string primary)
    {
        ArgumentNullException.ThrowIfNull(events);
        var found = new List<BackupReentry>();
        foreach (var member in events.Where(e => e.Event.Success && e.Event.ToServiceId is not null).GroupBy(e => e.Member))
        {
            var served = new HashSet<string>(StringComparer.Ordinal);
            foreach (var (atUs, _, e) in member.OrderBy(e => e.Event.Epoch))
            {
                if (e.ToServiceId == primary)
                {
                    served.Clear();
                    continue;
                }

                if (!served.Add(e.ToServiceId!))
                {
                    found.Add(new BackupReentry(member.Key, e.Epoch, e.ToServiceId!, atUs));
                }
            }
        }

        return found;
    }
}
