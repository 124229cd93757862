using CacheFailover.Resp.Tests.Support;

namespace CacheFailover.Resp.Tests.Commands;

public sealed class AuthenticationTests : IAsyncLifetime
{
    private const string Password = "correct-horse-battery-staple";
    private CacheFailover.Engine.FailoverEngine _engine = null!;
    private FrontDoorHost _host = null!;

    public async Task InitializeAsync()
    {
        _engine = Engines.InMemory();
        _host = await FrontDoorHost.StartAsync(_engine, Password);
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        await _engine.DisposeAsync();
    }

    [Fact]
    public async Task WithAPassword_CommandsWaitForAuth()
    {
        await using var client = await RawClient.ConnectAsync(_host.Port);

        Assert.Equal(new RespError("NOAUTH Authentication required."), await client.CallAsync("GET", "k"));
        Assert.Equal(new RespError("WRONGPASS invalid username-password pair or user is disabled."), await client.CallAsync("AUTH", "wrong"));
        Assert.Equal(new RespError("WRONGPASS invalid username-password pair or user is disabled."), await client.CallAsync("AUTH", "admin", Password));
        Assert.StartsWith("ERR syntax error", Assert.IsType<RespError>(await client.CallAsync("AUTH", "default", Password, "extra")).Message, StringComparison.Ordinal);
        Assert.Equal("OK", await client.CallAsync("AUTH", Password));
        Assert.Null(await client.CallAsync("GET", "k"));
    }

    [Fact]
    public async Task HelloAuth_AuthenticatesAndNamesTheClient()
    {
        await using var client = await RawClient.ConnectAsync(_host.Port);

        Assert.StartsWith("NOAUTH", Assert.IsType<RespError>(await client.CallAsync("HELLO", "2")).Message, StringComparison.Ordinal);
        var hello = (object?[])(await client.CallAsync("HELLO", "2", "AUTH", "default", Password, "SETNAME", "app"))!;
        Assert.Equal("proto", hello[4]);
        Assert.Equal("app", await client.CallAsync("CLIENT", "GETNAME"));
    }

    [Fact]
    public async Task Reset_ForgetsTheAuthentication()
    {
        await using var client = await RawClient.ConnectAsync(_host.Port);
        Assert.Equal("OK", await client.CallAsync("AUTH", "default", Password));

        Assert.Equal("RESET", await client.CallAsync("RESET"));
        Assert.Equal(new RespError("NOAUTH Authentication required."), await client.CallAsync("PING"));
    }
}
