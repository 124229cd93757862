using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using CacheFailover.Mcp.Filters;

namespace CacheFailoverMcp.Hosting;

/// <summary>
/// Stdin for the stdio transport, one JSON-RPC message per line, with a size cap the SDK does not
/// have: a line longer than <see cref="MessageLimits.MaxMessageBytes"/> is never passed on (nor held
/// beyond the cap). It is dropped up to its newline and, when its id could be read from its start,
/// replaced by a small <see cref="MessageLimits.TooLargeMethod"/> request with that id, which
/// <see cref="MessageTooLargeFilter"/> answers with a JSON-RPC error.
/// </summary>
public sealed partial class BoundedLineStream(Stream inner, int maxLineBytes = MessageLimits.MaxMessageBytes) : Stream
{
    private const int IdWindowBytes = 512;
    private readonly byte[] _readBuffer = new byte[64 * 1024];
    private readonly MemoryStream _line = new();
    private readonly Queue<byte[]> _ready = new();
    private ReadOnlyMemory<byte> _current;
    private bool _discarding;
    private long _discardedBytes;
    private byte[]? _discardedStart;
    private bool _ended;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (_current.IsEmpty)
        {
            if (_ready.TryDequeue(out var next))
            {
                _current = next;
                break;
            }

            if (_ended)
            {
                return 0;
            }

            var read = await inner.ReadAsync(_readBuffer, cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                _ended = true;
                EndLine();
                continue;
            }

            Accept(_readBuffer.AsSpan(0, read));
        }

        var count = Math.Min(buffer.Length, _current.Length);
        _current[..count].CopyTo(buffer);
        _current = _current[count..];
        return count;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _line.Dispose();
            inner.Dispose();
        }

        base.Dispose(disposing);
    }

    private void Accept(ReadOnlySpan<byte> bytes)
    {
        while (!bytes.IsEmpty)
        {
            var newline = bytes.IndexOf((byte)'\n');
            var piece = newline < 0 ? bytes : bytes[..(newline + 1)];
            if (_discarding)
            {
                _discardedBytes += piece.Length;
            }
            else if (_line.Length + piece.Length > maxLineBytes)
            {
                // Over the cap: keep only the start (for the id) and drop the rest as it arrives.
                _discarding = true;
                _discardedStart = [.. _line.GetBuffer().AsSpan(0, (int)Math.Min(_line.Length, IdWindowBytes))];
                _discardedBytes = _line.Length + piece.Length;
                if (_discardedStart.Length < IdWindowBytes)
                {
                    _discardedStart = [.. _discardedStart, .. piece[..Math.Min(piece.Length, IdWindowBytes - _discardedStart.Length)]];
                }

                _line.SetLength(0);
            }
            else
            {
                _line.Write(piece);
            }

            if (newline >= 0)
            {
                EndLine();
            }

            bytes = newline < 0 ? [] : bytes[(newline + 1)..];
        }
    }

    private void EndLine()
    {
        if (_discarding)
        {
            if (Id().Match(Encoding.UTF8.GetString(_discardedStart ?? [])) is { Success: true } match)
            {
                var replacement = string.Create(CultureInfo.InvariantCulture, $$$"""{"jsonrpc":"2.0","id":{{{match.Groups["id"].Value}}},"method":"{{{MessageLimits.TooLargeMethod}}}","params":{"bytes":{{{_discardedBytes}}}}}""");
                _ready.Enqueue(Encoding.UTF8.GetBytes(replacement + "\n"));
            }

            _discarding = false;
            _discardedStart = null;
            return;
        }

        // A last line without a newline is passed on as it is, as stdin would have.
        if (_line.Length > 0)
        {
            _ready.Enqueue(_line.ToArray());
            _line.SetLength(0);
        }
    }

    // The request's id as the start of the line has it: a number or a plain string.
    [GeneratedRegex(@"""id""\s*:\s*(?<id>-?\d{1,18}|""[A-Za-z0-9._:\-]{0,128}"")")]
    private static partial Regex Id();
}
