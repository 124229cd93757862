using System.IO.Pipelines;
using CacheFailover.Backends.Commands;
using CacheFailover.Resp.Commands;
using CacheFailover.Resp.Hosting;
using CacheFailover.Resp.Protocol;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.Extensions.Logging;

namespace CacheFailover.Resp.Connections;

/// <summary>
/// One client connection, on Kestrel: reads every command the client has sent, starts each one in
/// order (so commands reach the serving service in the order they were sent), and writes the replies
/// in that same order, one flush per batch read. A pipelining client gets its whole batch in flight at once.
/// When the host stops (SIGTERM), Kestrel asks each connection to close: every command already read is
/// answered, then the connection ends, so an idle client (every pooled Redis client is one) does not hold
/// the process up until the host's shutdown timeout.
/// </summary>
public sealed partial class RespConnectionHandler : ConnectionHandler
{
    private readonly RespDispatcher _dispatcher;
    private readonly RespCommandTable _table;
    private readonly RespConnections _connections;
    private readonly RespFrontDoorOptions _options;
    private readonly ILogger _logger;

    internal RespConnectionHandler(RespDispatcher dispatcher, RespCommandTable table, RespConnections connections, RespFrontDoorOptions options, ILogger<RespConnectionHandler> logger)
    {
        _dispatcher = dispatcher;
        _table = table;
        _connections = connections;
        _options = options;
        _logger = logger;
    }

    public override async Task OnConnectedAsync(ConnectionContext connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var session = _connections.Open(connection.RemoteEndPoint, connection.LocalEndPoint, _options.Password is not null);
        var closing = connection.Features.Get<IConnectionLifetimeNotificationFeature>()?.ConnectionClosedRequested ?? CancellationToken.None;
        try
        {
            await ServeAsync(session, connection.Transport.Input, connection.Transport.Output, closing).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (closing.IsCancellationRequested)
        {
            // The host is stopping: the read of the next command was given up; everything read was answered.
        }
        catch (ConnectionResetException)
        {
            // The client went away mid-command; nothing to answer.
        }
        catch (IOException ex)
        {
            LogConnectionBroke(_logger, session.Id, ex);
        }
        finally
        {
            _connections.Close(session);
        }
    }

    private async Task ServeAsync(RespSession session, PipeReader input, PipeWriter output, CancellationToken closing)
    {
        var pending = new Queue<ValueTask<CommandReply>>();
        while (true)
        {
            var read = await input.ReadAsync(closing).ConfigureAwait(false);
            var buffer = read.Buffer;
            var close = false;
            while (!close)
            {
                var status = RespRequestParser.TryParse(ref buffer, _table, out var request, out var error);
                if (status == ParseStatus.NeedMore)
                {
                    break;
                }

                ValueTask<CommandReply> reply;
                if (status == ParseStatus.ProtocolError)
                {
                    // As Redis does: say what was wrong, then close (the stream cannot be resynchronised).
                    reply = new ValueTask<CommandReply>(CommandReply.Error("ERR " + error));
                    close = true;
                }
                else
                {
                    reply = _dispatcher.Dispatch(session, request!);
                    close = session.CloseRequested;
                }

                if (pending.Count == 0 && reply.IsCompletedSuccessfully)
                {
                    RespReplyWriter.Write(output, reply.Result);
                }
                else
                {
                    pending.Enqueue(reply);
                    if (pending.Count >= _options.MaxPendingReplies)
                    {
                        RespReplyWriter.Write(output, await pending.Dequeue().ConfigureAwait(false));
                    }
                }
            }

            input.AdvanceTo(buffer.Start, buffer.End);
            while (pending.Count > 0)
            {
                RespReplyWriter.Write(output, await pending.Dequeue().ConfigureAwait(false));
            }

            // Not cancelled by the stop: the replies to commands already read are delivered.
            var flushed = await output.FlushAsync(CancellationToken.None).ConfigureAwait(false);
            if (close || read.IsCompleted || flushed.IsCompleted || closing.IsCancellationRequested)
            {
                return;
            }
        }
    }

    [LoggerMessage(EventId = 5001, EventName = "RespConnectionBroke", Level = LogLevel.Debug, Message = "RESP connection {ConnectionId} broke")]
    private static partial void LogConnectionBroke(ILogger logger, long connectionId, Exception exception);
}
