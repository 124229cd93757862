using System.Globalization;
using CacheFailover.Backends;
using CacheFailover.Group;
using CacheFailover.Services;
using CacheFailover.Telemetry;
using Microsoft.Extensions.Logging;

namespace CacheFailover.Engine;

/// <summary>How a claim on the group's record ended.</summary>
internal enum ClaimOutcome
{
    /// <summary>The record is this member's decision now.</summary>
    Won,

    /// <summary>Another member's decision got there first; it has been adopted (or will be, once the caller's switch ends).</summary>
    Lost,

    /// <summary>The decisive service could not take the record; nothing changed.</summary>
    Unavailable,
}

/// <summary>
/// This engine as a member of a failover group: it keeps the group's record on every reachable
/// service, claims it for this member's decisions (a compare-and-set on the version, on the
/// service the decision is about), follows the decisions of others (announced on pub/sub,
/// re-read every probe round), heals services whose copy is older, fences writes to a backup
/// with the epoch, and heartbeats what it has adopted.
/// </summary>
/// <remarks>
/// A service whose backend keeps no group state has no store here: decisions about it are this
/// member's alone, as before groups.
/// </remarks>
internal sealed class GroupCoordinator : IAsyncDisposable
{
    private readonly Lock _lock = new();
    private readonly Lock _adoptLock = new();
    private readonly Dictionary<CacheService, IGroupStore> _stores = [];
    private readonly FailoverController _controller;
    private readonly ServiceRegistry _registry;
    private readonly FailoverEvents _events;
    private readonly EngineOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private GroupRecord? _record;
    private GroupRecord? _pending;
    private volatile bool _heardDuringSwitch;
    private volatile bool _disposed;
    private DateTimeOffset? _lastRefreshAt;
    private IReadOnlyList<string> _divergence = [];

    public GroupCoordinator(FailoverGroupOptions group, FailoverController controller, ServiceRegistry registry, FailoverEvents events, EngineOptions options, TimeProvider time, ILogger logger)
    {
        Keys = new GroupKeys(group.Name);
        Me = new GroupMemberIdentity(group.MemberId ?? DefaultMemberId(), Environment.MachineName, Environment.ProcessId);
        CarriesTraffic = group.CarriesTraffic;
        _controller = controller;
        _registry = registry;
        _events = events;
        _options = options;
        _time = time;
        _logger = logger;
    }

    public GroupKeys Keys { get; }

    public string Name => Keys.Group;

    public GroupMemberIdentity Me { get; }

    public bool CarriesTraffic { get; }

    /// <summary>The newest record this member knows of.</summary>
    public GroupRecord? Record
    {
        get
        {
            lock (_lock)
            {
                return _record;
            }
        }
    }

    /// <summary>The journal sets of the failover in progress (carried over by a cascade), empty when the primary serves.</summary>
    /// <summary>The record's <see cref="GroupRecord.Leftovers"/>: sets of earlier failovers whose keys may still be on their backups.</summary>
    public IReadOnlyList<JournalLocation> Leftovers => Record?.Leftovers ?? [];

    public IReadOnlyList<JournalLocation> JournalSoFar => Record is { Status: FailoverStatus.FailedOver or FailoverStatus.Recovering or FailoverStatus.FailingOver } record ? record.Journal : [];

    public void Attach(CacheService service)
    {
        if (service.Backend is not IGroupStoreProvider provider || provider.OpenGroupStore(Name) is not { } store)
        {
            return;
        }

        store.RecordAnnounced += version => OnAnnounced(service, version);
        lock (_lock)
        {
            _stores[service] = store;
        }
    }

    public async ValueTask DetachAsync(CacheService service)
    {
        IGroupStore? store;
        lock (_lock)
        {
            _stores.Remove(service, out store);
        }

        if (store is not null)
        {
            await store.DisposeAsync();
        }
    }

    public IGroupStore? StoreOf(CacheService service)
    {
        lock (_lock)
        {
            return _stores.GetValueOrDefault(service);
        }
    }

    /// <summary>What a write to <paramref name="service"/> at <paramref name="epoch"/> carries so that the service refuses it once the group moved on.</summary>
    public GroupFence FenceFor(long epoch, CacheService service) => new(epoch, service.Id, _options.Current.JournalCapacity);

    /// <summary>The record this member proposes next: one version after the newest it knows.</summary>
    public GroupRecord Propose(FailoverStatus status, long epoch, CacheService serving, CacheService? target, string reason, FailoverTrigger trigger, IReadOnlyList<JournalLocation> journal, string? dirtyReason)
        => new((Record?.Version ?? 0) + 1, epoch, status, serving.Id, target?.Id, reason, trigger, Me, _time.GetUtcNow(), journal, dirtyReason) { Leftovers = Leftovers };

    /// <summary>
    /// Claims the record for <paramref name="next"/>: a compare-and-set on every service this member
    /// can use, one after another in the registry's order (primary first), up to and including
    /// <paramref name="decisive"/> (the service the decision hands traffic to, or takes it from).
    /// Lost as soon as one service already holds this version or a newer one; once won, spreads the
    /// record to the services it skipped and to those after the decisive one, without waiting. <paramref name="leaving"/>, the service a failover
    /// moves traffic away from, is skipped: it may be hung, and every member deciding that failover
    /// leaves the same one.
    /// </summary>
    /// <remarks>
    /// One order for every member is what makes two decisions taken at the same moment meet: both
    /// try the same first usable service (neither decisive service comes before it), one wins
    /// there, and the other stops before it has written anywhere the first has not (on its own decisive service alone, both would win, each on its
    /// own backup, and the group would serve two datasets). A service this member counts unhealthy
    /// is skipped rather than waited on, and so is one that does not answer; only
    /// <paramref name="decisive"/> must take the claim. Members whose views of
    /// health differ may still both win, each where the other skipped: <see cref="GroupRecord.Outranks"/>
    /// then settles the group on one of the two at the next probe round at the latest.
    /// </remarks>
    public async Task<(ClaimOutcome Outcome, string? Error)> ClaimAsync(GroupRecord next, CacheService decisive, CacheService? leaving = null, CancellationToken cancellationToken = default)
    {
        if (StoreOf(decisive) is null)
        {
            Remember(next);
            return (ClaimOutcome.Won, null);
        }

        var skipped = new List<CacheService>();
        var decided = false;
        foreach (var (service, store) in StoresInClaimOrder())
        {
            var required = service == decisive;
            if (decided || (!required && (service == leaving || service.Health.Evaluate(_options.Current) == ServiceHealth.Unhealthy)))
            {
                skipped.Add(service);
                continue;
            }

            bool won;
            try
            {
                won = await WithDeadlineAsync(store.TryWriteRecordAsync(next, RecordWrite.Claim, cancellationToken), cancellationToken);
            }
            catch (Exception ex) when (ex is CacheBackendException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                if (required)
                {
                    return (ClaimOutcome.Unavailable, $"'{decisive.Id}' could not record the group's decision: {ex.Message}");
                }

                Log.GroupCallFailed(_logger, Name, "claiming the record", service.Id, ex.Message);
                skipped.Add(service);
                continue;
            }

            if (!won)
            {
                return await LoseClaimAsync(service, store, cancellationToken);
            }

            decided = required;
        }

        Remember(next);
        _ = SpreadToAsync(next, skipped);
        return (ClaimOutcome.Won, null);
    }

    /// <summary>A claim met a service holding the same version or newer: reads what won there, to follow it once the caller's switch has ended.</summary>
    private async Task<(ClaimOutcome Outcome, string? Error)> LoseClaimAsync(CacheService service, IGroupStore store, CancellationToken cancellationToken)
    {
        GroupRecord? theirs = null;
        try
        {
            theirs = await WithDeadlineAsync(store.ReadRecordAsync(cancellationToken), cancellationToken);
        }
        catch (Exception ex) when (ex is CacheBackendException or OperationCanceledException)
        {
            Log.GroupCallFailed(_logger, Name, "reading the record after a lost claim", service.Id, ex.Message);
        }

        lock (_lock)
        {
            // Adopted when the caller's switch has ended (AdoptPending).
            if (theirs is not null && theirs.Outranks(_pending))
            {
                _pending = theirs;
            }
        }

        return (ClaimOutcome.Lost, theirs is null
            ? $"another member of group '{Name}' changed the record on '{service.Id}' first."
            : $"member {theirs.DecidedBy.MemberId} ({theirs.DecidedBy.Host}, pid {theirs.DecidedBy.Pid}) decided first: {theirs.Status.ToWireName()} at epoch {theirs.Epoch}, '{theirs.ServingServiceId}' serving ({theirs.Reason}).");
    }

    /// <summary>Makes <paramref name="record"/> this member's and writes it to every service that holds an older copy, without waiting (when a claim could not be made on the decisive service).</summary>
    public void Publish(GroupRecord record)
    {
        Remember(record);
        _ = SpreadToAsync(record, [.. Stores().Select(pair => pair.Key)]);
    }

    /// <summary>Every key in the journal sets at <paramref name="locations"/>, and the first overflow found (I5); throws when a set cannot be read.</summary>
    public async Task<(List<string> Keys, string? Overflow)> ReadJournalsAsync(IReadOnlyList<JournalLocation> locations, CancellationToken cancellationToken)
    {
        var keys = new List<string>();
        string? overflow = null;
        foreach (var location in locations)
        {
            if (_registry.Find(location.ServiceId) is not { } service || StoreOf(service) is not { } store)
            {
                throw new CacheBackendException(CacheFailureKind.Connection, OperationOutcome.NotApplied, $"the group's journal for epoch {location.Epoch} is on '{location.ServiceId}', which this member cannot read (not registered here, or it keeps no group state)");
            }

            var contents = await WithDeadlineAsync(store.ReadJournalAsync(location.Epoch, cancellationToken), cancellationToken);
            keys.AddRange(contents.Keys);
            if (contents.Overflowed)
            {
                overflow ??= $"the group's journal on '{location.ServiceId}' for epoch {location.Epoch} overflowed journal_capacity";
            }
        }

        return (keys, overflow);
    }

    /// <summary>Drops the journal sets at <paramref name="locations"/> once the primary has been reconciled, without failing.</summary>
    public async Task DropJournalsAsync(IReadOnlyList<JournalLocation> locations)
    {
        foreach (var location in locations)
        {
            if (_registry.Find(location.ServiceId) is { } service && StoreOf(service) is { } store)
            {
                await BestEffortAsync(service, "dropping a journal set", store.DropJournalAsync(location.Epoch, CancellationToken.None), CancellationToken.None);
            }
        }
    }

    /// <summary>After a lost claim, once the caller's switch has ended: follows the record that won.</summary>
    public void AdoptPending()
    {
        GroupRecord? pending;
        lock (_lock)
        {
            pending = _pending;
            _pending = null;
            _heardDuringSwitch = false;
        }

        if (pending is not null)
        {
            Adopt(pending);
        }
    }

    /// <summary>
    /// Reads the record on every service (each within the probe timeout), follows the newest, and
    /// writes it to the services holding an older copy or none. Called on start and every probe round.
    /// </summary>
    public async Task RefreshAsync(CancellationToken cancellationToken = default)
    {
        var stores = Stores();
        var reads = stores.Select(pair => ReadAsync(pair.Key, pair.Value, cancellationToken)).ToArray();
        var copies = await Task.WhenAll(reads);
        GroupRecord? newest = null;
        foreach (var copy in copies)
        {
            if (copy.Record is { } record && record.Outranks(newest))
            {
                newest = record;
            }
        }

        if (newest is not null)
        {
            Adopt(newest);
        }

        var known = Record;
        var divergence = new List<string>();
        foreach (var (service, record, error) in copies)
        {
            if (error is not null)
            {
                divergence.Add($"'{service.Id}' unreachable ({error})");
                continue;
            }

            if (known is not null && known.Outranks(record))
            {
                _ = HealAsync(service, known);
            }
        }

        if (known is not null && stores.Count > 0 && _registry.Find(known.ServingServiceId) is { } serving && copies.FirstOrDefault(c => c.Service == serving).Error is { } servingError)
        {
            divergence.Add($"the record's serving service '{serving.Id}' is unreachable from this member ({servingError}): members that reach it may serve a different dataset");
        }

        lock (_lock)
        {
            _lastRefreshAt = _time.GetUtcNow();
            _divergence = divergence;
        }
    }

    /// <summary>
    /// A fenced write was refused by <paramref name="service"/>: follows its newer record, or gives it
    /// this member's record when its own copy is older (a restarted cache). True when the write may
    /// go again; false when the service's record cannot be read or restored.
    /// </summary>
    public async Task<bool> ResolveFenceAsync(CacheService service, CancellationToken cancellationToken)
    {
        var store = StoreOf(service);
        if (store is null)
        {
            return false;
        }

        var copy = await ReadAsync(service, store, cancellationToken);
        var known = Record;
        if (copy.Record is { } theirs && theirs.Outranks(known))
        {
            // Followed now, or by an announcement that got there first: either way the write can go again.
            Adopt(theirs);
            return Record is { } now && !theirs.Outranks(now);
        }

        if (known is not null && known.Outranks(copy.Record))
        {
            return await HealAsync(service, known);
        }

        // The same record as this member follows: it was followed between the write and its refusal,
        // so the write goes again on what it says (the caller's attempt budget bounds this).
        return copy.Record is not null && known is not null && copy.Record.Version == known.Version;
    }

    /// <summary>Writes this member's heartbeat (what it follows) on every service, without failing.</summary>
    public async Task HeartbeatAsync(CancellationToken cancellationToken = default)
    {
        var state = _controller.Current;
        var member = new GroupMember(Me, CarriesTraffic, Record?.Version ?? 0, state.Epoch, state.Active.Id, _time.GetUtcNow());
        var writes = Stores().Select(pair => BestEffortAsync(pair.Key, "writing the heartbeat", pair.Value.WriteMemberAsync(member, cancellationToken), cancellationToken));
        await Task.WhenAll(writes);
    }

    /// <summary>
    /// Waits until every live member follows version <paramref name="version"/>, at most
    /// <paramref name="timeout"/>; returns the members that do not yet.
    /// </summary>
    public async Task<IReadOnlyList<GroupMember>> WaitForAdoptionAsync(long version, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var deadline = _time.GetTimestamp() + (long)(timeout.TotalSeconds * _time.TimestampFrequency);
        while (true)
        {
            var lagging = (await ReadMembersAsync(cancellationToken)).Where(m => IsLive(m) && m.Identity.MemberId != Me.MemberId && m.AdoptedVersion < version).ToList();
            if (lagging.Count == 0 || _time.GetTimestamp() >= deadline)
            {
                return lagging;
            }

            await Task.Delay(EngineTimings.GroupAdoptionPoll, _time, cancellationToken);
        }
    }

    /// <summary>
    /// The decider's half of a handover: waits until every live member that carries traffic follows
    /// the failing_over record <paramref name="version"/> (and so holds its operations), at most
    /// <see cref="HandoverAckWait"/>; returns the members that do not yet. A member that hears no
    /// announcement reads the record at its next probe round, which the wait covers when the probe
    /// interval is short enough (docs/group.md, "Handing over").
    /// </summary>
    /// <remarks>
    /// The heartbeats are read on <paramref name="candidate"/> alone: it has just taken a write, while
    /// the service left may hang (every member heartbeats to every service it reaches; one that cannot
    /// reach the candidate cannot serve it either, and is not waited for).
    /// </remarks>
    public async Task<IReadOnlyList<GroupMember>> WaitForHandoverAsync(long version, CacheService candidate)
    {
        var deadline = _time.GetTimestamp() + (long)(HandoverAckWait.TotalSeconds * _time.TimestampFrequency);
        while (true)
        {
            IReadOnlyList<GroupMember> members;
            try
            {
                members = StoreOf(candidate) is { } store ? await WithDeadlineAsync(store.ReadMembersAsync(CancellationToken.None), CancellationToken.None) : [];
            }
            catch (Exception ex) when (ex is CacheBackendException or OperationCanceledException)
            {
                Log.GroupCallFailed(_logger, Name, "reading the members' heartbeats", candidate.Id, ex.Message);
                return [];
            }

            var lagging = members.Where(m => m.CarriesTraffic && IsLive(m) && m.Identity.MemberId != Me.MemberId && m.AdoptedVersion < version).ToList();
            if (lagging.Count == 0 || _time.GetTimestamp() >= deadline)
            {
                return lagging;
            }

            await Task.Delay(EngineTimings.GroupAdoptionPoll, _time);
        }
    }

    /// <summary>How long a handover waits for the members to hold: one probe interval and timeout (a deaf member's next read of the record), at most <see cref="EngineTimings.HandoverAckLimit"/>.</summary>
    public TimeSpan HandoverAckWait => TimeSpan.FromSeconds(Math.Min(EngineTimings.HandoverAckLimit.TotalSeconds, _options.Current.HealthCheckIntervalSeconds + _options.Current.HealthCheckTimeoutSeconds));

    /// <summary>How long a member holds for another's handover before it takes it back (the decider may have died): the decider's wait plus its three bounded calls.</summary>
    public TimeSpan HandoverTakeBackAfter => HandoverAckWait + (3 * _options.Current.HealthCheckTimeout);

    /// <summary>Every member's newest heartbeat, over all reachable services.</summary>
    public async Task<IReadOnlyList<GroupMember>> ReadMembersAsync(CancellationToken cancellationToken = default)
    {
        var reads = Stores().Select(async pair =>
        {
            try
            {
                return await WithDeadlineAsync(pair.Value.ReadMembersAsync(cancellationToken), cancellationToken);
            }
            catch (Exception ex) when (ex is CacheBackendException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                return (IReadOnlyList<GroupMember>)[];
            }
        });
        var all = await Task.WhenAll(reads);
        return [.. all.SelectMany(m => m).GroupBy(m => m.Identity.MemberId).Select(g => g.MaxBy(m => m.HeartbeatAt)!).OrderBy(m => m.Identity.MemberId, StringComparer.Ordinal)];
    }

    /// <summary>
    /// True from when another member's decision was heard while a switch of this member ran (and
    /// could not be followed then) until it is followed: this member's serving service may be one
    /// the group has left, so operations wait for the switch to end instead of going there.
    /// One volatile read: the hot path pays nothing else.
    /// </summary>
    public bool HeardDecisionDuringSwitch => _heardDuringSwitch;

    /// <summary>A member whose heartbeat is younger than <see cref="EngineTimings.MemberLostAfter"/> probe intervals (at least the floor).</summary>
    public bool IsLive(GroupMember member) => _time.GetUtcNow() - member.HeartbeatAt <= LostAfter;

    public TimeSpan LostAfter => TimeSpan.FromSeconds(Math.Max(EngineTimings.MemberLostFloor.TotalSeconds, _options.Current.HealthCheckIntervalSeconds * EngineTimings.MemberLostAfter));

    /// <summary>The group as this member sees it, for the status tool.</summary>
    public async Task<GroupSnapshot> SnapshotAsync(CancellationToken cancellationToken = default)
    {
        var members = await ReadMembersAsync(cancellationToken);
        var record = Record;
        IReadOnlyList<string> divergence;
        DateTimeOffset? refreshed;
        lock (_lock)
        {
            divergence = _divergence;
            refreshed = _lastRefreshAt;
        }

        var views = members.Select(m => new GroupMemberSnapshot(
            m.Identity.MemberId,
            m.Identity.Host,
            m.Identity.Pid,
            m.CarriesTraffic,
            m.AdoptedVersion,
            m.AdoptedEpoch,
            m.ServingServiceId,
            m.HeartbeatAt,
            Live: IsLive(m),
            Lagging: record is not null && m.AdoptedVersion < record.Version,
            IsThisMember: m.Identity.MemberId == Me.MemberId)).ToArray();
        return new GroupSnapshot(Name, Me.MemberId, CarriesTraffic, record, views, divergence, refreshed);
    }

    /// <summary>Removes this member's heartbeat everywhere (a process that ends leaves; one that is killed goes silent and is shown lost).</summary>
    public async Task LeaveAsync()
    {
        using var giveUp = new CancellationTokenSource();
        var removals = Task.WhenAll(Stores().Select(pair => BestEffortAsync(pair.Key, "leaving the group", pair.Value.RemoveMemberAsync(Me.MemberId, giveUp.Token), giveUp.Token)));

        // On the system clock, not the engine's: this runs while the process ends, a hung cache must
        // not hold that up, and an injected test clock does not move during a shutdown.
        if (await Task.WhenAny(removals, Task.Delay(_options.Current.HealthCheckTimeout, TimeProvider.System)) != removals)
        {
            await giveUp.CancelAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        IGroupStore[] stores;
        _disposed = true;
        lock (_lock)
        {
            stores = [.. _stores.Values];
            _stores.Clear();
        }

        foreach (var store in stores)
        {
            await store.DisposeAsync();
        }
    }

    /// <summary>
    /// Follows <paramref name="theirs"/> when it is newer than what this member knows: the
    /// controller takes its status, epoch and serving service, and the change is recorded as an
    /// event attributed to the member that decided. False when it is not newer or cannot be followed yet.
    /// </summary>
    public bool Adopt(GroupRecord theirs)
    {
        FailoverEvent? adopted;
        GroupRecord? replacedRival;

        // One adoption at a time: the same record arrives from several services at once (each
        // announces it), and must be followed, and recorded as an event, once.
        lock (_adoptLock)
        {
            var known = Record;
            if (!theirs.Outranks(known))
            {
                return false;
            }

            if (theirs.DecidedBy.MemberId == Me.MemberId && theirs.Epoch <= _controller.Current.Epoch && theirs.ServingServiceId == _controller.Current.Active.Id)
            {
                // This member's own decision (read back, or from before a restart with the same id).
                Remember(theirs);
                return true;
            }

            if (_registry.Find(theirs.ServingServiceId) is not { } serving)
            {
                Log.GroupUnknownService(_logger, Name, theirs.Version, theirs.ServingServiceId);
                return false;
            }

            var before = _controller.Current;
            if (!_controller.TryAdopt(theirs.Status, theirs.Epoch, serving, theirs.Trigger == FailoverTrigger.Manual))
            {
                // A switch of this member runs. Its claim settles most cases (a lost claim adopts the
                // winner), but a switch that ends without a claim (no candidate could serve) must still
                // follow what was heard meanwhile, at once: the announcement will not come again, and
                // until the next probe round this member would serve the service the group left.
                if (theirs.Epoch >= before.Epoch)
                {
                    lock (_lock)
                    {
                        if (theirs.Outranks(_pending))
                        {
                            _pending = theirs;
                            _heardDuringSwitch = true;
                        }
                    }
                }

                return false;
            }

            Remember(theirs);
            replacedRival = known is not null && known.Version == theirs.Version ? known : null;
            adopted = before.Active == serving
                ? null
                : new FailoverEvent(
                    _events.NextId(), serving.IsPrimary ? FailoverEventKind.Recovery : FailoverEventKind.Failover, theirs.Epoch, theirs.Trigger, before.Active.Id, serving.Id, theirs.Reason, theirs.DecidedAt, null, TimeSpan.Zero, true, null, 0, theirs.Trigger != FailoverTrigger.Manual)
                {
                    DecidedBy = theirs.DecidedBy,
                };
        }

        Log.GroupAdopted(_logger, Name, theirs.DecidedBy.MemberId, theirs.DecidedBy.Host, theirs.DecidedBy.Pid, theirs.Status.ToWireName(), theirs.Epoch, theirs.ServingServiceId, theirs.Reason);
        if (adopted is not null)
        {
            _events.Record(adopted);
        }

        if (replacedRival is not null)
        {
            _ = CarryJournalOverAsync(replacedRival, theirs);
        }

        _ = HeartbeatAsync();
        if (theirs.Status == FailoverStatus.FailingOver)
        {
            _ = WatchHandoverAsync(theirs.Version);
        }

        return true;
    }

    /// <summary>
    /// While this member holds for another member's handover, it reads the record itself every
    /// <see cref="EngineTimings.GroupAdoptionPoll"/>: it does not count on hearing the end announced
    /// (a member that missed the start most likely misses the end too), and until then no operation
    /// of it runs. Ends when the record moves on, or when a take-back is due (the probe round's job).
    /// </summary>
    private async Task WatchHandoverAsync(long version)
    {
        var giveUpAt = _time.GetTimestamp() + (long)(HandoverTakeBackAfter.TotalSeconds * _time.TimestampFrequency);
        while (!_disposed && Record is { Status: FailoverStatus.FailingOver } held && held.Version == version && _time.GetTimestamp() < giveUpAt)
        {
            await Task.Delay(EngineTimings.GroupAdoptionPoll, _time);

            // On the service taking over: the decider claims its next record there first (the service
            // left may hang, and is not waited on). Without a target, every service.
            var watched = held.TargetServiceId is { } target && _registry.Find(target) is { } service && StoreOf(service) is { } store
                ? [new KeyValuePair<CacheService, IGroupStore>(service, store)]
                : Stores();
            var copies = await Task.WhenAll(watched.Select(pair => ReadAsync(pair.Key, pair.Value, CancellationToken.None)));
            if (copies.Select(c => c.Record).OfType<GroupRecord>().Aggregate((GroupRecord?)null, (newest, r) => r.Outranks(newest) ? r : newest) is { } record)
            {
                Adopt(record);
            }
        }
    }

    /// <summary>
    /// <paramref name="replaced"/> gave way to <paramref name="winner"/>, a rival decision of the same
    /// version: the members that served under it journaled their writes in sets the winner does not
    /// list. They go into the next version of the record, so that failback reconciles them too (F2).
    /// </summary>
    private async Task CarryJournalOverAsync(GroupRecord replaced, GroupRecord winner)
    {
        var missing = replaced.Journal.Where(location => !winner.Journal.Contains(location)).ToList();
        if (missing.Count == 0)
        {
            return;
        }

        if (winner.Status != FailoverStatus.FailedOver || _registry.Find(winner.ServingServiceId) is not { } serving)
        {
            Log.GroupJournalNotCarried(_logger, Name, winner.Version, string.Join(", ", missing.Select(l => $"{l.ServiceId}@{l.Epoch}")), winner.Status.ToWireName());
            return;
        }

        // Off the adoption's own stack: the claim announces, and announcements adopt.
        await Task.Yield();
        var next = winner with
        {
            Version = winner.Version + 1,
            Journal = [.. winner.Journal, .. missing],
            DecidedBy = Me,
            DecidedAt = _time.GetUtcNow(),
            Reason = $"{winner.Reason} (with the journal of a concurrent decision by {replaced.DecidedBy.MemberId})",
        };
        if ((await ClaimAsync(next, serving)).Outcome == ClaimOutcome.Lost)
        {
            AdoptPending();
        }
    }

    private void OnAnnounced(CacheService service, long version)
    {
        // The same version is read too: it may be a rival decision of that version (see Outranks).
        if (Record is { } known && version < known.Version)
        {
            return;
        }

        _ = FollowAsync();

        async Task FollowAsync()
        {
            if (StoreOf(service) is not { } store)
            {
                return;
            }

            var copy = await ReadAsync(service, store, CancellationToken.None);
            if (copy.Record is { } record)
            {
                Adopt(record);
            }
        }
    }

    private void Remember(GroupRecord record)
    {
        lock (_lock)
        {
            if (record.Outranks(_record))
            {
                _record = record;
            }
        }
    }

    private List<KeyValuePair<CacheService, IGroupStore>> Stores()
    {
        lock (_lock)
        {
            return [.. _stores];
        }
    }

    private async Task<(CacheService Service, GroupRecord? Record, string? Error)> ReadAsync(CacheService service, IGroupStore store, CancellationToken cancellationToken)
    {
        try
        {
            return (service, await WithDeadlineAsync(store.ReadRecordAsync(cancellationToken), cancellationToken), null);
        }
        catch (Exception ex) when (ex is CacheBackendException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            Log.GroupCallFailed(_logger, Name, "reading the record", service.Id, ex.Message);
            return (service, null, ex.Message);
        }
    }

    private async Task SpreadToAsync(GroupRecord record, IReadOnlyList<CacheService> services)
    {
        await Task.WhenAll(services.Select(service => HealAsync(service, record)));
        await HeartbeatAsync();
    }

    /// <summary>The stores in the registry's order (primary first, then the backups as registered): the order every member claims in.</summary>
    private List<(CacheService Service, IGroupStore Store)> StoresInClaimOrder()
    {
        lock (_lock)
        {
            return [.. _registry.All.Where(_stores.ContainsKey).Select(service => (service, _stores[service]))];
        }
    }

    private async Task<bool> HealAsync(CacheService service, GroupRecord record)
    {
        if (StoreOf(service) is not { } store)
        {
            return false;
        }

        try
        {
            return await WithDeadlineAsync(store.TryWriteRecordAsync(record, RecordWrite.Spread, CancellationToken.None), CancellationToken.None);
        }
        catch (Exception ex) when (ex is CacheBackendException or OperationCanceledException)
        {
            Log.GroupCallFailed(_logger, Name, "writing the record", service.Id, ex.Message);
            return false;
        }
    }

    private async Task BestEffortAsync(CacheService service, string what, ValueTask call, CancellationToken cancellationToken)
    {
        try
        {
            await WithDeadlineAsync(AsBool(call), cancellationToken);
        }
        catch (Exception ex) when (ex is CacheBackendException or OperationCanceledException)
        {
            Log.GroupCallFailed(_logger, Name, what, service.Id, ex.Message);
        }
    }

    /// <summary>Every group call is bounded by the probe timeout: the caches are the medium, and a hung one must not hold a decision.</summary>
    private async ValueTask<T> WithDeadlineAsync<T>(ValueTask<T> pending, CancellationToken cancellationToken)
    {
        if (pending.IsCompletedSuccessfully)
        {
            return pending.Result;
        }

        var task = pending.AsTask();
        try
        {
            return await task.WaitAsync(_options.Current.HealthCheckTimeout, _time, cancellationToken);
        }
        catch (TimeoutException)
        {
            ServiceProber.ObserveLater(task);
            throw new CacheBackendException(CacheFailureKind.Timeout, OperationOutcome.Unknown, string.Create(CultureInfo.InvariantCulture, $"no answer within health_check_timeout_seconds = {_options.Current.HealthCheckTimeoutSeconds}"));
        }
    }

    private static async ValueTask<bool> AsBool(ValueTask pending)
    {
        await pending;
        return true;
    }

    /// <summary>
    /// Host, process id and three random bytes (a restarted process that got the same pid is another member).
    /// The bytes come from a new Guid, not RandomNumberGenerator: on Linux that one loads OpenSSL (about
    /// 4.5 MiB resident), which the stdio server on the embedded pair otherwise never needs.
    /// </summary>
    private static string DefaultMemberId() =>
        string.Create(CultureInfo.InvariantCulture, $"{Environment.MachineName}-{Environment.ProcessId}-{Convert.ToHexStringLower(Guid.NewGuid().ToByteArray().AsSpan(0, 3))}");
}

/// <summary>One member as the status tool shows it.</summary>
public sealed record GroupMemberSnapshot(
    string MemberId,
    string Host,
    int Pid,
    bool CarriesTraffic,
    long AdoptedVersion,
    long AdoptedEpoch,
    string ServingServiceId,
    DateTimeOffset LastHeartbeat,
    bool Live,
    bool Lagging,
    bool IsThisMember);

/// <summary>The failover group as one member sees it.</summary>
/// <param name="Name">The group's name.</param>
/// <param name="MemberId">This member.</param>
/// <param name="CarriesTraffic">Whether this member carries application traffic.</param>
/// <param name="Record">The newest record this member knows, or null when the group has none yet.</param>
/// <param name="Members">Every member's last heartbeat.</param>
/// <param name="Divergence">Why this member may see the group differently from others (unreachable services), empty when nothing suggests it.</param>
/// <param name="LastRefreshAt">When this member last read the record from the services.</param>
public sealed record GroupSnapshot(
    string Name,
    string MemberId,
    bool CarriesTraffic,
    GroupRecord? Record,
    IReadOnlyList<GroupMemberSnapshot> Members,
    IReadOnlyList<string> Divergence,
    DateTimeOffset? LastRefreshAt);
