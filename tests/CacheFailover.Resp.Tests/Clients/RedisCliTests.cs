using System.Globalization;
using System.Text.RegularExpressions;
using CacheFailover.Resp.Tests.Support;

namespace CacheFailover.Resp.Tests.Clients;

/// <summary>redis-cli and redis-benchmark (Debian's redis-tools), pointed at the front door.</summary>
[Collection(RedisPairGroup.Name)]
public sealed partial class RedisCliTests(RedisPairFixture redis)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task RedisCli_CommandsOfEveryGroup_PrintWhatRedisWould()
    {
        var id = Guid.NewGuid().ToString("N");
        var script = string.Join('\n',
            $"SET cli:{id} hello EX 100",
            $"GET cli:{id}",
            $"HSET cli:h:{id} f v",
            $"HGET cli:h:{id} f",
            $"RPUSH cli:l:{id} a b",
            $"LRANGE cli:l:{id} 0 -1",
            $"SADD cli:s:{id} m",
            $"SCARD cli:s:{id}",
            "MULTI",
            "DISCARD",
            "PING") + "\n";

        var (exit, stdout, stderr) = await ExternalTool.RunAsync("redis-cli", ["-p", redis.FrontDoor.Port.ToString(CultureInfo.InvariantCulture)], Timeout, stdin: script);

        Assert.True(exit == 0, stderr);
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("OK", lines[0]);
        Assert.Equal("hello", lines[1]);
        Assert.Equal("1", lines[2]);
        Assert.Equal("v", lines[3]);
        Assert.Equal("2", lines[4]);
        Assert.Equal(["a", "b"], lines[5..7]);
        Assert.Equal("1", lines[7]);
        Assert.Equal("1", lines[8]);
        Assert.Equal("OK", lines[9]);
        Assert.Equal("OK", lines[10]);
        Assert.Equal("PONG", lines[11]);
    }

    [Fact]
    public async Task RedisBenchmark_SetAndGet_PipelinedAndNot_FinishWithoutErrors()
    {
        foreach (var pipeline in new[] { "1", "16" })
        {
            var (exit, stdout, stderr) = await ExternalTool.RunAsync(
                "timeout", ["50", "redis-benchmark", "-p", redis.FrontDoor.Port.ToString(CultureInfo.InvariantCulture), "-q", "-t", "set,get", "-n", "2000", "-c", "10", "-P", pipeline, "-d", "100"],
                Timeout);

            Assert.True(exit == 0, $"exit {exit}: {stdout}\n{stderr}");
            var results = Result().Matches(stdout.Replace('\r', '\n')).Select(m => m.Groups["test"].Value).ToList();
            Assert.Equal(["SET", "GET"], results);
            Assert.DoesNotContain("ERR", stdout + stderr, StringComparison.Ordinal);
        }

        // The benchmark's keys landed on the serving Redis.
        Assert.Equal("primary", redis.Engine.ActiveServiceId);
        Assert.Equal(100L, await redis.Primary.ExecuteAsync(["STRLEN", "key:__rand_int__"]));
    }

    [GeneratedRegex(@"^(?<test>SET|GET): [0-9.]+ requests per second", RegexOptions.Multiline)]
    private static partial Regex Result();
}
