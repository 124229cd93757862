using System.Buffers;
using System.Buffers.Text;
using System.Text;
using CacheFailover.Backends.Commands;

namespace CacheFailover.Resp.Protocol;

/// <summary>Writes replies in RESP2 straight into the connection's output buffer (no intermediate strings or arrays).</summary>
internal static class RespReplyWriter
{
    public static void Write(IBufferWriter<byte> output, CommandReply reply)
    {
        switch (reply.Kind)
        {
            case CommandReplyKind.SimpleString:
                WriteLine(output, (byte)'+', reply.Text!);
                break;
            case CommandReplyKind.Error:
                WriteLine(output, (byte)'-', reply.Text!);
                break;
            case CommandReplyKind.Integer:
                WriteNumber(output, (byte)':', reply.Integer);
                break;
            case CommandReplyKind.BulkString:
                var bytes = reply.Bytes!;
                WriteNumber(output, (byte)'$', bytes.Length);
                output.Write(bytes);
                output.Write("\r\n"u8);
                break;
            case CommandReplyKind.Null:
                output.Write("$-1\r\n"u8);
                break;
            case CommandReplyKind.NullArray:
                output.Write("*-1\r\n"u8);
                break;
            case CommandReplyKind.Array:
                var items = reply.Items!;
                WriteNumber(output, (byte)'*', items.Count);
                for (var i = 0; i < items.Count; i++)
                {
                    Write(output, items[i]);
                }

                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(reply), reply.Kind, "Unknown reply kind.");
        }
    }

    private static void WriteLine(IBufferWriter<byte> output, byte prefix, string text)
    {
        var length = Encoding.UTF8.GetByteCount(text);
        var span = output.GetSpan(length + 3);
        span[0] = prefix;
        Encoding.UTF8.GetBytes(text, span[1..]);
        span[length + 1] = (byte)'\r';
        span[length + 2] = (byte)'\n';
        output.Advance(length + 3);
    }

    private static void WriteNumber(IBufferWriter<byte> output, byte prefix, long value)
    {
        var span = output.GetSpan(24);
        span[0] = prefix;
        Utf8Formatter.TryFormat(value, span[1..], out var written);
        span[written + 1] = (byte)'\r';
        span[written + 2] = (byte)'\n';
        output.Advance(written + 3);
    }
}
