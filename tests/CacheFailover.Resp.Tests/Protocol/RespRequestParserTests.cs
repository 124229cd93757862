using System.Buffers;
using System.Text;
using CacheFailover.Resp.Commands;
using CacheFailover.Resp.Protocol;

namespace CacheFailover.Resp.Tests.Protocol;

public class RespRequestParserTests
{
    private static readonly RespCommandTable Table = new();

    [Fact]
    public void TryParse_ArrayOfBulkStrings_ReadsNameAndArguments()
    {
        var buffer = Sequence("*3\r\n$3\r\nset\r\n$1\r\nk\r\n$5\r\nhello\r\n");

        var status = RespRequestParser.TryParse(ref buffer, Table, out var request, out _);

        Assert.Equal(ParseStatus.Command, status);
        Assert.Equal("SET", request!.Name);
        Assert.Same(Table.Find("SET"), request.Spec);
        Assert.Equal(["k", "hello"], request.Arguments.Select(a => Encoding.UTF8.GetString(a.Span)));
        Assert.Equal(0, buffer.Length);
    }

    [Fact]
    public void TryParse_CommandSplitAtEveryByte_NeedsMoreUntilComplete()
    {
        var bytes = Encoding.ASCII.GetBytes("*2\r\n$3\r\nGET\r\n$10\r\n0123456789\r\n");
        for (var cut = 0; cut < bytes.Length; cut++)
        {
            var partial = new ReadOnlySequence<byte>(bytes, 0, cut);
            Assert.Equal(ParseStatus.NeedMore, RespRequestParser.TryParse(ref partial, Table, out _, out _));
            Assert.Equal(cut, partial.Length);
        }

        var whole = Segmented(bytes, 3);
        Assert.Equal(ParseStatus.Command, RespRequestParser.TryParse(ref whole, Table, out var request, out _));
        Assert.Equal("0123456789", Encoding.ASCII.GetString(request!.Arguments[0].Span));
    }

    [Fact]
    public void TryParse_PipelinedCommands_ReadsThemInOrder()
    {
        var buffer = Sequence("*1\r\n$4\r\nPING\r\n*2\r\n$4\r\nECHO\r\n$2\r\nhi\r\nGET inline\r\n");
        var names = new List<string>();
        while (RespRequestParser.TryParse(ref buffer, Table, out var request, out _) == ParseStatus.Command)
        {
            names.Add(request!.Name);
        }

        Assert.Equal(["PING", "ECHO", "GET"], names);
    }

    [Fact]
    public void TryParse_InlineCommand_SplitsOnSpaces()
    {
        var buffer = Sequence("set  greeting   hi\r\n");

        Assert.Equal(ParseStatus.Command, RespRequestParser.TryParse(ref buffer, Table, out var request, out _));
        Assert.Equal("SET", request!.Name);
        Assert.Equal(["greeting", "hi"], request.Arguments.Select(a => Encoding.UTF8.GetString(a.Span)));
    }

    [Fact]
    public void TryParse_UnknownName_KeepsTheNameWithoutASpec()
    {
        var buffer = Sequence("*1\r\n$6\r\nfoobar\r\n");

        Assert.Equal(ParseStatus.Command, RespRequestParser.TryParse(ref buffer, Table, out var request, out _));
        Assert.Null(request!.Spec);
        Assert.Equal("FOOBAR", request.Name);
    }

    [Theory]
    [InlineData("*2\r\n+GET\r\n", "expected '$'")]
    [InlineData("*x\r\n", "invalid multibulk length")]
    [InlineData("*1\r\n$-5\r\n", "invalid bulk length")]
    [InlineData("*1\r\n$3\r\nGETxx", "not followed by CRLF")]
    [InlineData("*2000000\r\n", "invalid multibulk length (2000000 arguments; at most 1048576)")]
    public void TryParse_NotTheProtocol_SaysWhatWasWrong(string text, string expected)
    {
        var buffer = Sequence(text);

        Assert.Equal(ParseStatus.ProtocolError, RespRequestParser.TryParse(ref buffer, Table, out _, out var error));
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Fact]
    public void TryParse_EmptyArrayAndBlankLine_AreSkipped()
    {
        var buffer = Sequence("*0\r\n\r\n*1\r\n$4\r\nPING\r\n");

        Assert.Equal(ParseStatus.Command, RespRequestParser.TryParse(ref buffer, Table, out var request, out _));
        Assert.Equal("PING", request!.Name);
    }

    private static ReadOnlySequence<byte> Sequence(string text) => new(Encoding.ASCII.GetBytes(text));

    /// <summary>The bytes as a chain of small segments, as a socket delivers them.</summary>
    private static ReadOnlySequence<byte> Segmented(byte[] bytes, int size)
    {
        Segment? first = null;
        Segment? last = null;
        for (var i = 0; i < bytes.Length; i += size)
        {
            var segment = new Segment(bytes.AsMemory(i, Math.Min(size, bytes.Length - i)));
            if (first is null)
            {
                first = segment;
            }
            else
            {
                last!.Append(segment);
            }

            last = segment;
        }

        return new ReadOnlySequence<byte>(first!, 0, last!, last!.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory) => Memory = memory;

        public void Append(Segment next)
        {
            next.RunningIndex = RunningIndex + Memory.Length;
            Next = next;
        }
    }
}
