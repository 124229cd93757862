using System.Text;
using CacheFailover.Resp.Commands;
using CacheFailover.Resp.Protocol;

namespace CacheFailover.Resp.Tests.Commands;

/// <summary>Whether a command, with the options it was sent with, may be repeated after an unknown outcome (I4).</summary>
public class RespDispatcherSafetyTests
{
    private static readonly RespCommandTable Table = new();

    [Theory]
    [InlineData(true, "SET", "k", "v")]
    [InlineData(true, "SET", "k", "v", "EX", "10")]
    [InlineData(true, "SET", "k", "v", "PX", "100", "KEEPTTL")]
    [InlineData(false, "SET", "k", "v", "NX")]
    [InlineData(false, "SET", "k", "v", "xx")]
    [InlineData(false, "SET", "k", "v", "Get")]
    [InlineData(false, "SET", "k", "v", "EX", "10", "nX")]
    [InlineData(true, "ZADD", "z", "1", "m")]
    [InlineData(false, "ZADD", "z", "incr", "1", "m")]
    [InlineData(false, "INCR", "n")]
    [InlineData(true, "GET", "nx")]
    public void IsSafeToRepeat_OptionsInAnyCase_DecideAsTheTableSays(bool expected, params string[] command)
    {
        var request = Parse(command);

        Assert.Equal(expected, RespDispatcher.IsSafeToRepeat(request.Spec!, request));
    }

    [Fact]
    public void IsSafeToRepeat_ANonAsciiArgumentOfOptionLength_IsNoOption()
    {
        // "ＮＸ" in full-width letters is 6 bytes of UTF-8: short enough to be looked at, not the option.
        var request = Parse("SET", "k", "ＮＸ");

        Assert.True(RespDispatcher.IsSafeToRepeat(request.Spec!, request));
    }

    private static RespRequest Parse(params string[] command)
    {
        var text = new StringBuilder().Append('*').Append(command.Length).Append("\r\n");
        foreach (var part in command)
        {
            text.Append('$').Append(Encoding.UTF8.GetByteCount(part)).Append("\r\n").Append(part).Append("\r\n");
        }

        var buffer = new System.Buffers.ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(text.ToString()));
        Assert.Equal(ParseStatus.Command, RespRequestParser.TryParse(ref buffer, Table, out var request, out _));
        return request!;
    }
}
