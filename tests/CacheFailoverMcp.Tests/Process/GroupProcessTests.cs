using System.Diagnostics;
using System.Text;
using System.Text.Json;
using CacheFailover.Engine;
using CacheFailover.Group;
using CacheFailover.Options;
using CacheFailover.Redis;
using CacheFailover.Services;
using CacheFailover.Testing;
using ModelContextProtocol.Client;
using Xunit.Abstractions;

namespace CacheFailoverMcp.Tests.Process;

/// <summary>
/// The stdio server an assistant starts is a control-only member of the failover group of the
/// application processes over the same caches: its decisions move them, its status shows them,
/// and a new stdio server started later sees the group failed over.
/// </summary>
[Collection(ProcessTestGroup.Name)]
public sealed class GroupProcessTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task StdioServer_ManualFailoverAndRecovery_MoveTheApplicationMemberAndSurviveItsRestart()
    {
        await using var primary = await RedisServerProcess.StartAsync();
        await using var backup = await RedisServerProcess.StartAsync();
        await using var app = await ApplicationMemberAsync(primary, backup);
        await app.SetAsync("greeting", Encoding.UTF8.GetBytes("old"));

        await using (var assistant = await StdioServerAsync(primary, backup))
        {
            var failover = await StdioProcessTests.CallOkAsync(assistant, "trigger_manual_failover", new() { ["reason"] = "patching the primary" });
            var followed = Stopwatch.GetTimestamp();
            Assert.True(await WaitForAsync(() => app.ActiveServiceId == "backup-1"), "the application member did not follow");
            output.WriteLine($"application member on the backup {Stopwatch.GetElapsedTime(followed).TotalMilliseconds:0.0} ms after the stdio server answered");

            Assert.True(failover.GetProperty("success").GetBoolean());
            Assert.Empty(failover.GetProperty("members_not_following").EnumerateArray());
            var group = (await StdioProcessTests.CallOkAsync(assistant, "get_cache_failover_status")).GetProperty("group");
            Assert.Equal("default", group.GetProperty("name").GetString());
            Assert.False(group.GetProperty("carries_traffic").GetBoolean());
            Assert.Equal("failed_over", group.GetProperty("record").GetProperty("status").GetString());
            var members = group.GetProperty("members").EnumerateArray().ToList();
            Assert.Contains(members, m => m.GetProperty("member_id").GetString() == "app" && m.GetProperty("carries_traffic").GetBoolean() && m.GetProperty("serving_service_id").GetString() == "backup-1");
        }

        await app.SetAsync("greeting", Encoding.UTF8.GetBytes("new"));

        // The assistant's next session starts a new stdio server: it sees the group failed over and recovers it.
        await using (var assistant = await StdioServerAsync(primary, backup))
        {
            var status = await StdioProcessTests.CallOkAsync(assistant, "get_cache_failover_status");
            Assert.Equal("failed_over", status.GetProperty("status").GetString());
            Assert.Equal("backup-1", status.GetProperty("active_service_id").GetString());

            var recovery = await StdioProcessTests.CallOkAsync(assistant, "trigger_manual_recovery", new() { ["reason"] = "patched" });
            Assert.True(recovery.GetProperty("success").GetBoolean());
            Assert.Equal(1, recovery.GetProperty("reconciled_keys").GetInt64());
            Assert.Empty(recovery.GetProperty("members_not_following").EnumerateArray());
        }

        Assert.Equal("primary", app.ActiveServiceId);
        var value = await app.GetAsync("greeting");
        Assert.NotEqual("old", value is null ? null : Encoding.UTF8.GetString(value));
    }

    private static async Task<FailoverEngine> ApplicationMemberAsync(RedisServerProcess primary, RedisServerProcess backup)
    {
        var factory = new RedisCacheBackendFactory();
        var engine = new FailoverEngine(
            new CacheServiceRegistration("primary", factory.Create("primary", primary.Uri)),
            [new CacheServiceRegistration("backup-1", factory.Create("backup-1", backup.ConnectionString))],
            new FailoverOptions { AutoRecoveryEnabled = false },
            group: new FailoverGroupOptions { MemberId = "app" });
        await engine.StartAsync();
        return engine;
    }

    private static async Task<McpClient> StdioServerAsync(RedisServerProcess primary, RedisServerProcess backup)
    {
        var transport = new StdioClientTransport(new StdioClientTransportOptions
        {
            Name = "cache-failover-mcp",
            Command = "dotnet",
            Arguments = [ServerExecutable.DllPath, "--primary", primary.Uri, "--backup", backup.ConnectionString],
        });
        return await McpClient.CreateAsync(transport);
    }

    private static Task<bool> WaitForAsync(Func<bool> condition) => RealTimePoll.UntilAsync(condition, Limit);
}
