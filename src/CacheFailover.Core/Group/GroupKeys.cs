using System.Globalization;

namespace CacheFailover.Group;

/// <summary>
/// Where a group keeps its state in a cache: every key and channel under
/// <c>cachefailover:group:{name}:</c>, so nothing else in the user's keyspace is touched.
/// </summary>
/// <remarks>
/// The braces are a Redis Cluster hash tag: every key of one group hashes to the same slot, so the
/// scripts that change several of them at once (record and fence; fence and journal) run on one
/// node of a cluster instead of failing with CROSSSLOT. Outside a cluster they are plain characters.
/// </remarks>
public sealed class GroupKeys
{
    /// <summary>Longest group name.</summary>
    public const int MaxNameLength = 64;

    public GroupKeys(string group)
    {
        if (Problem(group) is { } problem)
        {
            throw new ArgumentException(problem, nameof(group));
        }

        Group = group;
        var prefix = "cachefailover:group:{" + group + "}:";
        Record = prefix + "record";
        Fence = prefix + "fence";
        Members = prefix + "members";
        Channel = prefix + "announce";
        JournalPrefix = prefix + "journal:";
    }

    public string Group { get; }

    /// <summary>A string key holding the record as JSON.</summary>
    public string Record { get; }

    /// <summary>A string set with the record while the group is failed over: <c>epoch|serving service</c>, what a fenced write must match (absent otherwise).</summary>
    public string Fence { get; }

    /// <summary>What <see cref="Fence"/> holds for a write at <paramref name="epoch"/> to <paramref name="serviceId"/>.</summary>
    public static string FenceValue(long epoch, string serviceId) => epoch.ToString(CultureInfo.InvariantCulture) + "|" + serviceId;

    /// <summary>A hash: member id → the member's heartbeat as JSON.</summary>
    public string Members { get; }

    /// <summary>The pub/sub channel record changes are announced on (the message is the version).</summary>
    public string Channel { get; }

    public string JournalPrefix { get; }

    /// <summary>The set of keys written at <paramref name="epoch"/> while this service served.</summary>
    public string Journal(long epoch) => JournalPrefix + epoch.ToString(CultureInfo.InvariantCulture);

    /// <summary>Set when that journal set reached its capacity and a key was left out (I5).</summary>
    public string JournalOverflow(long epoch) => Journal(epoch) + ":overflow";

    /// <summary>What is wrong with <paramref name="group"/> as a group name, or null.</summary>
    public static string? Problem(string? group)
    {
        if (string.IsNullOrEmpty(group))
        {
            return "The group name is empty; use 1 to 64 letters, digits, '-', '_' or '.'.";
        }

        if (group.Length > MaxNameLength || !group.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
        {
            return $"The group name must be 1 to {MaxNameLength} letters, digits, '-', '_' or '.' (got {group.Length} characters).";
        }

        return null;
    }
}
