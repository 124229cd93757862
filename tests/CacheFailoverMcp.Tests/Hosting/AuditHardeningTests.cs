using System.Text.Json;

namespace CacheFailoverMcp.Tests.Hosting;

/// <summary>What the audit trail and its log line keep of a call: never a secret, never an unbounded payload.</summary>
public sealed class AuditHardeningTests
{
    private const string Password = "S3CRETpw";

    [Theory]
    [InlineData("""{"service_id":"b2","connection_string":"redis://ops:S3CRETpw@10.0.0.7:6379"}""")]
    [InlineData("""{"service_id":"b2","connection":["redis://ops:S3CRETpw@10.0.0.7:6379"]}""")]
    [InlineData("""{"service_id":"b2","connection":"memory","extra":{"deep":[{"dsn":"h:6379,password=S3CRETpw"}]}}""")]
    [InlineData("""{"service_id":"b2","connection":"memory","note":"Bearer S3CRETpw"}""")]
    public async Task CallTool_SecretInAnyArgumentAtAnyDepth_IsRedactedInAuditEventsAndLog(string arguments)
    {
        using var logs = new CapturedLogs();
        await using var server = await TestServer.StartAsync(logs: logs);

        var result = await server.CallAsync("register_failover_service", arguments);
        var events = await server.CallOkAsync("get_failover_events", """{"include_audit":true}""");

        Assert.True(result.IsError);
        var audit = events.GetProperty("audit");
        Assert.Equal(1, audit.GetArrayLength());
        Assert.Equal("invalid_arguments", audit[0].GetProperty("outcome").GetString());
        Assert.DoesNotContain(Password, events.GetRawText(), StringComparison.Ordinal);
        Assert.DoesNotContain(Password, TestServer.Text(result), StringComparison.Ordinal);
        Assert.Contains("audit: register_failover_service", logs.Text, StringComparison.Ordinal);
        Assert.DoesNotContain(Password, logs.Text, StringComparison.Ordinal);
        Assert.Contains("***", audit[0].GetProperty("arguments").GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task CallTool_HugeUnknownArguments_AuditKeepsBoundedEntriesThatSayHowMuchWasCut()
    {
        using var logs = new CapturedLogs();
        await using var server = await TestServer.StartAsync(logs: logs);
        var huge = new string('x', 2 * 1024 * 1024);
        var many = string.Join(",", Enumerable.Range(0, 40).Select(i => $"\"a{i}\":\"{new string('y', 500)}\""));

        for (var i = 0; i < 3; i++)
        {
            await server.CallAsync("cache_set", $$"""{"key":"k","value":"v","blob":"{{huge}}"}""");
        }

        await server.CallAsync("cache_set", $$"""{"key":"k","value":"v",{{many}}}""");
        var events = await server.CallOkAsync("get_failover_events", """{"include_audit":true,"limit":1000}""");

        var entries = server.Audit.Query(10);
        Assert.Equal(4, entries.Count);
        Assert.All(entries, e => Assert.True(JsonSerializer.Serialize(e.Arguments).Length <= 6000, $"entry of {JsonSerializer.Serialize(e.Arguments).Length} characters"));
        var blob = entries[1].Arguments["blob"].GetString()!;
        Assert.StartsWith(new string('x', 200), blob, StringComparison.Ordinal);
        Assert.EndsWith($"[{huge.Length - 256} more characters cut]", blob, StringComparison.Ordinal);
        Assert.Contains("over the entry's limit", entries[0].Arguments["(cut)"].GetString(), StringComparison.Ordinal);
        Assert.True(events.GetRawText().Length < 40_000, $"events answer of {events.GetRawText().Length} characters");
        Assert.True(logs.Text.Length < 40_000, $"log of {logs.Text.Length} characters");
    }
}
