using CacheFailover.Engine;
using CacheFailover.Options;
using CacheFailover.Services;
using CacheFailover.Testing;

namespace CacheFailover.Redis.Tests.Topologies;

/// <summary>
/// Redis ACL users against a real redis-server: a user who may read and write but not run what the
/// engine needs beyond that (UNLINK for failback, Lua for the group, PUBLISH for announcements) is
/// refused at registration with each missing right named; a user with them is registered.
/// </summary>
public sealed class AclUserTests : IAsyncLifetime
{
    private const string Password = "Acl-T3st-Passw0rd";
    private RedisServerProcess? _primary;
    private RedisServerProcess? _backups;

    private RedisServerProcess Primary => _primary!;

    private RedisServerProcess Backups => _backups!;

    public async Task InitializeAsync()
    {
        _primary = await RedisServerProcess.StartAsync();
        _backups = await RedisServerProcess.StartAsync();
        await Backups.ExecuteAsync(["ACL", "SETUSER", "limited", "on", ">" + Password, "~*", "+@read", "+@write", "+@connection"]);
        await Backups.ExecuteAsync(["ACL", "SETUSER", "nounlink", "on", ">" + Password, "~*", "&cachefailover:*", "+@all", "-unlink"]);
        await Backups.ExecuteAsync(["ACL", "SETUSER", "complete", "on", ">" + Password, "~*", "&cachefailover:*", "+@all"]);
    }

    public async Task DisposeAsync()
    {
        await Primary.DisposeAsync();
        await Backups.DisposeAsync();
    }

    [Fact]
    public async Task Register_UserWithoutTheEnginesRights_IsRefusedNamingEachMissingOne()
    {
        await using var engine = NewEngine();
        var backend = RedisCacheBackend.Create("limited", $"redis://limited:{Password}@{RedisServerProcess.Host}:{Backups.Port}");

        var refused = await Assert.ThrowsAsync<FailoverRefusedException>(() => engine.RegisterServiceAsync(new CacheServiceRegistration("limited", backend)));

        Assert.True(refused.Message.Contains("lacks rights the engine needs", StringComparison.Ordinal), refused.Message);
        Assert.Contains("EVAL / EVALSHA", refused.Message, StringComparison.Ordinal);
        Assert.Contains("PUBLISH", refused.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Password, refused.Message, StringComparison.Ordinal);
        Assert.Null(engine.GetBackend("limited"));
        await backend.DisposeAsync();
    }

    [Fact]
    public async Task Register_UserWithoutUnlink_IsRefusedNamingIt()
    {
        await using var engine = NewEngine();
        var backend = RedisCacheBackend.Create("nounlink", $"redis://nounlink:{Password}@{RedisServerProcess.Host}:{Backups.Port}");

        // Deletes are UNLINKs, so the serving check's test delete already meets the refusal.
        var refused = await Assert.ThrowsAsync<FailoverRefusedException>(() => engine.RegisterServiceAsync(new CacheServiceRegistration("nounlink", backend)));

        Assert.Contains("UNLINK failed", refused.Message, StringComparison.Ordinal);
        Assert.Contains("NoPermission", refused.Message, StringComparison.Ordinal);
        Assert.Null(engine.GetBackend("nounlink"));
        await backend.DisposeAsync();
    }

    [Fact]
    public async Task Register_UserWithTheEnginesRights_IsRegistered()
    {
        await using var engine = NewEngine();
        var backend = RedisCacheBackend.Create("complete", $"redis://complete:{Password}@{RedisServerProcess.Host}:{Backups.Port}");

        var registered = await engine.RegisterServiceAsync(new CacheServiceRegistration("complete", backend));

        Assert.Equal("complete", registered.ServiceId);
    }

    private FailoverEngine NewEngine()
    {
        var engine = new FailoverEngine(
            new CacheServiceRegistration("primary", RedisCacheBackend.Create("primary", Primary.ConnectionString)),
            [],
            new FailoverOptions());
        engine.Start();
        return engine;
    }
}
