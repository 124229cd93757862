using System.Buffers;
using System.Text;
using CacheFailover.Resp.Commands;
using CacheFailover.Resp.Protocol;

namespace CacheFailover.Resp.Tests.Fuzz;

/// <summary>The cases the parser's fuzzing found, replayed as they were generated (seeds in docs/fuzzing.md).</summary>
public sealed class RespRequestParserFuzzRegressionTests
{
    private static readonly RespCommandTable Table = new();

    [Theory]
    // Oversized case 0x15F02215: a 10-byte header made the parser rent slices for 1,048,576 arguments (25 MB).
    [InlineData("*1048576\r\n$33554433\r\nxxxx")]
    // Hostile case 0x15F02217: 9 bytes, 3 MB.
    [InlineData("*100000\r\n")]
    [InlineData("*1048576\r\n$3\r\nGET\r\n$3\r\nGET\r\n")]
    public void TryParse_HeaderDeclaringManyArguments_AllocatesForTheBytesThatArrivedOnly(string text)
    {
        // The same code paths on a small command first (JIT and type set-up), outside the count.
        var warmUp = new ReadOnlySequence<byte>("*2\r\n$3\r\nGET\r\n"u8.ToArray());
        RespRequestParser.TryParse(ref warmUp, Table, out _, out _);
        var buffer = new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes(text));

        var before = GC.GetAllocatedBytesForCurrentThread();
        var status = RespRequestParser.TryParse(ref buffer, Table, out var request, out _);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.NotEqual(ParseStatus.Command, status);
        Assert.Null(request);
        Assert.True(allocated < 1024, $"allocated {allocated} bytes for a header of {text.Length} bytes");
    }

    [Theory]
    // Oversized case 0x15F02231 (and hostile case 0x15F02437) threw this on the parser before the fix.
    [InlineData("*2\r\n$3\r\nGET\r\n$9223372036854775807\r\n")]
    [InlineData("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$9223372036854775806\r\nxx")]
    public void TryParse_BulkLengthNear2Pow63AfterAnArgument_IsTooLargeNotAnOverflow(string text)
    {
        // total + size overflowed to a negative number, passed the 32 MiB check, and Advance threw ArgumentOutOfRangeException.
        var buffer = new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes(text));

        var status = RespRequestParser.TryParse(ref buffer, Table, out _, out var error);

        Assert.Equal(ParseStatus.ProtocolError, status);
        Assert.Contains("larger than 32 MiB", error, StringComparison.Ordinal);
    }

    [Fact]
    public void TryParse_NumberLongerThanAny64BitNumber_IsRefusedWithoutWaitingForCrLf()
    {
        var buffer = new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes("*1\r\n$" + new string('9', 25)));

        Assert.Equal(ParseStatus.ProtocolError, RespRequestParser.TryParse(ref buffer, Table, out _, out var error));
        Assert.Equal("Protocol error: invalid bulk length", error);
    }

    [Fact]
    public void TryParse_InlineWordsThatAreNotUtf8_AreKeptAsSent()
    {
        // Hostile case 0x15F022AD: inline bytes were decoded to text and encoded back (U+FFFD, three bytes for one).
        byte[] bytes = [.. "SET k "u8, 0xff, 0xfe, 0x80, .. "\r\n"u8];
        var buffer = new ReadOnlySequence<byte>(bytes);

        Assert.Equal(ParseStatus.Command, RespRequestParser.TryParse(ref buffer, Table, out var request, out _));
        Assert.Equal("SET", request!.Name);
        Assert.Equal([0xff, 0xfe, 0x80], request.Arguments[1].ToArray());
    }
}
