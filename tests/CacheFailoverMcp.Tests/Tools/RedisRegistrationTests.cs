using CacheFailover.Testing;

namespace CacheFailoverMcp.Tests.Tools;

/// <summary>register_failover_service against a real redis-server: a real registration, verified by a probe.</summary>
[Collection(Process.ProcessTestGroup.Name)]
public sealed class RedisRegistrationTests
{
    [Fact]
    public async Task RegisterFailoverService_LiveRedis_IsVerifiedAddedAndServesAfterFailover()
    {
        await using var redis = await RedisServerProcess.StartAsync(["--requirepass", "hunter2secret"]);
        await using var server = await TestServer.StartAsync();

        var registered = await server.CallOkAsync("register_failover_service", $$"""{"service_id":"redis-backup","connection":"redis://:hunter2secret@127.0.0.1:{{redis.Port}}","priority":1}""");
        await server.CallOkAsync("trigger_manual_failover", """{"reason":"move to redis","target_service_id":"redis-backup"}""");
        var set = await server.CallOkAsync("cache_set", """{"key":"on-redis","value":"yes"}""");
        var status = TestServer.Text(await server.CallAsync("get_cache_failover_status"));
        var events = TestServer.Text(await server.CallAsync("get_failover_events", """{"include_audit":true}"""));

        Assert.Equal("redis-backup", registered.GetProperty("service_id").GetString());
        Assert.Equal("healthy", registered.GetProperty("health").GetString());
        Assert.Equal("redis-backup", set.GetProperty("served_by").GetString());
        Assert.DoesNotContain("hunter2secret", registered.GetRawText(), StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2secret", status, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2secret", events, StringComparison.Ordinal);
        Assert.Contains("redis://:***@127.0.0.1", events, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RegisterFailoverService_DeadRedis_IsRefusedAndNothingIsAdded()
    {
        await using var redis = await RedisServerProcess.StartAsync();
        var port = redis.Port;
        redis.Kill();
        await using var server = await TestServer.StartAsync();

        var result = await server.CallAsync("register_failover_service", $$"""{"service_id":"gone","connection":"redis://127.0.0.1:{{port}}"}""");

        Assert.True(result.IsError);
        Assert.Contains("did not answer a probe", TestServer.Text(result), StringComparison.Ordinal);
        Assert.Null(server.Engine.GetBackend("gone"));
    }

    [Fact]
    public async Task RegisterFailoverService_WrongPassword_IsRefusedSayingAuthenticationFailed()
    {
        await using var redis = await RedisServerProcess.StartAsync(["--requirepass", "hunter2secret"]);
        await using var server = await TestServer.StartAsync();

        var result = await server.CallAsync("register_failover_service", $$"""{"service_id":"locked","connection":"redis://:Wr0ngSecret@127.0.0.1:{{redis.Port}}"}""");

        Assert.True(result.IsError);
        Assert.Contains("authentication failed", TestServer.Text(result), StringComparison.Ordinal);
        Assert.DoesNotContain("Wr0ngSecret", TestServer.Text(result), StringComparison.Ordinal);
        Assert.Null(server.Engine.GetBackend("locked"));
    }

    [Fact]
    public async Task RegisterFailoverService_TlsCertificateNotTrusted_IsRefusedSayingSoNotPassword()
    {
        await using var redis = await CacheFailover.Testing.Topologies.RedisTlsServer.StartAsync();
        await using var server = await TestServer.StartAsync();

        var result = await server.CallAsync("register_failover_service", $$"""{"service_id":"tls","connection":"{{redis.UntrustedUri}}"}""");

        Assert.True(result.IsError);
        Assert.Contains("TLS handshake failed: the server's certificate was not accepted", TestServer.Text(result), StringComparison.Ordinal);
        Assert.DoesNotContain("password", TestServer.Text(result), StringComparison.OrdinalIgnoreCase);
        Assert.Null(server.Engine.GetBackend("tls"));
    }
}
