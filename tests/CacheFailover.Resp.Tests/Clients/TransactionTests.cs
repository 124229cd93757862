using CacheFailover.Resp.Tests.Support;

namespace CacheFailover.Resp.Tests.Clients;

/// <summary>MULTI … EXEC through the front door on real servers: queued, run as one transaction on the serving service, journaled as one.</summary>
[Collection(RedisPairGroup.Name)]
public sealed class TransactionTests(RedisPairFixture redis)
{
    [Fact]
    public async Task MultiExec_QueuesThenRunsAllOnTheServingRedis()
    {
        await using var client = await RawClient.ConnectAsync(redis.FrontDoor.Port);
        var id = Guid.NewGuid().ToString("N");

        Assert.Equal("OK", await client.CallAsync("MULTI"));
        Assert.Equal("QUEUED", await client.CallAsync("SET", $"tx:{id}", "v"));
        Assert.Equal("QUEUED", await client.CallAsync("INCR", $"tx:n:{id}"));
        Assert.Equal("QUEUED", await client.CallAsync("INCR", $"tx:{id}"));
        Assert.Null(await redis.Primary.ExecuteAsync(["GET", $"tx:{id}"]));
        var exec = (object?[])(await client.CallAsync("EXEC"))!;

        Assert.Equal("OK", exec[0]);
        Assert.Equal(1L, exec[1]);
        // A command that fails when run answers its own error inside the array, as Redis does.
        Assert.StartsWith("ERR value is not an integer", Assert.IsType<RespError>(exec[2]).Message, StringComparison.Ordinal);
        Assert.Equal("v", await redis.Primary.ExecuteAsync(["GET", $"tx:{id}"]));
    }

    [Fact]
    public async Task MultiWithARefusedCommand_ExecAbortsAndRunsNone()
    {
        await using var client = await RawClient.ConnectAsync(redis.FrontDoor.Port);
        var id = Guid.NewGuid().ToString("N");

        Assert.Equal("OK", await client.CallAsync("MULTI"));
        Assert.Equal("QUEUED", await client.CallAsync("SET", $"abort:{id}", "v"));
        Assert.IsType<RespError>(await client.CallAsync("GET"));
        Assert.StartsWith("ERR 'SUBSCRIBE' cannot be queued", Assert.IsType<RespError>(await client.CallAsync("SUBSCRIBE", "c")).Message, StringComparison.Ordinal);

        Assert.Equal(new RespError("EXECABORT Transaction discarded because of previous errors."), await client.CallAsync("EXEC"));
        Assert.Null(await redis.Primary.ExecuteAsync(["GET", $"abort:{id}"]));
        Assert.Equal(new RespError("ERR EXEC without MULTI"), await client.CallAsync("EXEC"));
    }

    [Fact]
    public async Task MultiExec_WhileTheBackupServes_JournalsEveryKey_AndNothingReadsStaleAfterFailback()
    {
        await using var client = await RawClient.ConnectAsync(redis.FrontDoor.Port);
        var id = Guid.NewGuid().ToString("N");
        Assert.Equal("OK", await client.CallAsync("MSET", $"txf:a:{id}", "old", $"txf:b:{id}", "old"));
        Assert.Equal(2L, await client.CallAsync("RPUSH", $"txf:l:{id}", "old", "old"));
        var before = redis.Engine.GetJournal().PendingKeys;
        Assert.True((await redis.Engine.TriggerManualFailoverAsync("test")).Success);
        try
        {
            Assert.Equal("OK", await client.CallAsync("MULTI"));
            Assert.Equal("QUEUED", await client.CallAsync("SET", $"txf:a:{id}", "new"));
            Assert.Equal("QUEUED", await client.CallAsync("DEL", $"txf:b:{id}", $"txf:l:{id}"));
            Assert.Equal(new object?[] { "OK", 0L }, await client.CallAsync("EXEC"));
            Assert.Equal(before + 3, redis.Engine.GetJournal().PendingKeys);
        }
        finally
        {
            var recovery = await redis.Engine.TriggerManualRecoveryAsync("test");
            Assert.True(recovery.Success, recovery.RefusalReason);
        }

        Assert.Equal(new object?[] { null, null }, await client.CallAsync("MGET", $"txf:a:{id}", $"txf:b:{id}"));
        Assert.Equal(0L, await client.CallAsync("LLEN", $"txf:l:{id}"));
    }
}
