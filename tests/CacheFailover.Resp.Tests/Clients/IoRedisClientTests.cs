using System.Globalization;
using System.Text.Json;
using CacheFailover.Resp.Tests.Support;

namespace CacheFailover.Resp.Tests.Clients;

/// <summary>ioredis (Node, from npm) against the front door: a client of another language, its handshake, a pipeline, a transaction and a refusal.</summary>
[Collection(RedisPairGroup.Name)]
public sealed class IoRedisClientTests(RedisPairFixture redis)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);

    [Fact]
    public async Task IoRedis_EveryDataTypeAPipelineAndATransaction_Work_AndWatchIsRefusedWithoutClosing()
    {
        var folder = Path.Combine(RespDocsRoot.Repository, "tests", "CacheFailover.Resp.Tests", "Clients", "node");
        if (!Directory.Exists(Path.Combine(folder, "node_modules", "ioredis")))
        {
            // The pinned client from npm, into this test's own folder (package-lock.json fixes the tree).
            var install = await ExternalTool.RunAsync("npm", ["ci", "--no-audit", "--no-fund"], Timeout, workingDirectory: folder);
            Assert.True(install.ExitCode == 0, $"npm ci failed: {install.Stdout}\n{install.Stderr}");
        }

        var id = Guid.NewGuid().ToString("N");
        var (exit, stdout, stderr) = await ExternalTool.RunAsync("node", ["ioredis-check.mjs", redis.FrontDoor.Port.ToString(CultureInfo.InvariantCulture), id], Timeout, workingDirectory: folder);

        Assert.True(exit == 0, stderr);
        using var json = JsonDocument.Parse(stdout.Trim().Split('\n')[^1]);
        var result = json.RootElement;
        Assert.False(result.TryGetProperty("error", out var error), error.ToString());
        Assert.Equal("PONG", result.GetProperty("ping").GetString());
        Assert.Equal("OK", result.GetProperty("set").GetString());
        Assert.Equal("hello", result.GetProperty("get").GetString());
        Assert.Equal(2, result.GetProperty("hset").GetInt32());
        Assert.Equal("2", result.GetProperty("hgetall").GetProperty("b").GetString());
        Assert.Equal(["x", "y"], result.GetProperty("lrange").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(1, result.GetProperty("sadd").GetInt32());
        Assert.Equal(1, result.GetProperty("zadd").GetInt32());
        Assert.Equal(0, result.GetProperty("pipelineErrors").GetInt32());
        Assert.True(result.GetProperty("pipelineInOrder").GetBoolean());
        var multi = result.GetProperty("multi");
        Assert.Equal("OK", multi[0][1].GetString());
        Assert.Equal(1, multi[1][1].GetInt32());
        var watch = result.GetProperty("watch").GetString()!;
        Assert.True(watch.Contains("'WATCH' is not supported", StringComparison.Ordinal), watch);
        Assert.Equal("1", await redis.Primary.ExecuteAsync(["GET", $"node:tx:{id}"]));
        Assert.Equal("PONG", result.GetProperty("afterRefusal").GetString());
        Assert.Equal("hello", await redis.Primary.ExecuteAsync(["GET", $"node:{id}"]));
    }
}
