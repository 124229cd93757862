using System.Buffers;
using System.Text;
using CacheFailover.Backends.Commands;
using CacheFailover.Resp.Protocol;

namespace CacheFailover.Resp.Tests.Protocol;

public class RespReplyWriterTests
{
    [Fact]
    public void Write_EveryKind_IsRespTwo()
    {
        var reply = CommandReply.Array(
        [
            CommandReply.Ok,
            CommandReply.Error("ERR nope"),
            CommandReply.FromInteger(-42),
            CommandReply.FromInteger(1234567890123),
            CommandReply.Bulk("héllo"),
            CommandReply.Bulk(Array.Empty<byte>()),
            CommandReply.Null,
            CommandReply.NullArray,
            CommandReply.EmptyArray,
        ]);

        Assert.Equal("*9\r\n+OK\r\n-ERR nope\r\n:-42\r\n:1234567890123\r\n$6\r\nhéllo\r\n$0\r\n\r\n$-1\r\n*-1\r\n*0\r\n", Written(reply));
    }

    [Fact]
    public void Error_WithLineBreaks_IsKeptOnOneLine()
    {
        Assert.Equal("-ERR a b\r\n", Written(CommandReply.Error("ERR a\r\nb")));
    }

    private static string Written(CommandReply reply)
    {
        var output = new ArrayBufferWriter<byte>();
        RespReplyWriter.Write(output, reply);
        return Encoding.UTF8.GetString(output.WrittenSpan);
    }
}
