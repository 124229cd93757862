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
using ModelContextProtocol.Protocol;
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

    /// <summary>
    /// A server process dies (SIGKILL) or is stopped (SIGTERM) in the middle of reconciling the
    /// primary: after the group's record says <c>recovering</c>, while its invalidation of the journaled
    /// keys is still running on the primary. The process started again with the same arguments says at
    /// once what the group says (never <c>active</c> on a primary that is not reconciled), the failback is
    /// finished — by a takeover when the recovering member is gone, by a manual recovery when the group
    /// went back to failed over — and no key reads a value the failover replaced, none deleted comes back.
    /// </summary>
    [Theory]
    [InlineData("KILL")]
    [InlineData("TERM")]
    public async Task ServerStoppedWhileReconciling_ItsSuccessorFinishesTheFailback_NothingStaleNothingResurrected(string signal)
    {
        await using var primary = await RedisServerProcess.StartAsync();
        await using var backup = await RedisServerProcess.StartAsync();
        var written = Enumerable.Range(0, 20).Select(i => $"written-{i}").ToList();
        var deleted = Enumerable.Range(0, 5).Select(i => $"deleted-{i}").ToList();
        foreach (var key in written.Concat(deleted))
        {
            await primary.ExecuteAsync(["SET", key, "old"]);
        }

        string[] arguments =
        [
            "--transport", "http", "--urls", "http://127.0.0.1:0", "--primary", primary.Uri, "--backup", backup.ConnectionString,
            "--auto_recovery_enabled", "false", "--health_check_interval_seconds", "1", "--health_check_timeout_seconds", "0.5",
        ];

        await using (var first = ServerProcess.Start(arguments))
        {
            await using var client = await HttpMcpClientAsync(first);
            await StdioProcessTests.CallOkAsync(client, "trigger_manual_failover", new() { ["reason"] = "maintenance" });
            foreach (var key in written)
            {
                await StdioProcessTests.CallOkAsync(client, "cache_set", new() { ["key"] = key, ["value"] = "new" });
            }

            foreach (var key in deleted)
            {
                await StdioProcessTests.CallOkAsync(client, "cache_delete", new() { ["key"] = key });
            }

            // 150,000 more names in the failover's journal set on the backup, as if that many keys had been
            // written through the group. After its claim the recovering member reads the set again (now
            // complete) before the primary serves: that read of 150,026 names lasts long enough to stop
            // the process in the middle of it, once the record says recovering.
            var journals = (object?[])(await backup.ExecuteAsync(["KEYS", "cachefailover:group:{default}:journal:*"]))!;
            var journal = Assert.Single(journals.Cast<string>(), k => !k.EndsWith(":overflow", StringComparison.Ordinal));
            await backup.ExecuteAsync(["EVAL", "for c = 0, 149 do local a = {} for i = 1, 1000 do a[#a + 1] = 'journaled-' .. (c * 1000 + i) end redis.call('SADD', KEYS[1], unpack(a)) end return 1", "1", journal]);

            // Not awaited: the process is stopped while it runs.
            var recovery = client.CallToolAsync("trigger_manual_recovery", new Dictionary<string, object?> { ["reason"] = "patched" }).AsTask();
            Assert.True(await RealTimePoll.UntilAsync(async () => recovery.IsCompleted || await RecordStatusAsync(backup) == "recovering", Limit), "the record never said recovering");
            if (recovery.IsCompleted)
            {
                var ended = await recovery;
                Assert.Fail("the recovery ended before the record said recovering: " + string.Concat(ended.Content.OfType<TextContentBlock>().Select(c => c.Text)));
            }

            var answeredBefore = recovery.IsCompleted;
            if (signal == "KILL")
            {
                first.Kill();
                Assert.Equal(137, await first.WaitForExitAsync(Limit));
            }
            else
            {
                first.Terminate();
                Assert.Equal(0, await first.WaitForExitAsync(Limit));
            }

            output.WriteLine($"SIG{signal} sent while the record said recovering; the recovery call had {(answeredBefore ? "" : "not ")}answered by then, and {(recovery.IsCompletedSuccessfully ? "answered" : "failed or did not answer")}");
        }

        var recordAfterStop = await RecordStatusAsync(backup);
        output.WriteLine($"record on the backup after SIG{signal}: {recordAfterStop}");
        await using var second = ServerProcess.Start(arguments);
        await using var successor = await HttpMcpClientAsync(second);
        var status = await StdioProcessTests.CallOkAsync(successor, "get_cache_failover_status");
        output.WriteLine($"the successor's first status: {status.GetProperty("status").GetString()} on {status.GetProperty("active_service_id").GetString()}");
        if (recordAfterStop != "recovered")
        {
            Assert.DoesNotContain(status.GetProperty("status").GetString(), new[] { "active", "recovered" });
            Assert.Equal("backup-1", status.GetProperty("active_service_id").GetString());
        }

        if (recordAfterStop == "failed_over")
        {
            var recovered = await StdioProcessTests.CallOkAsync(successor, "trigger_manual_recovery", new() { ["reason"] = "patched, again" });
            Assert.True(recovered.GetProperty("success").GetBoolean(), recovered.ToString());
        }

        // A recovering member that is gone is taken over after five probe intervals (at least 10 s; docs/group.md).
        Assert.True(
            await RealTimePoll.UntilAsync(async () => (await StdioProcessTests.CallOkAsync(successor, "get_cache_failover_status")).GetProperty("active_service_id").GetString() == "primary", TimeSpan.FromSeconds(40)),
            "the successor never failed back:\n" + second.Stderr);
        // The member switches, then writes the recovered record (docs/group.md, step 5).
        Assert.True(await RealTimePoll.UntilAsync(async () => await RecordStatusAsync(primary) == "recovered", Limit), "the record on the primary never said recovered");

        foreach (var key in written)
        {
            var read = await StdioProcessTests.CallOkAsync(successor, "cache_get", new() { ["key"] = key });
            Assert.NotEqual("old", ValueOf(read));
            Assert.NotEqual("old", await primary.ExecuteAsync(["GET", key]) as string);
        }

        foreach (var key in deleted)
        {
            Assert.Null(ValueOf(await StdioProcessTests.CallOkAsync(successor, "cache_get", new() { ["key"] = key })));
            Assert.Equal(0L, await primary.ExecuteAsync(["EXISTS", key]));
        }

    }

    private static string? ValueOf(JsonElement read)
        => read.TryGetProperty("value", out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static async Task<string?> RecordStatusAsync(RedisServerProcess service)
    {
        // The record's hash (docs/group.md): its status field is the wire name, e.g. failed_over.
        return await service.ExecuteAsync(["HGET", "cachefailover:group:{default}:record", "status"]) as string;
    }

    private static async Task<McpClient> HttpMcpClientAsync(ServerProcess server)
    {
        var baseUrl = await server.WaitUntilListeningAsync(Limit);
        return await McpClient.CreateAsync(new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = new Uri(baseUrl, "/mcp"),
            TransportMode = HttpTransportMode.StreamableHttp,
        }));
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
