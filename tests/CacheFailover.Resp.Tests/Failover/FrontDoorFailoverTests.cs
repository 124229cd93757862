using CacheFailover.Resp.Tests.Support;
using StackExchange.Redis;

namespace CacheFailover.Resp.Tests.Failover;

/// <summary>
/// A manual failover in the middle of a client's traffic through the front door, on real servers:
/// writes go to the backup, and after failback nothing written or deleted meanwhile reads as the
/// primary's older value — for strings, hashes, lists and sets (I1, I2).
/// </summary>
[Collection(RedisPairGroup.Name)]
public sealed class FrontDoorFailoverTests(RedisPairFixture redis)
{
    private const int KeysPerType = 50;

    [Fact]
    public async Task ManualFailoverMidTraffic_WritesGoToTheBackup_AndAfterFailbackNoneReadsStaleOrResurrected()
    {
        await using var client = await ConnectionMultiplexer.ConnectAsync(redis.FrontDoor.Endpoint);
        var db = client.GetDatabase();
        var id = Guid.NewGuid().ToString("N");
        string Key(string type, int i) => $"fo:{id}:{type}:{i}";

        // Before: every key holds an "old" value on the primary.
        for (var i = 0; i < KeysPerType; i++)
        {
            await db.StringSetAsync(Key("s", i), "old");
            await db.HashSetAsync(Key("h", i), "f", "old");
            await db.ListRightPushAsync(Key("l", i), "old");
            await db.SetAddAsync(Key("set", i), "old");
        }

        var failover = await redis.Engine.TriggerManualFailoverAsync("patching the primary");
        Assert.True(failover.Success, failover.Error);
        Assert.Equal("backup-1", redis.Engine.ActiveServiceId);

        // During: even keys are written anew, odd keys deleted — through the front door, on the backup.
        for (var i = 0; i < KeysPerType; i++)
        {
            if (i % 2 == 0)
            {
                await db.StringSetAsync(Key("s", i), "new");
                await db.HashSetAsync(Key("h", i), "f", "new");
                await db.ListLeftPushAsync(Key("l", i), "new");
                await db.SetAddAsync(Key("set", i), "new");
            }
            else
            {
                Assert.Equal(0, await db.KeyDeleteAsync([Key("s", i), Key("h", i), Key("l", i), Key("set", i)]));
            }
        }

        Assert.Equal("new", await redis.Backup.ExecuteAsync(["GET", Key("s", 0)]));
        Assert.Equal("old", await redis.Primary.ExecuteAsync(["GET", Key("s", 0)]));
        Assert.Equal(4 * KeysPerType, redis.Engine.GetJournal().PendingKeys);

        var recovery = await redis.Engine.TriggerManualRecoveryAsync("patched");
        Assert.True(recovery.Success, recovery.RefusalReason);
        Assert.Equal("primary", redis.Engine.ActiveServiceId);

        // After: through the front door again, now on the primary. Nothing may read "old".
        int stale = 0, resurrected = 0;
        for (var i = 0; i < KeysPerType; i++)
        {
            var seen = new[]
            {
                (string?)await db.StringGetAsync(Key("s", i)),
                (string?)await db.HashGetAsync(Key("h", i), "f"),
                (string?)await db.ListGetByIndexAsync(Key("l", i), -1),
                (await db.SetContainsAsync(Key("set", i), "old")) ? "old" : null,
            };
            var olds = seen.Count(v => v == "old");
            if (i % 2 == 0)
            {
                stale += olds;
            }
            else
            {
                resurrected += olds;
            }
        }

        Assert.Equal(0, stale);
        Assert.Equal(0, resurrected);
    }
}
