using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using CacheFailover.Engine;

namespace CacheFailover.Group;

/// <summary>Who a member is: its id, and the host and process it runs in.</summary>
public sealed record GroupMemberIdentity(string MemberId, string Host, int Pid);

/// <summary>Where part of the failback journal lives: the set on <paramref name="ServiceId"/> for the writes of <paramref name="Epoch"/>.</summary>
public sealed record JournalLocation(string ServiceId, long Epoch);

/// <summary>
/// The failover group's one decision, kept on every reachable service of the group. Changed only
/// by a compare-and-set on <see cref="Version"/>: a store accepts a decision only when its own copy
/// is older, so two members deciding at once cannot both win on the same service (and a decision is
/// claimed on every reachable service in one order, so they meet on the first one). Where two
/// decisions still hold the same version on different services (a claim whose outcome was unknown),
/// <see cref="Outranks"/> settles which one every member and every service keeps.
/// </summary>
/// <param name="Version">Grows by one with every change of the record (the compare-and-set key).</param>
/// <param name="Epoch">The engine's epoch: grows by one with every switch of the serving service (I3).</param>
/// <param name="Status">The group's status.</param>
/// <param name="ServingServiceId">The service every member serves from.</param>
/// <param name="TargetServiceId">While recovering, the primary being switched back to.</param>
/// <param name="Reason">Why, in the decider's words.</param>
/// <param name="Trigger">What triggered the decision.</param>
/// <param name="DecidedBy">Which member decided.</param>
/// <param name="DecidedAt">When.</param>
/// <param name="Journal">Every journal set to reconcile on the primary before it serves again.</param>
/// <param name="DirtyReason">Why the primary must be flushed before it serves again, or null.</param>
public sealed record GroupRecord(
    long Version,
    long Epoch,
    FailoverStatus Status,
    string ServingServiceId,
    string? TargetServiceId,
    string Reason,
    FailoverTrigger Trigger,
    GroupMemberIdentity DecidedBy,
    DateTimeOffset DecidedAt,
    IReadOnlyList<JournalLocation> Journal,
    string? DirtyReason)
{
    /// <summary>
    /// Journal sets of failovers already failed back (reconciled on the primary) whose keys may still
    /// be on the backup that holds each set, because the clean-up after that failback has not been
    /// seen to finish. Before such a backup serves again, the member deciding it invalidates those keys
    /// there (a later failover must not serve what was written in an earlier one, I1, I2), and the
    /// next record drops them. Absent in records written before it existed: read as none.
    /// </summary>
    public IReadOnlyList<JournalLocation> Leftovers { get; init; } = [];

    /// <summary>
    /// What orders two records of the same version: when decided (UTC ticks), then by whom (the member
    /// id's UTF-8 bytes in hex: ASCII, so a store's byte-wise comparison and this one agree).
    /// </summary>
    [JsonIgnore]
    public string Rank => string.Create(CultureInfo.InvariantCulture, $"{DecidedAt.UtcTicks:D20}|{Convert.ToHexString(Encoding.UTF8.GetBytes(DecidedBy.MemberId))}");

    /// <summary>
    /// Whether this record replaces <paramref name="other"/> wherever both are seen: a newer version,
    /// or the same version with a higher <see cref="Rank"/> (two decisions that both claimed it).
    /// </summary>
    public bool Outranks(GroupRecord? other) =>
        other is null || Version > other.Version || (Version == other.Version && string.CompareOrdinal(Rank, other.Rank) > 0);

    public string ToJson() => JsonSerializer.Serialize(this, GroupJson.Default.GroupRecord);

    /// <summary>The record in <paramref name="json"/>, or null when it is not one (a store never trusts what it reads).</summary>
    public static GroupRecord? FromJson(string? json) => GroupJson.Parse(json, GroupJson.Default.GroupRecord);
}

/// <summary>One member's heartbeat: what it has adopted and whether it carries traffic.</summary>
/// <param name="Identity">Who.</param>
/// <param name="CarriesTraffic">False for a control-only member (an assistant's stdio server).</param>
/// <param name="AdoptedVersion">The newest record version it follows.</param>
/// <param name="AdoptedEpoch">Its epoch.</param>
/// <param name="ServingServiceId">The service it serves from.</param>
/// <param name="HeartbeatAt">When it wrote this.</param>
public sealed record GroupMember(
    GroupMemberIdentity Identity,
    bool CarriesTraffic,
    long AdoptedVersion,
    long AdoptedEpoch,
    string ServingServiceId,
    DateTimeOffset HeartbeatAt)
{
    public string ToJson() => JsonSerializer.Serialize(this, GroupJson.Default.GroupMember);

    /// <summary>The heartbeat in <paramref name="json"/>, or null when it is not one.</summary>
    public static GroupMember? FromJson(string? json) => GroupJson.Parse(json, GroupJson.Default.GroupMember);
}

/// <summary>What a journal set holds: its keys, and whether writes went past its capacity (then the primary is dirty, I5).</summary>
public sealed record JournalContents(IReadOnlyList<string> Keys, bool Overflowed);

/// <summary>
/// What a write to a backup carries so that the backup can refuse it when the group has moved on:
/// it lands (and is journaled) only while the service's record is at <paramref name="Epoch"/>,
/// failed over to <paramref name="ServiceId"/>.
/// </summary>
/// <param name="Epoch">The writer's epoch.</param>
/// <param name="ServiceId">The service the writer believes serves.</param>
/// <param name="JournalCapacity">Keys the journal set takes before it marks itself overflowed.</param>
public readonly record struct GroupFence(long Epoch, string ServiceId, int JournalCapacity);

[JsonSourceGenerationOptions(UseStringEnumConverter = true, PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(GroupRecord))]
[JsonSerializable(typeof(GroupMember))]
internal sealed partial class GroupJson : JsonSerializerContext
{
    /// <summary>What a cache holds, parsed, or null when it is empty or not valid (a store never trusts what it reads).</summary>
    public static T? Parse<T>(string? json, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type)
        where T : class
    {
        if (string.IsNullOrEmpty(json))
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize(json, type);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
