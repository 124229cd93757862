using System.Globalization;
using System.Net.Sockets;
using System.Text;
using CacheFailover.Testing;

namespace CacheFailover.Resp.Tests.Support;

/// <summary>
/// A bare RESP client over one TCP connection: sends commands as arrays of bulk strings (or raw
/// bytes), reads replies as string / long / null / object?[] / <see cref="RespError"/>. It knows
/// nothing of the front door, so it sees exactly what is on the wire.
/// </summary>
internal sealed class RawClient : IAsyncDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);
    private readonly TcpClient _tcp;
    private readonly NetworkStream _stream;
    private readonly RespReader _reader;

    private RawClient(TcpClient tcp)
    {
        _tcp = tcp;
        _stream = tcp.GetStream();
        _reader = new RespReader(_stream, errorsAsValues: true);
    }

    public static async Task<RawClient> ConnectAsync(int port)
    {
        var tcp = new TcpClient();
        await tcp.ConnectAsync("127.0.0.1", port);
        return new RawClient(tcp);
    }

    public static byte[] Encode(params string[] command)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"*{command.Length}\r\n");
        foreach (var part in command)
        {
            text.Append(CultureInfo.InvariantCulture, $"${Encoding.UTF8.GetByteCount(part)}\r\n{part}\r\n");
        }

        return Encoding.UTF8.GetBytes(text.ToString());
    }

    public async Task<object?> CallAsync(params string[] command)
    {
        await SendRawAsync(Encode(command));
        return await ReadAsync();
    }

    public async Task SendRawAsync(byte[] bytes)
    {
        await _stream.WriteAsync(bytes);
        await _stream.FlushAsync();
    }

    public async Task<object?> ReadAsync()
    {
        using var cancel = new CancellationTokenSource(Timeout);
        return await _reader.ReadAsync(cancel.Token);
    }

    /// <summary>True when the server closed the connection (a read returns end of stream) within the timeout.</summary>
    public async Task<bool> IsClosedByServerAsync()
    {
        using var cancel = new CancellationTokenSource(Timeout);
        return await _reader.IsClosedAsync(cancel.Token);
    }

    public ValueTask DisposeAsync()
    {
        _tcp.Dispose();
        return ValueTask.CompletedTask;
    }
}
