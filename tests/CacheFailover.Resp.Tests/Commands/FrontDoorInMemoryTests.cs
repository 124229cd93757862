using CacheFailover.Resp.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace CacheFailover.Resp.Tests.Commands;

/// <summary>The front door on a real socket in front of the in-memory default (strings, keys and TTLs), seen by a bare RESP client.</summary>
public sealed class FrontDoorInMemoryTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2026-12-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
    private CacheFailover.Engine.FailoverEngine _engine = null!;
    private FrontDoorHost _host = null!;
    private RawClient _client = null!;

    public async Task InitializeAsync()
    {
        _engine = Engines.InMemory(_time);
        _host = await FrontDoorHost.StartAsync(_engine);
        _client = await RawClient.ConnectAsync(_host.Port);
    }

    public async Task DisposeAsync()
    {
        await _client.DisposeAsync();
        await _host.DisposeAsync();
        await _engine.DisposeAsync();
    }

    [Fact]
    public async Task Strings_SetWithOptionsGetAndCounters_AnswerAsRedisDoes()
    {
        Assert.Equal("OK", await _client.CallAsync("SET", "s", "v1"));
        Assert.Null(await _client.CallAsync("SET", "s", "v2", "NX"));
        Assert.Equal("v1", await _client.CallAsync("SET", "s", "v3", "XX", "GET"));
        Assert.Equal("v3", await _client.CallAsync("GET", "s"));
        Assert.Equal(3L, await _client.CallAsync("APPEND", "s", "!"));
        Assert.Equal(3L, await _client.CallAsync("STRLEN", "s"));
        Assert.Equal("3!", await _client.CallAsync("GETRANGE", "s", "1", "-1"));
        Assert.Equal(5L, await _client.CallAsync("SETRANGE", "s", "3", "ab"));
        Assert.Equal("v3!ab", await _client.CallAsync("GET", "s"));
        Assert.Equal(1L, await _client.CallAsync("INCR", "n"));
        Assert.Equal(11L, await _client.CallAsync("INCRBY", "n", "10"));
        Assert.Equal(8L, await _client.CallAsync("DECRBY", "n", "3"));
        Assert.Equal(new RespError("ERR value is not an integer or out of range"), await _client.CallAsync("INCR", "s"));
        Assert.Equal("OK", await _client.CallAsync("MSET", "a", "1", "b", "2"));
        Assert.Equal(new object?[] { "1", "2", null }, await _client.CallAsync("MGET", "a", "b", "missing"));
        Assert.Equal("1", await _client.CallAsync("GETDEL", "a"));
        Assert.Null(await _client.CallAsync("GET", "a"));
    }

    [Fact]
    public async Task KeysAndTtls_FollowTheInjectedClock()
    {
        Assert.Equal("OK", await _client.CallAsync("SET", "t", "v", "EX", "10"));
        Assert.Equal(10L, await _client.CallAsync("TTL", "t"));
        _time.Advance(TimeSpan.FromSeconds(4));
        Assert.Equal(6000L, await _client.CallAsync("PTTL", "t"));
        Assert.Equal(1L, await _client.CallAsync("PERSIST", "t"));
        Assert.Equal(-1L, await _client.CallAsync("TTL", "t"));
        Assert.Equal(1L, await _client.CallAsync("PEXPIRE", "t", "500"));
        Assert.Equal("string", await _client.CallAsync("TYPE", "t"));
        _time.Advance(TimeSpan.FromMilliseconds(500));
        Assert.Equal(-2L, await _client.CallAsync("TTL", "t"));
        Assert.Equal("none", await _client.CallAsync("TYPE", "t"));

        Assert.Equal("OK", await _client.CallAsync("MSET", "k:1", "a", "k:2", "b", "other", "c"));
        Assert.Equal(2L, await _client.CallAsync("EXISTS", "k:1", "k:2", "nope"));
        Assert.Equal(3L, await _client.CallAsync("DBSIZE"));
        var keys = (object?[])(await _client.CallAsync("KEYS", "k:*"))!;
        Assert.Equal(["k:1", "k:2"], keys.Cast<string>().Order());
        var scan = (object?[])(await _client.CallAsync("SCAN", "0", "MATCH", "k:[2]", "COUNT", "10"))!;
        Assert.Equal("0", scan[0]);
        Assert.Equal(new object?[] { "k:2" }, scan[1]);
        Assert.Equal(2L, await _client.CallAsync("DEL", "k:1", "k:2", "nope"));
        Assert.Equal(1L, await _client.CallAsync("UNLINK", "other"));
    }

    [Fact]
    public async Task OtherDataTypes_OnTheInMemoryBackend_AreRefusedNamingIt()
    {
        var reply = Assert.IsType<RespError>(await _client.CallAsync("HSET", "h", "f", "v"));
        Assert.StartsWith("ERR 'HSET' is not supported by the in-memory backend (memory://primary)", reply.Message, StringComparison.Ordinal);
        Assert.Equal("PONG", await _client.CallAsync("PING"));
    }

    [Fact]
    public async Task UnknownAndRefusedCommands_SayWhy_AndTheConnectionStaysOpen()
    {
        var unknown = Assert.IsType<RespError>(await _client.CallAsync("FROBNICATE", "x"));
        Assert.StartsWith("ERR unknown command 'FROBNICATE'", unknown.Message, StringComparison.Ordinal);
        Assert.Equal("OK", await _client.CallAsync("MULTI"));
        Assert.Equal("QUEUED", await _client.CallAsync("SET", "in-tx", "v"));
        var exec = Assert.IsType<RespError>(await _client.CallAsync("EXEC"));
        Assert.StartsWith("ERR transactions (MULTI/EXEC) are not supported by the backend at memory://primary", exec.Message, StringComparison.Ordinal);
        Assert.Null(await _client.CallAsync("GET", "in-tx"));
        var watch = Assert.IsType<RespError>(await _client.CallAsync("WATCH", "k"));
        Assert.StartsWith("ERR 'WATCH' is not supported: WATCH is not supported yet", watch.Message, StringComparison.Ordinal);
        var blocking = Assert.IsType<RespError>(await _client.CallAsync("BLPOP", "l", "0"));
        Assert.Contains("blocking commands are not supported", blocking.Message, StringComparison.Ordinal);
        var subscribe = Assert.IsType<RespError>(await _client.CallAsync("SUBSCRIBE", "news"));
        Assert.StartsWith("ERR 'SUBSCRIBE' is not supported: pub/sub is not supported yet", subscribe.Message, StringComparison.Ordinal);
        var eval = Assert.IsType<RespError>(await _client.CallAsync("EVAL", "return 1", "0"));
        Assert.StartsWith("ERR 'EVAL' is not supported: scripts and functions are not supported yet", eval.Message, StringComparison.Ordinal);
        Assert.Equal(new RespError("ERR wrong number of arguments for 'get' command"), await _client.CallAsync("GET"));
        Assert.Equal("PONG", await _client.CallAsync("PING"));
    }

    [Fact]
    public async Task ConnectionCommands_AnswerForThisConnection()
    {
        Assert.Equal("hi", await _client.CallAsync("PING", "hi"));
        Assert.Equal("x y", await _client.CallAsync("ECHO", "x y"));
        Assert.Equal("OK", await _client.CallAsync("SELECT", "0"));
        Assert.StartsWith("ERR SELECT", Assert.IsType<RespError>(await _client.CallAsync("SELECT", "3")).Message, StringComparison.Ordinal);
        Assert.Equal("OK", await _client.CallAsync("CLIENT", "SETNAME", "tester"));
        Assert.Equal("tester", await _client.CallAsync("CLIENT", "GETNAME"));
        var id = Assert.IsType<long>(await _client.CallAsync("CLIENT", "ID"));
        Assert.Contains($"id={id} ", (string)(await _client.CallAsync("CLIENT", "LIST"))!, StringComparison.Ordinal);
        var hello = (object?[])(await _client.CallAsync("HELLO", "2"))!;
        Assert.Equal(2L, hello[5]);
        Assert.StartsWith("NOPROTO", Assert.IsType<RespError>(await _client.CallAsync("HELLO", "3")).Message, StringComparison.Ordinal);
        Assert.Equal(Array.Empty<object?>(), await _client.CallAsync("CONFIG", "GET", "save"));
        Assert.Equal(new RespError("ERR This instance has cluster support disabled"), await _client.CallAsync("CLUSTER", "NODES"));
        var count = Assert.IsType<long>(await _client.CallAsync("COMMAND", "COUNT"));
        Assert.True(count > 100, $"COMMAND COUNT = {count}");
        var info = (string)(await _client.CallAsync("INFO"))!;
        Assert.Contains("redis_mode:standalone", info, StringComparison.Ordinal);
        Assert.Contains("connected_clients:1", info, StringComparison.Ordinal);
        Assert.Contains("serving:primary", info, StringComparison.Ordinal);
        Assert.Equal("OK", await _client.CallAsync("QUIT"));
        Assert.True(await _client.IsClosedByServerAsync());
    }

    [Fact]
    public async Task Pipeline_ManyCommandsInOneWrite_RepliesInOrder()
    {
        var batch = new List<byte>();
        for (var i = 0; i < 200; i++)
        {
            batch.AddRange(RawClient.Encode("SET", $"p:{i}", $"v{i}"));
            batch.AddRange(RawClient.Encode("GET", $"p:{i}"));
        }

        await _client.SendRawAsync([.. batch]);
        for (var i = 0; i < 200; i++)
        {
            Assert.Equal("OK", await _client.ReadAsync());
            Assert.Equal($"v{i}", await _client.ReadAsync());
        }
    }

    [Fact]
    public async Task FlushDb_WhileTheBackupServes_MarksThePrimaryDirty_SoItIsFlushedBeforeItServesAgain()
    {
        Assert.Equal("OK", await _client.CallAsync("SET", "f:1", "old"));
        await _engine.TriggerManualFailoverAsync("test");

        Assert.Equal("OK", await _client.CallAsync("FLUSHDB"));

        Assert.True(_engine.GetJournal().PrimaryDirty);
        var refused = await _engine.TriggerManualRecoveryAsync("test");
        Assert.False(refused.Success);
        Assert.Contains("dirty", refused.RefusalReason, StringComparison.Ordinal);
        var recovered = await _engine.TriggerManualRecoveryAsync("test", flushDirtyPrimary: true);
        Assert.True(recovered.Success, recovered.RefusalReason);
        Assert.Null(await _client.CallAsync("GET", "f:1"));
    }

    [Fact]
    public async Task FlushDb_WhileThePrimaryServes_FlushesIt_AndLeavesItClean()
    {
        Assert.Equal("OK", await _client.CallAsync("SET", "f:2", "v"));

        Assert.Equal("OK", await _client.CallAsync("FLUSHALL"));

        Assert.Equal(0L, await _client.CallAsync("DBSIZE"));
        Assert.False(_engine.GetJournal().PrimaryDirty);
    }

    [Fact]
    public async Task LargeValue_ManyMegabytes_IsStoredAndReadBack()
    {
        // Larger than the socket transport's default read buffer (1 MiB): the parser needs the whole command.
        var value = new string('v', 20 * 1024 * 1024);

        Assert.Equal("OK", await _client.CallAsync("SET", "big", value));
        Assert.Equal(value.Length, ((string)(await _client.CallAsync("GET", "big"))!).Length);
    }

    [Fact]
    public async Task CommandLargerThanTheLimit_IsRefusedAsAProtocolError()
    {
        await _client.SendRawAsync(System.Text.Encoding.ASCII.GetBytes($"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n${(40 * 1024 * 1024).ToString(System.Globalization.CultureInfo.InvariantCulture)}\r\n"));

        var error = Assert.IsType<RespError>(await _client.ReadAsync());
        Assert.StartsWith("ERR Protocol error: the command is larger than 32 MiB", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ProtocolError_IsAnsweredThenTheConnectionCloses()
    {
        await _client.SendRawAsync("*1\r\n+PING\r\n"u8.ToArray());

        var error = Assert.IsType<RespError>(await _client.ReadAsync());
        Assert.StartsWith("ERR Protocol error: expected '$'", error.Message, StringComparison.Ordinal);
        Assert.True(await _client.IsClosedByServerAsync());
    }

    [Fact]
    public async Task WritesWhileTheBackupServes_AreJournaled_AndNotReadStaleAfterFailback()
    {
        Assert.Equal("OK", await _client.CallAsync("MSET", "j:1", "old", "j:2", "old", "j:3", "old"));
        await _engine.TriggerManualFailoverAsync("test");
        Assert.Equal("OK", await _client.CallAsync("MSET", "j:1", "new", "j:2", "new"));
        // The backup is a cache of its own: it never held j:3, yet the delete is journaled all the same.
        Assert.Equal(0L, await _client.CallAsync("DEL", "j:3"));
        Assert.Equal(3, _engine.GetJournal().PendingKeys);

        var recovery = await _engine.TriggerManualRecoveryAsync("test");

        Assert.True(recovery.Success, recovery.RefusalReason);
        Assert.Equal("primary", _engine.ActiveServiceId);
        // The primary held "old" for all three; after failback none of them may read "old" (I1, I2).
        Assert.Equal(new object?[] { null, null, null }, await _client.CallAsync("MGET", "j:1", "j:2", "j:3"));
    }
}
