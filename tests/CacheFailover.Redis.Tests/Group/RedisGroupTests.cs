using System.Diagnostics;
using System.Text;
using CacheFailover.Engine;
using CacheFailover.Group;
using CacheFailover.Options;
using CacheFailover.Services;
using CacheFailover.Testing;
using Xunit.Abstractions;

namespace CacheFailover.Redis.Tests.Group;

/// <summary>
/// A failover group over real redis-server processes: members follow one record kept in the
/// caches (announced on pub/sub), a member restarted while failed over resumes it and the group's
/// journal on the backup reconciles what its predecessor wrote, and the backup refuses writes made
/// under an old epoch.
/// </summary>
[Collection(RedisCollectionDefinition.Name)]
public sealed class RedisGroupTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(10);
    private readonly List<FailoverEngine> _members = [];
    private RedisServerProcess? _primary;
    private RedisServerProcess? _backup;

    public async Task InitializeAsync()
    {
        _primary = await RedisServerProcess.StartAsync();
        _backup = await RedisServerProcess.StartAsync();
    }

    public async Task DisposeAsync()
    {
        foreach (var member in _members)
        {
            await member.DisposeAsync();
        }

        await _primary!.DisposeAsync();
        await _backup!.DisposeAsync();
    }

    [Fact]
    public async Task ManualFailover_ThroughOneProcessMember_IsFollowedByTheOthersThroughTheAnnouncement()
    {
        var a = await MemberAsync("a");
        var b = await MemberAsync("b");
        var c = await MemberAsync("c", carriesTraffic: false);

        var started = Stopwatch.GetTimestamp();
        await c.TriggerManualFailoverAsync("maintenance");
        var decided = Stopwatch.GetElapsedTime(started);
        started = Stopwatch.GetTimestamp();
        var moved = await WaitForAsync(() => a.ActiveServiceId == "backup" && b.ActiveServiceId == "backup", Limit);
        var elapsed = Stopwatch.GetElapsedTime(started);
        var lagging = await c.WaitForGroupToFollowAsync();

        output.WriteLine($"manual failover through a control-only member: decided in {decided.TotalMilliseconds:0.0} ms, every member on the backup {elapsed.TotalMilliseconds:0.0} ms after it answered (probe interval 5 s, so through pub/sub)");
        Assert.True(moved, "members did not follow");
        Assert.True(elapsed < TimeSpan.FromSeconds(2), $"followed only after {elapsed.TotalMilliseconds} ms: the probe round, not the announcement");
        Assert.Empty(lagging);
        Assert.Equal("c", Assert.Single(a.GetEvents()).DecidedBy?.MemberId);
        var group = await a.GetGroupAsync();
        Assert.Equal(FailoverStatus.FailedOver, group.Record!.Status);
        Assert.Equal(3, group.Members.Count);
    }

    [Fact]
    public async Task ManualFailover_AnnouncementLostForOneMember_ItHoldsBeforeTheBackupServes_AndFollowsAtOnce()
    {
        const double ProbeInterval = 1;
        var gate = new AnnouncementGate { Dropping = true };
        var c = await MemberAsync("c", carriesTraffic: false);
        var deaf = await MemberAsync("deaf", gate: gate, probeIntervalSeconds: ProbeInterval);
        var observed = new List<(FailoverStatus Status, string Serving)>();
        using var watching = new CancellationTokenSource();
        var watch = Task.Run(async () =>
        {
            while (!watching.IsCancellationRequested)
            {
                lock (observed)
                {
                    observed.Add((deaf.Status, deaf.ActiveServiceId));
                }

                await Task.Delay(1);
            }
        });

        var started = Stopwatch.GetTimestamp();
        await c.TriggerManualFailoverAsync("maintenance");
        var decided = Stopwatch.GetElapsedTime(started);
        var atDecision = (deaf.Status, deaf.ActiveServiceId);
        var moved = await WaitForAsync(() => deaf.ActiveServiceId == "backup", Limit);
        var followed = Stopwatch.GetElapsedTime(started) - decided;
        await watching.CancelAsync();
        await watch;

        output.WriteLine($"announcements dropped ({gate.Dropped} in all): the decision took {decided.TotalMilliseconds:0} ms (probe interval {ProbeInterval} s); the deaf member was {atDecision} when it answered and served the backup {followed.TotalMilliseconds:0} ms later");
        Assert.True(gate.Dropped >= 1, "no announcement was dropped: the member heard the decision through pub/sub");
        Assert.True(moved, "the member whose announcements were lost never followed");

        // The backup serves only once the member holds: it is never seen on the primary after that.
        Assert.NotEqual((FailoverStatus.Active, "primary"), atDecision);
        List<(FailoverStatus Status, string Serving)> seen;
        lock (observed)
        {
            seen = [.. observed];
        }

        var firstHeld = seen.FindIndex(o => o.Status == FailoverStatus.FailingOver);
        Assert.True(firstHeld >= 0, "the member was never seen holding");
        Assert.DoesNotContain(seen.Skip(firstHeld), o => o.Status == FailoverStatus.Active);
        Assert.True(decided <= TimeSpan.FromSeconds(ProbeInterval + 1), $"the decision waited {decided.TotalMilliseconds:0} ms: more than the deaf member's next probe round");
        Assert.True(followed <= TimeSpan.FromSeconds(0.5), $"the member followed {followed.TotalMilliseconds:0} ms after the decision: it did not read the record while it held");
        Assert.Equal(c.Epoch, deaf.Epoch);
    }

    [Fact]
    public async Task PrimaryKilled_UnderTrafficFromThreeMembers_EveryMemberServesTheBackupUnderOneDecision()
    {
        var members = new[] { await MemberAsync("m1"), await MemberAsync("m2"), await MemberAsync("m3") };
        var traffic = members.Select((m, i) => new EngineFailover.TrafficGenerator(m, workers: 4, prefix: $"m{i}")).ToArray();
        try
        {
            Assert.True(await WaitForAsync(() => traffic.All(t => t.Successes > 50), Limit), "traffic did not start");
            var killed = Stopwatch.GetTimestamp();
            _primary!.Kill();
            var firsts = new List<double>();
            foreach (var generator in traffic)
            {
                firsts.Add(await generator.WaitForSuccessOnAsync("backup", killed, Limit));
            }

            output.WriteLine($"SIGKILL -> first success on the backup per member: {string.Join(", ", firsts.Select(f => $"{f:0.0} ms"))}; spread {firsts.Max() - firsts.Min():0.0} ms; errors {traffic.Sum(t => t.Errors.Count)}");
        }
        finally
        {
            foreach (var generator in traffic)
            {
                await generator.DisposeAsync();
            }
        }

        Assert.All(members, m => Assert.Equal("backup", m.ActiveServiceId));
        Assert.Single(members.Select(m => m.Epoch).Distinct());
        var records = await Task.WhenAll(members.Select(m => m.GetGroupAsync()));
        Assert.Single(records.Select(r => r.Record!.Version).Distinct());
        Assert.All(traffic, t => Assert.Empty(t.Errors));
    }

    [Fact]
    public async Task ManualFailoversAndRecoveries_WhileMembersWrite_NoMemberSeesAnError()
    {
        var members = new[] { await MemberAsync("w1"), await MemberAsync("w2") };
        var control = await MemberAsync("control", carriesTraffic: false);
        var traffic = members.Select((m, i) => new EngineFailover.TrafficGenerator(m, workers: 4, prefix: $"w{i}")).ToArray();
        try
        {
            Assert.True(await WaitForAsync(() => traffic.All(t => t.Successes > 20), Limit), "traffic did not start");
            for (var cycle = 0; cycle < 3; cycle++)
            {
                await control.TriggerManualFailoverAsync("maintenance");
                Assert.True(await WaitForAsync(() => members.All(m => m.ActiveServiceId == "backup"), Limit), "members did not follow the failover");
                var recovery = await control.TriggerManualRecoveryAsync("done");
                Assert.True(recovery.Success, recovery.RefusalReason);
                Assert.True(await WaitForAsync(() => members.All(m => m.ActiveServiceId == "primary"), Limit), "members did not follow the recovery");
            }
        }
        finally
        {
            foreach (var generator in traffic)
            {
                await generator.DisposeAsync();
            }
        }

        // A write refused by the backup's fence (the group moved to recovering) waits and goes again: never an error.
        Assert.All(traffic, t => Assert.Empty(t.Errors));
    }

    [Fact]
    public async Task MemberRestarted_WhileFailedOver_ResumesAndAfterRecovery_NoStaleValueNoResurrectedDelete()
    {
        var first = await MemberAsync("app");
        for (var i = 0; i < 25; i++)
        {
            await first.SetAsync($"k{i}", Bytes("old"));
        }

        _primary!.Stop();
        for (var i = 0; i < 20; i++)
        {
            await first.SetAsync($"k{i}", Bytes("new"));
        }

        for (var i = 20; i < 25; i++)
        {
            await first.DeleteAsync($"k{i}");
        }

        Assert.Equal("backup", first.ActiveServiceId);

        // The process is killed (its in-memory journal is gone) and started again with the same arguments.
        _members.Remove(first);
        await first.DisposeAsync();
        var restarted = await MemberAsync("app-2");
        _primary.Resume();

        Assert.Equal(FailoverStatus.FailedOver, restarted.Status);
        Assert.Equal("backup", restarted.ActiveServiceId);
        // The primary still holds the old values (the write that detected the hang may land on it
        // when it resumes; the later ones went only to the backup): what the journal must cover.
        Assert.Equal("old", (string?)await _primary.ExecuteAsync(["GET", "k19"]));
        Assert.Equal("old", (string?)await _primary.ExecuteAsync(["GET", "k24"]));

        RecoveryResult? recovery = null;
        Assert.True(await WaitForAsync(async () => (recovery = await restarted.TriggerManualRecoveryAsync("primary back")).Success, Limit), recovery?.RefusalReason);
        Assert.NotNull(recovery);
        var stale = 0;
        var resurrected = 0;
        for (var i = 0; i < 25; i++)
        {
            var value = Text(await restarted.GetAsync($"k{i}"));
            stale += value == "old" ? 1 : 0;
            resurrected += i >= 20 && value is not null ? 1 : 0;
        }

        output.WriteLine($"restart while failed over: {recovery.ReconciledKeys} key(s) reconciled from the backup's journal; stale {stale}, resurrected {resurrected}");
        Assert.Equal(25, recovery.ReconciledKeys);
        Assert.Equal(0, stale);
        Assert.Equal(0, resurrected);
    }

    [Fact]
    public async Task FencedWrite_UnderAnOldEpoch_IsRefusedByTheBackupAndNothingIsWritten()
    {
        var a = await MemberAsync("a");
        await a.TriggerManualFailoverAsync("maintenance");
        var backend = (RedisCacheBackend)a.GetBackend("backup")!;
        await using var store = backend.OpenGroupStore("default")!;

        var refused = await Assert.ThrowsAsync<GroupFencedException>(
            () => store.SetFencedAsync(new GroupFence(a.Epoch - 1, "backup", 100), "late", Bytes("x"), null, default).AsTask());
        await store.SetFencedAsync(new GroupFence(a.Epoch, "backup", 100), "current", Bytes("y"), TimeSpan.FromMinutes(1), default);

        Assert.Contains($"fence={a.Epoch}|backup", refused.Message, StringComparison.Ordinal);
        Assert.Null(await _backup!.ExecuteAsync(["GET", "late"]));
        Assert.Equal("y", (string?)await _backup.ExecuteAsync(["GET", "current"]));
        var journal = await store.ReadJournalAsync(a.Epoch, default);
        Assert.Equal(["current"], journal.Keys);
        Assert.False(journal.Overflowed);
    }

    [Fact]
    public async Task RecordScript_SameVersion_ClaimRefusedSpreadKeepsTheHigherRank_AlsoOverARecordWithoutOne()
    {
        var factory = new RedisCacheBackendFactory();
        await using var backend = (RedisCacheBackend)factory.Create("backup", _backup!.ConnectionString);
        await using var store = backend.OpenGroupStore("default")!;
        var decidedAt = DateTimeOffset.UtcNow;
        var early = new GroupRecord(1, 1, FailoverStatus.FailedOver, "backup", null, "early", FailoverTrigger.Manual, new GroupMemberIdentity("x", "host", 1), decidedAt, [], null);
        var late = early with { Reason = "late", DecidedBy = new GroupMemberIdentity("y", "host", 2), DecidedAt = decidedAt.AddTicks(1) };
        var recordKey = new GroupKeys("default").Record;

        Assert.True(await store.TryWriteRecordAsync(early, RecordWrite.Claim, default));
        Assert.False(await store.TryWriteRecordAsync(late, RecordWrite.Claim, default));
        Assert.Equal("early", (await store.ReadRecordAsync(default))!.Reason);
        Assert.True(await store.TryWriteRecordAsync(late, RecordWrite.Spread, default));
        Assert.False(await store.TryWriteRecordAsync(early, RecordWrite.Spread, default));
        Assert.False(await store.TryWriteRecordAsync(late, RecordWrite.Spread, default));
        Assert.Equal("late", (await store.ReadRecordAsync(default))!.Reason);
        Assert.Equal(late.Rank, (string?)await _backup.ExecuteAsync(["HGET", recordKey, "rank"]));

        // A record written before ranks existed ranks lowest: a spread of its version replaces it, a claim does not.
        await _backup.ExecuteAsync(["HDEL", recordKey, "rank"]);
        Assert.False(await store.TryWriteRecordAsync(early, RecordWrite.Claim, default));
        Assert.True(await store.TryWriteRecordAsync(early, RecordWrite.Spread, default));
        Assert.Equal("early", (await store.ReadRecordAsync(default))!.Reason);

        // A newer version is taken by a claim whatever the rank.
        Assert.True(await store.TryWriteRecordAsync(early with { Version = 2, Reason = "next" }, RecordWrite.Claim, default));
        Assert.False(await store.TryWriteRecordAsync(late, RecordWrite.Spread, default));
        Assert.Equal("next", (await store.ReadRecordAsync(default))!.Reason);
    }

    private async Task<FailoverEngine> MemberAsync(string id, bool carriesTraffic = true, AnnouncementGate? gate = null, double probeIntervalSeconds = 5)
    {
        var factory = new RedisCacheBackendFactory();
        Backends.ICacheBackend Backend(string serviceId, string connection)
            => gate is null ? factory.Create(serviceId, connection) : new AnnouncementGateBackend(factory.Create(serviceId, connection), gate);
        var engine = new FailoverEngine(
            new CacheServiceRegistration("primary", Backend("primary", _primary!.ConnectionString)),
            [new CacheServiceRegistration("backup", Backend("backup", _backup!.ConnectionString))],
            new FailoverOptions
            {
                TimeoutThresholdMs = 100,
                HealthCheckIntervalSeconds = probeIntervalSeconds,
                HealthCheckTimeoutSeconds = 0.5,
                AutoRecoveryEnabled = false,
                RetryBaseDelayMs = 5,
            },
            group: new FailoverGroupOptions { MemberId = id, CarriesTraffic = carriesTraffic });
        _members.Add(engine);
        await engine.StartAsync();
        return engine;
    }

    private static Task<bool> WaitForAsync(Func<bool> condition, TimeSpan limit) => RealTimePoll.UntilAsync(condition, limit);

    private static Task<bool> WaitForAsync(Func<Task<bool>> condition, TimeSpan limit) => RealTimePoll.UntilAsync(condition, limit);

    private static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);

    private static string? Text(byte[]? value) => value is null ? null : Encoding.UTF8.GetString(value);
}
