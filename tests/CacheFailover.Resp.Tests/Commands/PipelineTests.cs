using System.Text;
using CacheFailover.Backends;
using CacheFailover.Engine;
using CacheFailover.Resp.Tests.Support;
using CacheFailover.Services;
using CacheFailover.Testing;

namespace CacheFailover.Resp.Tests.Commands;

/// <summary>
/// Pipelining: every command of a batch is started before the first reply is written, and the replies
/// go out in the order the commands came in, whatever order they finish in and whatever fails among them.
/// </summary>
public sealed class PipelineTests : IAsyncLifetime
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(10);
    private GatedBackend _primary = null!;
    private FailoverEngine _engine = null!;
    private FrontDoorHost _host = null!;
    private RawClient _client = null!;

    public async Task InitializeAsync()
    {
        _primary = new GatedBackend(new InMemoryCacheBackend("primary"));
        _engine = new FailoverEngine(
            new CacheServiceRegistration("primary", _primary),
            [new CacheServiceRegistration("backup-1", new InMemoryCacheBackend("backup"))],
            Engines.QuietOptions);
        _host = await FrontDoorHost.StartAsync(_engine);
        _client = await RawClient.ConnectAsync(_host.Port);
    }

    public async Task DisposeAsync()
    {
        _primary.Open();
        await _client.DisposeAsync();
        await _host.DisposeAsync();
        await _engine.DisposeAsync();
    }

    [Fact]
    public async Task Pipeline_LaterCommandsFinishFirst_RepliesStayInTheOrderSent()
    {
        await _primary.Inner.SetAsync(GatedBackend.GatedPrefix + "first", "slow"u8.ToArray());

        await _client.SendRawAsync([
            .. RawClient.Encode("GET", GatedBackend.GatedPrefix + "first"),
            .. RawClient.Encode("SET", "later", "fast"),
            .. RawClient.Encode("INCR", "counter"),
            .. RawClient.Encode("GET", "later"),
        ]);

        // The first command is held while the ones after it run to the end on the backend.
        Assert.True(await RealTimePoll.UntilAsync(async () => _primary.Waiting == 1 && await _primary.Inner.GetAsync("later") is { } value && Encoding.UTF8.GetString(value) == "fast", Limit));
        Assert.True(await RealTimePoll.UntilAsync(async () => await _primary.Inner.GetAsync("counter") is not null, Limit));
        _primary.Open();

        Assert.Equal("slow", await _client.ReadAsync());
        Assert.Equal("OK", await _client.ReadAsync());
        Assert.Equal(1L, await _client.ReadAsync());
        Assert.Equal("fast", await _client.ReadAsync());
    }

    [Fact]
    public async Task Pipeline_ErrorsInTheMiddle_AnsweredInPlace_TheRestStillRuns()
    {
        await _client.SendRawAsync([
            .. RawClient.Encode("SET", "text", "not a number"),
            .. RawClient.Encode("INCR", "text"),
            .. RawClient.Encode("NOSUCHCOMMAND", "x"),
            .. RawClient.Encode("GET"),
            .. RawClient.Encode("SUBSCRIBE", "channel"),
            .. RawClient.Encode("SET", "after", "ran"),
            .. RawClient.Encode("GET", "after"),
        ]);

        Assert.Equal("OK", await _client.ReadAsync());
        Assert.Equal(new RespError("ERR value is not an integer or out of range"), await _client.ReadAsync());
        var unknown = Assert.IsType<RespError>(await _client.ReadAsync());
        Assert.StartsWith("ERR unknown command 'NOSUCHCOMMAND'", unknown.Message, StringComparison.Ordinal);
        Assert.Equal(new RespError("ERR wrong number of arguments for 'get' command"), await _client.ReadAsync());
        var refused = Assert.IsType<RespError>(await _client.ReadAsync());
        Assert.StartsWith("ERR 'SUBSCRIBE' is not supported", refused.Message, StringComparison.Ordinal);
        Assert.Equal("OK", await _client.ReadAsync());
        Assert.Equal("ran", await _client.ReadAsync());
        Assert.Equal("PONG", await _client.CallAsync("PING"));
    }

    [Fact]
    public async Task Pipeline_AFailedCommandBeforeAHeldOne_KeepsItsPlace()
    {
        await _primary.Inner.SetAsync(GatedBackend.GatedPrefix + "held", "held"u8.ToArray());

        await _client.SendRawAsync([
            .. RawClient.Encode("INCR", "x", "extra"),
            .. RawClient.Encode("GET", GatedBackend.GatedPrefix + "held"),
            .. RawClient.Encode("ECHO", "answered at once"),
        ]);

        Assert.True(await RealTimePoll.UntilAsync(() => _primary.Waiting == 1, Limit));
        _primary.Open();

        Assert.Equal(new RespError("ERR wrong number of arguments for 'incr' command"), await _client.ReadAsync());
        Assert.Equal("held", await _client.ReadAsync());
        Assert.Equal("answered at once", await _client.ReadAsync());
    }
}
