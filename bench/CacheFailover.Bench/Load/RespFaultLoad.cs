using System.Globalization;
using System.Net.Sockets;
using System.Text;
using CacheFailover.Bench.Infrastructure;

namespace CacheFailover.Bench.Load;

/// <summary>One request through the front door as its client saw it (Stopwatch ticks).</summary>
internal readonly record struct RespRequestRecord(long Started, long Ended, bool Success);

/// <summary>
/// Load for the front door's fault runs: closed-loop workers, each on its own TCP connection, sending
/// SET and GET (both safe to repeat) of its own keys in turn and recording every request's outcome.
/// A reply that is an error, or a broken connection, is a client-visible error.
/// </summary>
internal sealed class RespFaultLoad
{
    private readonly int _port;
    private readonly List<RespRequestRecord>[] _records;
    private readonly Task[] _workers;
    private volatile bool _stop;

    public RespFaultLoad(int port, int workers, int valueBytes)
    {
        _port = port;
        _records = new List<RespRequestRecord>[workers];
        _workers = new Task[workers];
        var value = new string('v', valueBytes);
        for (var i = 0; i < workers; i++)
        {
            var records = new List<RespRequestRecord>(100_000);
            _records[i] = records;
            var worker = i;
            _workers[i] = Task.Run(() => WorkerAsync(records, worker, value));
        }
    }

    public async Task<List<RespRequestRecord>> StopAsync()
    {
        _stop = true;
        await Task.WhenAll(_workers);
        return [.. _records.SelectMany(r => r).OrderBy(r => r.Started)];
    }

    private async Task WorkerAsync(List<RespRequestRecord> records, int worker, string value)
    {
        var n = 0;
        while (!_stop)
        {
            using var tcp = new TcpClient { NoDelay = true };
            try
            {
                await tcp.ConnectAsync("127.0.0.1", _port);
                var stream = tcp.GetStream();
                var reader = new BufferedStream(stream);
                while (!_stop)
                {
                    var key = string.Create(CultureInfo.InvariantCulture, $"respfault:{worker}:{n % 100}");
                    var command = n++ % 2 == 0 ? Encode("SET", key, value) : Encode("GET", key);
                    var started = Clock.Now;
                    await stream.WriteAsync(command);
                    var ok = await ReadReplyAsync(reader);
                    records.Add(new RespRequestRecord(started, Clock.Now, ok));
                }
            }
            catch (Exception ex) when (ex is IOException or SocketException or EndOfStreamException)
            {
                records.Add(new RespRequestRecord(Clock.Now, Clock.Now, false));
            }
        }
    }

    private static byte[] Encode(params string[] parts)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"*{parts.Length}\r\n");
        foreach (var part in parts)
        {
            text.Append(CultureInfo.InvariantCulture, $"${Encoding.UTF8.GetByteCount(part)}\r\n{part}\r\n");
        }

        return Encoding.UTF8.GetBytes(text.ToString());
    }

    /// <summary>Reads one reply (simple, error, integer or bulk); false for an error reply.</summary>
    private static async Task<bool> ReadReplyAsync(BufferedStream reader)
    {
        var line = await ReadLineAsync(reader);
        if (line[0] == '$')
        {
            var length = int.Parse(line.AsSpan(1), CultureInfo.InvariantCulture);
            if (length >= 0)
            {
                var skip = new byte[length + 2];
                await reader.ReadExactlyAsync(skip);
            }
        }

        return line[0] != '-';
    }

    private static async Task<string> ReadLineAsync(BufferedStream reader)
    {
        var line = new StringBuilder();
        var one = new byte[1];
        while (true)
        {
            if (await reader.ReadAsync(one) == 0)
            {
                throw new EndOfStreamException();
            }

            if (one[0] == '\n' && line.Length > 0 && line[^1] == '\r')
            {
                return line.ToString(0, line.Length - 1);
            }

            line.Append((char)one[0]);
        }
    }
}
