using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using CacheFailover.Nemesis.History;
using CacheFailover.Testing;

namespace CacheFailover.Nemesis.Workload;

/// <summary>
/// A Redis-protocol client of a member's RESP front door: one TCP connection, one command at a
/// time, reconnecting after any failure (the member may have restarted). How a failure is
/// classified: a refused connect was never sent (not applied); the front door's "failed and was
/// not applied" is not applied; everything else — "the outcome is unknown", "no cache service can
/// serve it now" (which does not say whether it was applied), a connection lost mid-command — may
/// have been applied.
/// </summary>
public sealed class RespCacheClient(string member, int port) : ICacheClient
{
    private static readonly TimeSpan ReconnectPause = TimeSpan.FromMilliseconds(50);
    private TcpClient? _client;
    private RespReader? _reader;

    public string Path => "resp";

    public async Task<ClientReply> SetAsync(string key, string value, CancellationToken cancellationToken)
    {
        Expect(await SendAsync(["SET", key, value], cancellationToken), "OK");
        return default;
    }

    public async Task<ClientReply> DeleteAsync(string key, CancellationToken cancellationToken)
    {
        _ = await SendAsync(["DEL", key], cancellationToken) as long? ?? throw Unexpected("DEL");
        return default;
    }

    public async Task<ClientReply> GetAsync(string key, CancellationToken cancellationToken)
        => new((string?)await SendAsync(["GET", key], cancellationToken), null, null);

    public async Task<ClientReply> PushAsync(string key, string element, CancellationToken cancellationToken)
    {
        _ = await SendAsync(["RPUSH", key, element], cancellationToken) as long? ?? throw Unexpected("RPUSH");
        return default;
    }

    public async Task<ClientReply> ReadListAsync(string key, CancellationToken cancellationToken)
    {
        var items = await SendAsync(["LRANGE", key, "0", "-1"], cancellationToken) as object?[] ?? throw Unexpected("LRANGE");
        return new ClientReply(null, items.Length == 0 ? null : [.. items.Select(i => (string)i!)], null);
    }

    public ValueTask DisposeAsync()
    {
        Drop();
        return ValueTask.CompletedTask;
    }

    private async Task<object?> SendAsync(string[] command, CancellationToken cancellationToken)
    {
        if (_client is null)
        {
            try
            {
                var client = new TcpClient { NoDelay = true };
                await client.ConnectAsync(IPAddress.Loopback, port, cancellationToken);
                _client = client;
                _reader = new RespReader(client.GetStream(), errorsAsValues: true);
            }
            catch (SocketException e)
            {
                Drop();
                await Task.Delay(ReconnectPause, TimeProvider.System, CancellationToken.None);
                throw new ClientFailureException(Outcome.Failed, "resp/connect_refused/not_applied", $"{member}'s front door: {e.SocketErrorCode}");
            }
        }

        object? reply;
        try
        {
            await _client.GetStream().WriteAsync(Encode(command), cancellationToken);
            reply = await _reader!.ReadAsync(cancellationToken);
        }
        catch (Exception e) when (e is IOException or SocketException or InvalidOperationException or OperationCanceledException)
        {
            Drop();
            throw new ClientFailureException(Outcome.Unknown, "resp/connection_lost/unknown", $"{member}'s front door: {e.GetType().Name}");
        }

        if (reply is RespError error)
        {
            throw error.Message.Contains("failed and was not applied", StringComparison.Ordinal)
                ? new ClientFailureException(Outcome.Failed, "resp/error/not_applied", error.Message)
                : error.Message.Contains("the outcome is unknown", StringComparison.Ordinal)
                    ? new ClientFailureException(Outcome.Unknown, "resp/error/unknown", error.Message)
                    : error.Message.Contains("no cache service can serve it", StringComparison.Ordinal)
                        ? new ClientFailureException(Outcome.Unknown, "resp/error/unavailable", error.Message)
                        : new ClientFailureException(Outcome.Unknown, "resp/error/" + error.Message.Split(' ')[0], error.Message);
        }

        return reply;
    }

    private static byte[] Encode(string[] command)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"*{command.Length}\r\n");
        foreach (var part in command)
        {
            text.Append(CultureInfo.InvariantCulture, $"${Encoding.UTF8.GetByteCount(part)}\r\n{part}\r\n");
        }

        return Encoding.UTF8.GetBytes(text.ToString());
    }

    private static void Expect(object? reply, string expected)
    {
        if (reply as string != expected)
        {
            throw Unexpected(expected);
        }
    }

    private static ClientFailureException Unexpected(string what) => new(Outcome.Unknown, "resp/unexpected_reply/unknown", $"unexpected reply to {what}");

    private void Drop()
    {
        _client?.Dispose();
        _client = null;
        _reader = null;
    }
}
