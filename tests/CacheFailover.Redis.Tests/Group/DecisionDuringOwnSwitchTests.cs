using System.Text;
using CacheFailover.Engine;
using CacheFailover.Group;
using CacheFailover.Options;
using CacheFailover.Services;
using CacheFailover.Testing;

namespace CacheFailover.Redis.Tests.Group;

/// <summary>
/// A member hears another member's decision while a switch of its own runs (it cannot follow it
/// then: its own claim would settle it). Until its switch ends its operations wait rather than go to
/// the service the group left (writes there would be unjournaled); when the switch ends without a
/// claim — here its target hangs, so verification fails — it follows the decision it heard at once,
/// not at its next probe round.
/// Found by the nemesis with server processes (seed 7): a process whose manual failover to a frozen
/// backup was running kept serving the primary while the group had failed over to the other backup.
/// </summary>
[Collection(RedisCollectionDefinition.Name)]
public sealed class DecisionDuringOwnSwitchTests : IAsyncLifetime
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(20);
    private readonly List<FailoverEngine> _members = [];
    private RedisServerProcess? _primary;
    private RedisServerProcess? _backup1;
    private RedisServerProcess? _backup2;

    public async Task InitializeAsync()
    {
        _primary = await RedisServerProcess.StartAsync();
        _backup1 = await RedisServerProcess.StartAsync();
        _backup2 = await RedisServerProcess.StartAsync();
    }

    public async Task DisposeAsync()
    {
        if (_backup2!.IsStopped)
        {
            _backup2.Resume();
        }

        foreach (var member in _members)
        {
            await member.DisposeAsync();
        }

        await _primary!.DisposeAsync();
        await _backup1!.DisposeAsync();
        await _backup2.DisposeAsync();
    }

    [Fact]
    public async Task ManualFailover_ToAHungBackupWhileAnotherMemberFailsOver_FollowsTheOtherDecisionWhenItsOwnFails()
    {
        var decider = await MemberAsync("decider");
        var late = await MemberAsync("late");
        _backup2!.Stop();

        // Its switch waits for the hung backup-2 (seconds) before it fails.
        var own = TryFailOverAsync(late, "backup-2");
        Assert.True(await RealTimePoll.UntilAsync(() => late.Status == FailoverStatus.FailingOver, Limit), "the late member's switch did not begin");
        var decided = await decider.TriggerManualFailoverAsync("maintenance", "backup-1");
        Assert.True(decided.Success, decided.Error);
        var ownResult = await own;

        Assert.False(ownResult.Success);

        // Its own switch may end (backup-2's connection drops) before the decider's second record: it then
        // holds for the handover, and follows that record as soon as it is written, not at its next probe round.
        Assert.True(await RealTimePoll.UntilAsync(() => late.ActiveServiceId == "backup-1", TimeSpan.FromSeconds(2)), $"the late member did not follow ({late.Status}, '{late.ActiveServiceId}'; its own failover: {ownResult.Error})");
        Assert.Equal(decider.Epoch, late.Epoch);
        var write = await late.SetWithResultAsync("k", Encoding.UTF8.GetBytes("v"));
        Assert.Equal("backup-1", write.ServedBy);
        Assert.Null(await _primary!.ExecuteAsync(["GET", "k"]));
    }

    [Fact]
    public async Task Write_DuringOwnSwitchAfterAnotherMembersDecision_WaitsAndGoesWhereTheGroupServes()
    {
        var decider = await MemberAsync("decider");
        var late = await MemberAsync("late");
        var observer = await MemberAsync("observer");
        _backup2!.Stop();

        var own = TryFailOverAsync(late, "backup-2");
        Assert.True(await RealTimePoll.UntilAsync(() => late.Status == FailoverStatus.FailingOver, Limit), "the late member's switch did not begin");
        var decided = await decider.TriggerManualFailoverAsync("maintenance", "backup-1");
        Assert.True(decided.Success, decided.Error);

        // The announcement reaches every member's subscription at once; once the observer has followed
        // it, the late member has heard it too. It is still inside its own switch: the window under test.
        Assert.True(await RealTimePoll.UntilAsync(() => observer.ActiveServiceId == "backup-1", Limit), "the announcement did not arrive");
        Assert.Equal(FailoverStatus.FailingOver, late.Status);
        var write = await late.SetWithResultAsync("during", Encoding.UTF8.GetBytes("v"));

        Assert.Equal("backup-1", write.ServedBy);
        Assert.Null(await _primary!.ExecuteAsync(["GET", "during"]));
        Assert.False((await own).Success);
    }

    private static async Task<(bool Success, string? Error)> TryFailOverAsync(FailoverEngine member, string target)
    {
        try
        {
            var done = await member.TriggerManualFailoverAsync("to a backup that hangs", target);
            return (done.Success, done.Error);
        }
        catch (FailoverRefusedException refused)
        {
            return (false, refused.Message);
        }
    }

    private async Task<FailoverEngine> MemberAsync(string id)
    {
        // The backend's own deadline longer than the engine's, so that the engine's timeout_threshold_ms bounds the switch.
        var factory = new RedisCacheBackendFactory(new RedisBackendOptions { OperationTimeout = TimeSpan.FromSeconds(8) });
        var engine = new FailoverEngine(
            new CacheServiceRegistration("primary", factory.Create("primary", _primary!.ConnectionString)),
            [
                new CacheServiceRegistration("backup-1", factory.Create("backup-1", _backup1!.ConnectionString)),
                new CacheServiceRegistration("backup-2", factory.Create("backup-2", _backup2!.ConnectionString)),
            ],
            new FailoverOptions
            {
                // A switch to the hung backup lasts several seconds, longer than the decider's wait for the group to follow (2 s).
                TimeoutThresholdMs = 5000,

                // No probe round during the test: only the announcement can tell a member of the decision.
                HealthCheckIntervalSeconds = 600,
                HealthCheckTimeoutSeconds = 5,
                AutoRecoveryEnabled = false,
                RetryBaseDelayMs = 5,
            },
            group: new FailoverGroupOptions { MemberId = id });
        _members.Add(engine);
        await engine.StartAsync();
        return engine;
    }
}
