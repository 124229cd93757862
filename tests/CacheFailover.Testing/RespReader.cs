using System.Globalization;
using System.Text;

namespace CacheFailover.Testing;

/// <summary>An error reply, kept as a value so tests can assert on its text.</summary>
public sealed record RespError(string Message)
{
    public override string ToString() => "-" + Message;
}

/// <summary>
/// Reads RESP2 replies from a stream: just enough protocol for tests to inspect a server without the
/// client under test. Bulk strings come back as UTF-8 strings.
/// </summary>
/// <param name="stream">The connection.</param>
/// <param name="errorsAsValues">Error replies come back as <see cref="RespError"/> instead of throwing (for tests about the errors themselves).</param>
public sealed class RespReader(Stream stream, bool errorsAsValues = false)
{
    private readonly byte[] _buffer = new byte[8192];
    private int _start;
    private int _end;

    /// <summary>Reads one reply: string, long, null or object?[]; an error reply throws <see cref="InvalidOperationException"/> (or is a <see cref="RespError"/>, see the constructor).</summary>
    public async Task<object?> ReadAsync(CancellationToken cancellationToken = default)
    {
        var line = await ReadLineAsync(cancellationToken);
        if (line.Length == 0)
        {
            throw new InvalidOperationException("Empty RESP line.");
        }

        var payload = line[1..];
        switch (line[0])
        {
            case '+':
                return payload;
            case '-':
                return errorsAsValues ? new RespError(payload) : throw new InvalidOperationException("Redis replied with an error: " + payload);
            case ':':
                return long.Parse(payload, CultureInfo.InvariantCulture);
            case '$':
                var length = int.Parse(payload, CultureInfo.InvariantCulture);
                if (length < 0)
                {
                    return null;
                }

                var bytes = await ReadExactlyAsync(length + 2, cancellationToken);
                return Encoding.UTF8.GetString(bytes, 0, length);
            case '*':
                var count = int.Parse(payload, CultureInfo.InvariantCulture);
                if (count < 0)
                {
                    return null;
                }

                var items = new object?[count];
                for (var i = 0; i < count; i++)
                {
                    items[i] = await ReadAsync(cancellationToken);
                }

                return items;
            default:
                throw new InvalidOperationException($"Unexpected RESP type '{line[0]}'.");
        }
    }

    /// <summary>True when the server closed the connection: nothing is buffered and a read returns end of stream.</summary>
    public async Task<bool> IsClosedAsync(CancellationToken cancellationToken = default)
    {
        if (_start < _end)
        {
            return false;
        }

        _start = 0;
        _end = await stream.ReadAsync(_buffer, cancellationToken);
        return _end == 0;
    }

    private async Task<string> ReadLineAsync(CancellationToken cancellationToken)
    {
        var line = new List<byte>();
        while (true)
        {
            if (_start == _end)
            {
                await FillAsync(cancellationToken);
            }

            var b = _buffer[_start++];
            if (b == '\n' && line.Count > 0 && line[^1] == '\r')
            {
                line.RemoveAt(line.Count - 1);
                return Encoding.UTF8.GetString([.. line]);
            }

            line.Add(b);
        }
    }

    private async Task<byte[]> ReadExactlyAsync(int count, CancellationToken cancellationToken)
    {
        var result = new byte[count];
        var filled = 0;
        while (filled < count)
        {
            if (_start == _end)
            {
                await FillAsync(cancellationToken);
            }

            var take = Math.Min(count - filled, _end - _start);
            Array.Copy(_buffer, _start, result, filled, take);
            _start += take;
            filled += take;
        }

        return result;
    }

    private async Task FillAsync(CancellationToken cancellationToken)
    {
        _start = 0;
        _end = await stream.ReadAsync(_buffer, cancellationToken);
        if (_end == 0)
        {
            throw new EndOfStreamException("The server closed the connection.");
        }
    }
}
