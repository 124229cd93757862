using CacheFailover.Engine;

namespace CacheFailover.Options;

/// <summary>Lists the options that differ between two sets, by wire name, in catalog order.</summary>
internal static class OptionsDiff
{
    public static IReadOnlyList<OptionChange> Compare(FailoverOptions old, FailoverOptions next)
    {
        var changes = new List<OptionChange>();
        foreach (var descriptor in FailoverOptionCatalog.All)
        {
            if (descriptor.Differs(old, next))
            {
                changes.Add(new OptionChange(descriptor.Name, descriptor.Read(old), descriptor.Read(next)));
            }
        }

        return changes;
    }
}
