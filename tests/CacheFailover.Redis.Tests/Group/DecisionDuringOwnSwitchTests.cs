using System.Text;
using CacheFailover.Engine;
using CacheFailover.Group;
using CacheFailover.Options;
using CacheFailover.Services;
using CacheFailover.Testing;

namespace CacheFailover.Redis.Tests.Group;

/// <summary>
/// A member hears another member's decision while a switch of its own runs (it cannot follow it
/// then: its own claim would settle it). When its switch ends without a claim — here its target
/// hangs, so verification fails — it must follow the decision it heard at once, not serve the
/// service the group left (with unjournaled writes to it) until its next probe round.
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

        // Its switch waits for the hung backup-2 up to timeout_threshold_ms (3 s) before it fails.
        var own = TryFailOverAsync(late, "backup-2");
        Assert.True(await RealTimePoll.UntilAsync(() => late.Status == FailoverStatus.FailingOver, Limit), "the late member's switch did not begin");
        var decided = await decider.TriggerManualFailoverAsync("maintenance", "backup-1");
        Assert.True(decided.Success, decided.Error);
        var ownResult = await own;

        Assert.False(ownResult.Success);
        Assert.Equal("backup-1", late.ActiveServiceId);
        Assert.Equal(decider.Epoch, late.Epoch);
        var write = await late.SetWithResultAsync("k", Encoding.UTF8.GetBytes("v"));
        Assert.Equal("backup-1", write.ServedBy);
        Assert.Null(await _primary!.ExecuteAsync(["GET", "k"]));
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
        var factory = new RedisCacheBackendFactory();
        var engine = new FailoverEngine(
            new CacheServiceRegistration("primary", factory.Create("primary", _primary!.ConnectionString)),
            [
                new CacheServiceRegistration("backup-1", factory.Create("backup-1", _backup1!.ConnectionString)),
                new CacheServiceRegistration("backup-2", factory.Create("backup-2", _backup2!.ConnectionString)),
            ],
            new FailoverOptions
            {
                TimeoutThresholdMs = 3000,

                // No probe round during the test: only the announcement can tell a member of the decision.
                HealthCheckIntervalSeconds = 600,
                HealthCheckTimeoutSeconds = 1,
                AutoRecoveryEnabled = false,
                RetryBaseDelayMs = 5,
            },
            group: new FailoverGroupOptions { MemberId = id });
        _members.Add(engine);
        await engine.StartAsync();
        return engine;
    }
}
