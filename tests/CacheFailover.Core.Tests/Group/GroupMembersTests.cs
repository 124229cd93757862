using System.Text;
using CacheFailover.Backends;
using CacheFailover.Engine;
using CacheFailover.Group;
using CacheFailover.Options;
using CacheFailover.Services;
using Microsoft.Extensions.Time.Testing;

namespace CacheFailover.Core.Tests.Group;

/// <summary>
/// Several engines over the same two caches form one group: they follow one record (F1), a
/// restarted member resumes it (F3), and failback by one member leaves no stale value and no
/// resurrected delete for the writes of any member (F2). In-memory caches shared by engines in one
/// process, on one fake clock.
/// </summary>
public class GroupMembersTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly InMemoryCacheBackend _primary;
    private readonly InMemoryCacheBackend _backup;

    public GroupMembersTests()
    {
        _primary = new InMemoryCacheBackend("primary", _time);
        _backup = new InMemoryCacheBackend("backup", _time);
    }

    [Fact]
    public async Task ManualFailover_ThroughOneMember_MovesEveryMember()
    {
        await using var a = await MemberAsync("a");
        await using var b = await MemberAsync("b");

        var failover = await a.TriggerManualFailoverAsync("maintenance");

        Assert.True(failover.Success);
        Assert.Equal("backup", b.ActiveServiceId);
        Assert.Equal(FailoverStatus.FailedOver, b.Status);
        Assert.Equal(a.Epoch, b.Epoch);
        var adopted = Assert.Single(b.GetEvents());
        Assert.Equal("a", adopted.DecidedBy?.MemberId);
        Assert.Equal(FailoverTrigger.Manual, adopted.Trigger);
    }

    [Fact]
    public async Task ControlOnlyMember_DecidesFailoverAndRecovery_TrafficMembersFollowAndSayTheyDid()
    {
        await using var a = await MemberAsync("a");
        await using var b = await MemberAsync("b");
        await using var control = await MemberAsync("assistant", carriesTraffic: false);

        await control.TriggerManualFailoverAsync("maintenance");
        var notFollowing = await control.WaitForGroupToFollowAsync();

        Assert.Empty(notFollowing);
        Assert.All([a, b], m => Assert.Equal("backup", m.ActiveServiceId));
        var group = await control.GetGroupAsync();
        Assert.Equal(["a", "assistant", "b"], group.Members.Select(m => m.MemberId));
        Assert.False(group.Members.Single(m => m.MemberId == "assistant").CarriesTraffic);
        Assert.All(group.Members, m => Assert.False(m.Lagging));

        var recovery = await control.TriggerManualRecoveryAsync("maintenance done");

        Assert.True(recovery.Success);
        Assert.All([a, b], m => Assert.Equal("primary", m.ActiveServiceId));
        Assert.All([a, b], m => Assert.Equal(FailoverStatus.Recovered, m.Status));
    }

    [Fact]
    public async Task AnnouncementLost_ManualFailoverFromAReachablePrimary_TheMemberHoldsBeforeTheBackupServes_AndNeverReadsThePrimaryAfterIt()
    {
        // The nemesis's seed 7 (30 min, two backups): a member whose announcements were lost served the
        // primary for 122 ms after another member's manual failover, and read values older than writes
        // made on the backup meanwhile. The failover now waits for every member to hold first.
        var options = new FailoverOptions { AutoRecoveryEnabled = false, HealthCheckIntervalSeconds = 1, HealthCheckTimeoutSeconds = 0.5 };
        await using var a = await MemberAsync("a", options);
        await using var deaf = await MemberAsync("deaf", options, primary: new Deaf(_primary), backup: new Deaf(_backup));
        await a.SetAsync("k", Bytes("old"));

        var failover = a.TriggerManualFailoverAsync("maintenance");
        Assert.False(failover.IsCompleted, "the failover did not wait for the member that has not heard of it");
        Assert.Equal(FailoverStatus.FailingOver, a.Status);
        Assert.Equal((FailoverStatus.Active, "primary"), (deaf.Status, deaf.ActiveServiceId));

        // Its next probe round reads the failing_over record: from then on it starts nothing.
        _time.Advance(TimeSpan.FromSeconds(options.HealthCheckIntervalSeconds));
        await deaf.RunHealthChecksAsync();
        Assert.Equal(FailoverStatus.FailingOver, deaf.Status);
        var heldRead = deaf.GetWithResultAsync("k");
        Assert.False(heldRead.IsCompleted, "a member holding for the handover still read the primary");

        var result = await AdvanceUntilAsync(failover);
        await a.SetAsync("k", Bytes("new"));
        var read = await AdvanceUntilAsync(heldRead.AsTask());
        var later = await deaf.GetWithResultAsync("k");

        Assert.True(result.Success, result.Error);
        Assert.Equal("backup", read.ServedBy);
        Assert.Equal(("new", "backup"), (Text(later.Value), later.ServedBy));
        Assert.Equal((a.Epoch, "backup"), (deaf.Epoch, deaf.ActiveServiceId));
    }

    [Fact]
    public async Task HandoverBegunByAMemberThatDies_TheHoldingMemberTakesItBack_AndThePrimaryServesOn()
    {
        var options = new FailoverOptions { AutoRecoveryEnabled = false, HealthCheckIntervalSeconds = 1, HealthCheckTimeoutSeconds = 0.5 };
        await using var b = await MemberAsync("b", options);
        await b.SetAsync("k", Bytes("v"));

        // A member wrote failing_over and died before its next record.
        await using (var store = _primary.OpenGroupStore("default")!)
        {
            var version = ((await store.ReadRecordAsync(default))?.Version ?? 0) + 1;
            var failingOver = new GroupRecord(version, 0, FailoverStatus.FailingOver, "primary", "backup", "maintenance", FailoverTrigger.Manual, new GroupMemberIdentity("dead", "host", 1), _time.GetUtcNow(), [], null);
            Assert.True(await store.TryWriteRecordAsync(failingOver, RecordWrite.Claim, default));
        }

        Assert.Equal(FailoverStatus.FailingOver, b.Status);
        var held = b.GetWithResultAsync("k");
        Assert.False(held.IsCompleted);

        _time.Advance(TimeSpan.FromSeconds(1));
        await b.RunHealthChecksAsync();
        Assert.False(held.IsCompleted, "taken back before the decider's bound had passed");

        var read = await AdvanceUntilAsync(held.AsTask(), step: TimeSpan.FromSeconds(1));

        Assert.Equal(("v", "primary"), (Text(read.Value), read.ServedBy));
        Assert.Equal((FailoverStatus.Active, "primary", 0L), (b.Status, b.ActiveServiceId, b.Epoch));
        var group = await b.GetGroupAsync();
        Assert.Equal((FailoverStatus.Active, "b"), (group.Record!.Status, group.Record.DecidedBy.MemberId));
        Assert.Contains("taken back", group.Record.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WritesOfEveryMember_DuringFailover_AreNeitherStaleNorResurrectedAfterAnotherMemberFailsBack()
    {
        await using var a = await MemberAsync("a");
        await using var b = await MemberAsync("b");
        await SeedAsync(a, 10);
        await a.TriggerManualFailoverAsync("maintenance");

        // Both members write and delete on the backup; only b knows about its own keys in memory.
        for (var i = 0; i < 10; i++)
        {
            var writer = i % 2 == 0 ? a : b;
            if (i < 7)
            {
                await writer.SetAsync($"k{i}", Bytes("new"));
            }
            else
            {
                await writer.DeleteAsync($"k{i}");
            }
        }

        var recovery = await a.TriggerManualRecoveryAsync("back");

        Assert.True(recovery.Success);
        Assert.Equal(10, recovery.ReconciledKeys);
        foreach (var member in new[] { a, b })
        {
            Assert.Equal("primary", member.ActiveServiceId);
            for (var i = 0; i < 10; i++)
            {
                var value = await member.GetAsync($"k{i}");
                Assert.NotEqual("old", Text(value));
                if (i >= 7)
                {
                    Assert.Null(value);
                }
            }
        }
    }

    [Fact]
    public async Task RestartedMember_WhileFailedOver_ResumesTheFailoverAndReconcilesWhatItsPredecessorWrote()
    {
        var first = await MemberAsync("app");
        await SeedAsync(first, 25);
        await first.TriggerManualFailoverAsync("maintenance");
        for (var i = 0; i < 20; i++)
        {
            await first.SetAsync($"k{i}", Bytes("new"));
        }

        for (var i = 20; i < 25; i++)
        {
            await first.DeleteAsync($"k{i}");
        }

        // The process ends (its in-memory journal with it) and starts again with the same arguments.
        await first.DisposeAsync();
        await using var restarted = await MemberAsync("app-restarted");

        Assert.Equal(FailoverStatus.FailedOver, restarted.Status);
        Assert.Equal("backup", restarted.ActiveServiceId);
        Assert.Equal("new", Text(await restarted.GetAsync("k0")));

        var recovery = await restarted.TriggerManualRecoveryAsync("back");

        Assert.True(recovery.Success);
        Assert.Equal(25, recovery.ReconciledKeys);
        var stale = 0;
        var resurrected = 0;
        for (var i = 0; i < 25; i++)
        {
            var value = Text(await restarted.GetAsync($"k{i}"));
            stale += value == "old" ? 1 : 0;
            resurrected += i >= 20 && value is not null ? 1 : 0;
        }

        Assert.Equal(0, stale);
        Assert.Equal(0, resurrected);
    }

    [Fact]
    public async Task Recovery_ByOneMember_MakesTheOthersWritesWaitAndLandOnThePrimary()
    {
        var hooked = new InvalidationHook(_primary);
        await using var a = await MemberAsync("a", primary: hooked);
        await using var b = await MemberAsync("b");
        await SeedAsync(a, 1);
        await a.TriggerManualFailoverAsync("maintenance");
        await b.SetAsync("k0", Bytes("during failover"));

        // While a invalidates on the primary (after the group's record says recovering), b writes.
        Task? racing = null;
        FailoverStatus? bStatusThen = null;
        hooked.OnInvalidate = () =>
        {
            bStatusThen ??= b.Status;
            racing ??= b.SetAsync("k0", Bytes("during recovery")).AsTask();
        };

        var recovery = await a.TriggerManualRecoveryAsync("back");
        await racing!;

        Assert.True(recovery.Success);
        Assert.Equal(FailoverStatus.Recovering, bStatusThen);
        Assert.Equal("primary", (await b.GetWithResultAsync("k0")).ServedBy);
        Assert.Equal("during recovery", Text(await a.GetAsync("k0")));
    }

    [Fact]
    public async Task RecoveringMemberDiesMidway_AnotherMemberTakesTheRecoveryOverAndNothingIsStale()
    {
        await using var b = await MemberAsync("b", new FailoverOptions { AutoRecoveryEnabled = false, HealthCheckIntervalSeconds = 1, HealthCheckTimeoutSeconds = 0.5 });
        await SeedAsync(b, 3);
        await b.TriggerManualFailoverAsync("maintenance");
        await b.SetAsync("k0", Bytes("new"));
        await b.DeleteAsync("k1");

        // Member "ghost" claims the recovery on the backup and dies before finishing it.
        var failedOver = (await b.GetGroupAsync()).Record!;
        var ghost = new GroupMemberIdentity("ghost", "elsewhere", 1);
        await using (var store = _backup.OpenGroupStore("default")!)
        {
            Assert.True(await store.TryWriteRecordAsync(failedOver with { Version = failedOver.Version + 1, Status = FailoverStatus.Recovering, TargetServiceId = "primary", DecidedBy = ghost, Reason = "ghost recovery" }, RecordWrite.Claim, default)
);
        }

        Assert.Equal(FailoverStatus.Recovering, b.Status);
        var recovered = new TaskCompletionSource<FailoverEvent>(TaskCreationOptions.RunContinuationsAsynchronously);
        b.EventRecorded += (_, e) =>
        {
            if (e.Event.Kind == FailoverEventKind.Recovery)
            {
                recovered.TrySetResult(e.Event);
            }
        };
        var held = b.SetAsync("k2", Bytes("held")).AsTask();
        Assert.False(held.IsCompleted);

        // Five probe intervals (at least 10 s) without an outcome: b takes the recovery over.
        for (var second = 0; second < 11; second++)
        {
            _time.Advance(TimeSpan.FromSeconds(1));
            await b.RunHealthChecksAsync();
        }

        // The held write goes on as soon as the primary serves, a moment before the recovery's event is recorded.
        await held.WaitAsync(TimeSpan.FromSeconds(10));
        var recovery = await recovered.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(FailoverStatus.Recovered, b.Status);
        Assert.Equal("primary", b.ActiveServiceId);
        Assert.True(recovery.Success, recovery.Error);
        Assert.Contains("took over the recovery member ghost began", recovery.Reason, StringComparison.Ordinal);
        Assert.NotEqual("old", Text(await b.GetAsync("k0")));
        Assert.Null(await b.GetAsync("k1"));
        Assert.Equal("held", Text(await b.GetAsync("k2")));
    }

    [Fact]
    public async Task MemberCutOffFromTheServingBackup_FailsOverToAnother_OthersFollowAndFailbackCoversBothBackups()
    {
        var backup2 = new InMemoryCacheBackend("backup2", _time);
        var options = new FailoverOptions { AutoRecoveryEnabled = false, CascadeFailoverEnabled = true };
        var aSeesBackup = new CacheFailover.Drills.Chaos.FaultInjectingBackend(_backup, _time);
        await using var a = await MemberOfThreeAsync("a", options, aSeesBackup, backup2);
        await using var b = await MemberOfThreeAsync("b", options, _backup, backup2);
        await SeedAsync(a, 4);
        await a.TriggerManualFailoverAsync("maintenance", "backup");
        await a.SetAsync("k0", Bytes("on backup"));

        // Only a loses the serving backup: it proposes a new epoch on the second one, and b follows.
        aSeesBackup.RefuseConnections(raiseConnectionEvent: false);
        await a.SetAsync("k1", Bytes("on backup2"));
        await b.DeleteAsync("k2");

        Assert.Equal("backup2", a.ActiveServiceId);
        Assert.Equal("backup2", b.ActiveServiceId);
        Assert.Equal(a.Epoch, b.Epoch);
        var journal = (await b.GetGroupAsync()).Record!.Journal;
        Assert.Equal(["backup@1", "backup2@2"], journal.Select(j => $"{j.ServiceId}@{j.Epoch}"));

        var recovery = await b.TriggerManualRecoveryAsync("back");

        Assert.True(recovery.Success, recovery.RefusalReason);
        foreach (var member in new[] { a, b })
        {
            Assert.Equal("primary", member.ActiveServiceId);
            Assert.NotEqual("old", Text(await member.GetAsync("k0")));
            Assert.NotEqual("old", Text(await member.GetAsync("k1")));
            Assert.Null(await member.GetAsync("k2"));
            Assert.Equal("old", Text(await member.GetAsync("k3")));
        }
    }

    [Fact]
    public async Task FencedWrite_AtAnOldEpoch_IsRefusedAndNeitherWrittenNorJournaled()
    {
        await using var a = await MemberAsync("a");
        await a.TriggerManualFailoverAsync("maintenance");
        await using var store = _backup.OpenGroupStore("default")!;

        var refused = await Assert.ThrowsAsync<GroupFencedException>(
            () => store.SetFencedAsync(new GroupFence(a.Epoch - 1, "backup", 100), "late", Bytes("x"), null, default).AsTask());

        Assert.Equal(OperationOutcome.NotApplied, refused.Outcome);
        Assert.Contains($"epoch {a.Epoch}", refused.Message, StringComparison.Ordinal);
        Assert.Null(await _backup.GetAsync("late"));
        Assert.DoesNotContain("late", (await store.ReadJournalAsync(a.Epoch - 1, default)).Keys);
    }

    [Fact]
    public async Task ConcurrentManualFailovers_ToDifferentBackups_MeetOnTheFirstServiceAndTheGroupServesOne()
    {
        var backup2 = new InMemoryCacheBackend("backup2", _time);
        var options = new FailoverOptions { AutoRecoveryEnabled = false };
        var aSeesBackup2 = new HeldRecordWrites(backup2);
        await using var a = await MemberOfThreeAsync("a", options, _backup, aSeesBackup2);
        await using var b = await MemberOfThreeAsync("b", options, new Deaf(_backup), new Deaf(backup2), new Deaf(_primary));

        // a has claimed the record on backup and its copy for backup2 is held on the way when b, which
        // has not heard of it, decides for backup2: claimed on b's own target alone, both decisions
        // would win, each on its backup.
        var aFailover = a.TriggerManualFailoverAsync("maintenance", "backup");
        await aSeesBackup2.Reached.Task.WaitAsync(TimeSpan.FromSeconds(10));
        var bRefused = await Assert.ThrowsAsync<FailoverRefusedException>(() => b.TriggerManualFailoverAsync("maintenance", "backup2"));
        aSeesBackup2.Release();

        // a waits for b to hold (b, deaf, learned of a's decision from its lost claim), and b reads the record itself while it holds.
        var aResult = await AdvanceUntilAsync(aFailover);
        await AdvanceUntilAsync(Task.Run(async () =>
        {
            while (b.ActiveServiceId != "backup")
            {
                await Task.Delay(TimeSpan.FromMilliseconds(1), TimeProvider.System);
            }

            return true;
        }));
        await aSeesBackup2.Written.Task.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.True(aResult.Success, aResult.Error);
        Assert.Contains("member a", bRefused.Message, StringComparison.Ordinal);
        Assert.Equal("backup", a.ActiveServiceId);
        Assert.Equal("backup", b.ActiveServiceId);
        Assert.Equal(a.Epoch, b.Epoch);
        var records = new List<GroupRecord?>();
        foreach (var cache in new[] { _primary, _backup, backup2 })
        {
            await using var store = cache.OpenGroupStore("default")!;
            records.Add(await store.ReadRecordAsync(default));
        }

        Assert.All(records, r => Assert.Equal(("a", "backup", a.Epoch), (r?.DecidedBy.MemberId, r?.ServingServiceId, r?.Epoch)));
    }

    [Fact]
    public async Task FailoverByAnotherMember_BeforeTheLastFailbacksCleanUpOfTheBackupRan_ServesNothingFromTheEarlierFailover()
    {
        // a fails back, but its clean-up of the backup does not get through (a slow backup, or a dies).
        var aSeesBackup = new HeldInvalidations(_backup);
        await using var a = await MemberAsync("a", backup: aSeesBackup);
        await using var b = await MemberAsync("b");
        try
        {
            await SeedAsync(a, 3);
            await a.TriggerManualFailoverAsync("maintenance");
            await a.SetAsync("k0", Bytes("first failover"));
            await a.SetAsync("k2", Bytes("first failover"));
            var recovery = await a.TriggerManualRecoveryAsync("back");
            Assert.True(recovery.Success, recovery.RefusalReason);
            Assert.Equal("first failover", Text(await _backup.GetAsync("k0")));

            // On the primary, after the failback: k0 written again, k2 deleted. Then b fails over to the backup.
            await b.SetAsync("k0", Bytes("after failback"));
            await b.DeleteAsync("k2");
            var leftovers = (await b.GetGroupAsync()).Record!.Leftovers;
            var failover = await b.TriggerManualFailoverAsync("again");

            Assert.True(failover.Success, failover.Error);
            Assert.Equal(["backup@1"], leftovers.Select(l => $"{l.ServiceId}@{l.Epoch}"));
            Assert.NotEqual("first failover", Text(await b.GetAsync("k0")));
            Assert.Null(await b.GetAsync("k2"));
            Assert.Empty((await b.GetGroupAsync()).Record!.Leftovers);
        }
        finally
        {
            aSeesBackup.Release();
        }
    }

    [Fact]
    public async Task RivalRecordsOfOneVersion_OnTwoServices_EveryServiceAndMemberKeepTheHigherRank()
    {
        var backup2 = new InMemoryCacheBackend("backup2", _time);
        var decidedAt = _time.GetUtcNow();
        var early = new GroupRecord(1, 1, FailoverStatus.FailedOver, "backup", null, "early", FailoverTrigger.Manual, new GroupMemberIdentity("x", "host", 1), decidedAt, [new JournalLocation("backup", 1)], null);
        var late = early with { ServingServiceId = "backup2", Reason = "late", DecidedBy = new GroupMemberIdentity("y", "host", 2), DecidedAt = decidedAt.AddTicks(1), Journal = [new JournalLocation("backup2", 1)] };
        await using (var store = _backup.OpenGroupStore("default")!)
        {
            Assert.True(await store.TryWriteRecordAsync(early, RecordWrite.Claim, default));
            Assert.False(await store.TryWriteRecordAsync(late, RecordWrite.Claim, default));
        }

        await using (var store = backup2.OpenGroupStore("default")!)
        {
            Assert.True(await store.TryWriteRecordAsync(late, RecordWrite.Claim, default));
            Assert.False(await store.TryWriteRecordAsync(early, RecordWrite.Spread, default));
        }

        Assert.True(late.Outranks(early));
        Assert.False(early.Outranks(late));
        await using var a = await MemberOfThreeAsync("a", new FailoverOptions { AutoRecoveryEnabled = false }, _backup, backup2);
        await a.RunHealthChecksAsync();

        Assert.Equal("backup2", a.ActiveServiceId);
        foreach (var cache in new[] { _primary, _backup, backup2 })
        {
            await using var store = cache.OpenGroupStore("default")!;
            var record = await store.ReadRecordAsync(default);
            Assert.True(record is not null && !late.Outranks(record), $"{cache.Endpoint} holds {record?.Reason} (version {record?.Version})");
        }
    }

    [Fact]
    public async Task Record_SameVersionTwice_OnlyTheFirstWins()
    {
        await using var store = _backup.OpenGroupStore("default")!;
        var who = new GroupMemberIdentity("m", "host", 1);
        var first = new GroupRecord(1, 1, FailoverStatus.FailedOver, "backup", null, "first", FailoverTrigger.Manual, who, _time.GetUtcNow(), [], null);

        Assert.True(await store.TryWriteRecordAsync(first, RecordWrite.Claim, default));
        Assert.False(await store.TryWriteRecordAsync(first with { Reason = "second" }, RecordWrite.Claim, default));
        Assert.Equal("first", (await store.ReadRecordAsync(default))!.Reason);
    }

    [Fact]
    public async Task JournalOnTheBackup_OverflowsItsCapacity_PrimaryIsDirtyUntilFlushed()
    {
        await using var a = await MemberAsync("a", new FailoverOptions { JournalCapacity = 3, AutoRecoveryEnabled = false });
        await a.TriggerManualFailoverAsync("maintenance");
        for (var i = 0; i < 5; i++)
        {
            await a.SetAsync($"k{i}", Bytes("new"));
        }

        await using var restarted = await MemberAsync("a2", new FailoverOptions { JournalCapacity = 3, AutoRecoveryEnabled = false });
        var refused = await restarted.TriggerManualRecoveryAsync("back");
        var flushed = await restarted.TriggerManualRecoveryAsync("back", flushDirtyPrimary: true);

        Assert.False(refused.Success);
        Assert.Contains("overflowed", refused.RefusalReason, StringComparison.Ordinal);
        Assert.True(flushed.Success);
        Assert.True(flushed.Flushed);
    }

    private async Task<FailoverEngine> MemberAsync(string id, FailoverOptions? options = null, bool carriesTraffic = true, ICacheBackend? primary = null, ICacheBackend? backup = null)
    {
        var engine = new FailoverEngine(
            new CacheServiceRegistration("primary", primary ?? _primary),
            [new CacheServiceRegistration("backup", backup ?? _backup)],
            options ?? new FailoverOptions { AutoRecoveryEnabled = false },
            _time,
            group: new FailoverGroupOptions { MemberId = id, CarriesTraffic = carriesTraffic });
        await engine.StartAsync();
        return engine;
    }

    private async Task<FailoverEngine> MemberOfThreeAsync(string id, FailoverOptions options, ICacheBackend backup, ICacheBackend backup2, ICacheBackend? primary = null)
    {
        var engine = new FailoverEngine(
            new CacheServiceRegistration("primary", primary ?? _primary),
            [new CacheServiceRegistration("backup", backup), new CacheServiceRegistration("backup2", backup2)],
            options,
            _time,
            group: new FailoverGroupOptions { MemberId = id });
        await engine.StartAsync();
        return engine;
    }

    /// <summary>Moves the fake clock on, <paramref name="step"/> at a time (20 ms: the group's poll), until <paramref name="task"/> ends; at most 200 steps.</summary>
    private async Task<T> AdvanceUntilAsync<T>(Task<T> task, TimeSpan? step = null)
    {
        for (var i = 0; i < 200 && !task.IsCompleted; i++)
        {
            _time.Advance(step ?? TimeSpan.FromMilliseconds(20));

            // Not a wait for engine time (that is the fake clock above): room for the continuations the step released to run on the pool.
            await Task.WhenAny(task, Task.Delay(TimeSpan.FromMilliseconds(5), TimeProvider.System));
        }

        Assert.True(task.IsCompleted, "did not end while the fake clock moved on");
        return await task;
    }

    private static async Task SeedAsync(FailoverEngine engine, int keys)
    {
        for (var i = 0; i < keys; i++)
        {
            await engine.SetAsync($"k{i}", Bytes("old"));
        }
    }

    private static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);

    private static string? Text(byte[]? value) => value is null ? null : Encoding.UTF8.GetString(value);

    /// <summary>A cache whose group store never delivers announcements (as if every pub/sub message were lost).</summary>
    private sealed class Deaf(InMemoryCacheBackend inner) : Passthrough(inner)
    {
        public override IGroupStore? OpenGroupStore(string group) => new DeafStore(Inner.OpenGroupStore(group)!);
    }

    private sealed class DeafStore(IGroupStore inner) : ForwardingStore(inner)
    {
        public override event Action<long>? RecordAnnounced
        {
            add { }
            remove { }
        }
    }

    /// <summary>A cache whose group store holds every write of the record until <see cref="Release"/>.</summary>
    private sealed class HeldRecordWrites(InMemoryCacheBackend inner) : Passthrough(inner)
    {
        private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>Completes when the first record write has reached the store (and is being held).</summary>
        public TaskCompletionSource Reached { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>Completes when the first held write has been made.</summary>
        public TaskCompletionSource Written { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Release() => _released.TrySetResult();

        public override IGroupStore? OpenGroupStore(string group) => new Store(Inner.OpenGroupStore(group)!, this);

        private sealed class Store(IGroupStore inner, HeldRecordWrites owner) : ForwardingStore(inner)
        {
            public override async ValueTask<bool> TryWriteRecordAsync(GroupRecord record, RecordWrite mode, CancellationToken cancellationToken)
            {
                owner.Reached.TrySetResult();
                await owner._released.Task.WaitAsync(cancellationToken);
                var written = await base.TryWriteRecordAsync(record, mode, cancellationToken);
                owner.Written.TrySetResult();
                return written;
            }
        }
    }

    /// <summary>A group store that passes every call to another.</summary>
    private class ForwardingStore(IGroupStore inner) : IGroupStore
    {
        public virtual event Action<long>? RecordAnnounced
        {
            add => inner.RecordAnnounced += value;
            remove => inner.RecordAnnounced -= value;
        }

        public ValueTask<GroupRecord?> ReadRecordAsync(CancellationToken cancellationToken) => inner.ReadRecordAsync(cancellationToken);

        public virtual ValueTask<bool> TryWriteRecordAsync(GroupRecord record, RecordWrite mode, CancellationToken cancellationToken) => inner.TryWriteRecordAsync(record, mode, cancellationToken);

        public ValueTask SetFencedAsync(GroupFence fence, string key, ReadOnlyMemory<byte> value, TimeSpan? timeToLive, CancellationToken cancellationToken) => inner.SetFencedAsync(fence, key, value, timeToLive, cancellationToken);

        public ValueTask<bool> DeleteFencedAsync(GroupFence fence, string key, CancellationToken cancellationToken) => inner.DeleteFencedAsync(fence, key, cancellationToken);

        public ValueTask JournalFencedAsync(GroupFence fence, IReadOnlyList<string> keys, CancellationToken cancellationToken) => inner.JournalFencedAsync(fence, keys, cancellationToken);

        public ValueTask<JournalContents> ReadJournalAsync(long epoch, CancellationToken cancellationToken) => inner.ReadJournalAsync(epoch, cancellationToken);

        public ValueTask DropJournalAsync(long epoch, CancellationToken cancellationToken) => inner.DropJournalAsync(epoch, cancellationToken);

        public ValueTask WriteMemberAsync(GroupMember member, CancellationToken cancellationToken) => inner.WriteMemberAsync(member, cancellationToken);

        public ValueTask RemoveMemberAsync(string memberId, CancellationToken cancellationToken) => inner.RemoveMemberAsync(memberId, cancellationToken);

        public ValueTask<IReadOnlyList<GroupMember>> ReadMembersAsync(CancellationToken cancellationToken) => inner.ReadMembersAsync(cancellationToken);

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }

    /// <summary>A cache whose invalidations wait until <see cref="Release"/>.</summary>
    private sealed class HeldInvalidations(InMemoryCacheBackend inner) : Passthrough(inner)
    {
        private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Release() => _released.TrySetResult();

        public override async ValueTask<long> InvalidateAsync(IReadOnlyList<string> keys, CancellationToken cancellationToken = default)
        {
            await _released.Task.WaitAsync(cancellationToken);
            return await Inner.InvalidateAsync(keys, cancellationToken);
        }
    }

    /// <summary>The primary, with a hook run before each invalidation batch.</summary>
    private sealed class InvalidationHook(InMemoryCacheBackend inner) : Passthrough(inner)
    {
        public Action? OnInvalidate { get; set; }

        public override ValueTask<long> InvalidateAsync(IReadOnlyList<string> keys, CancellationToken cancellationToken = default)
        {
            OnInvalidate?.Invoke();
            return Inner.InvalidateAsync(keys, cancellationToken);
        }
    }

    /// <summary>An in-memory cache seen through another object (which the engine does not own).</summary>
    private class Passthrough(InMemoryCacheBackend inner) : ICacheBackend, IGroupStoreProvider
    {
        protected InMemoryCacheBackend Inner => inner;

        public string Endpoint => inner.Endpoint;

        public event EventHandler<BackendConnectionEventArgs>? ConnectionStateChanged
        {
            add { }
            remove { }
        }

        public BackendConnectionEventArgs? LastConnectionChange => null;

        public virtual IGroupStore? OpenGroupStore(string group) => inner.OpenGroupStore(group);

        public ValueTask<byte[]?> GetAsync(string key, CancellationToken cancellationToken = default) => inner.GetAsync(key, cancellationToken);

        public ValueTask SetAsync(string key, ReadOnlyMemory<byte> value, TimeSpan? timeToLive = null, CancellationToken cancellationToken = default) => inner.SetAsync(key, value, timeToLive, cancellationToken);

        public ValueTask<bool> DeleteAsync(string key, CancellationToken cancellationToken = default) => inner.DeleteAsync(key, cancellationToken);

        public ValueTask<bool> ExistsAsync(string key, CancellationToken cancellationToken = default) => inner.ExistsAsync(key, cancellationToken);

        public ValueTask<TimeSpan> PingAsync(CancellationToken cancellationToken = default) => inner.PingAsync(cancellationToken);

        public virtual ValueTask<long> InvalidateAsync(IReadOnlyList<string> keys, CancellationToken cancellationToken = default) => inner.InvalidateAsync(keys, cancellationToken);

        public ValueTask FlushAsync(CancellationToken cancellationToken = default) => inner.FlushAsync(cancellationToken);

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
