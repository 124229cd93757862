using System.Runtime.CompilerServices;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace CacheFailover.Mcp.Filters;

/// <summary>
/// An incoming message filter that refuses every request but <c>initialize</c> and <c>ping</c> until the
/// session is initialized, with a JSON-RPC error saying so (the SDK itself would serve <c>tools/list</c>
/// or a mutating <c>cache_set</c> before it). One per host (a DI singleton).
/// </summary>
/// <remarks>
/// A request counts as "after initialize" when its session received <c>initialize</c> (stdio, stateful
/// HTTP), or when it declares its protocol version itself: the <c>MCP-Protocol-Version</c> header, which
/// the spec makes clients send on every request after initialization, or the per-request metadata of
/// the handshake-free 2026-07-28 revision. Stateless HTTP has no session to remember <c>initialize</c>
/// in, so there the declaration is what is required.
/// </remarks>
public sealed class InitializeFirstFilter(TimeProvider timeProvider)
{
    /// <summary>
    /// How long a request that arrived before the session's <c>initialize</c> was seen waits for it. The SDK
    /// handles messages concurrently, so a request a client wrote right behind <c>initialize</c> can reach
    /// this filter first; a client that never initializes is refused after this short wait.
    /// </summary>
    public static readonly TimeSpan InitializeGrace = TimeSpan.FromMilliseconds(250);

    // Sessions are told apart by their transport (an HTTP session's); a message without one is on this
    // host's single stream session (stdio).
    private readonly ConditionalWeakTable<object, TaskCompletionSource> _transportSessions = [];
    private readonly TaskCompletionSource _streamSession = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The filter to register with <c>AddIncomingFilter</c>.</summary>
    public static McpMessageHandler Filter(McpMessageHandler next) =>
        async (context, cancellationToken) =>
        {
            if (context.JsonRpcMessage is JsonRpcRequest request && context.Services?.GetService(typeof(InitializeFirstFilter)) is InitializeFirstFilter filter)
            {
                await filter.CheckAsync(request, context.Server, cancellationToken);
            }

            await next(context, cancellationToken);
        };

    private async Task CheckAsync(JsonRpcRequest request, McpServer server, CancellationToken cancellationToken)
    {
        var transport = request.Context?.RelatedTransport;
        var session = transport is null ? _streamSession : _transportSessions.GetValue(transport, static _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        if (request.Method == RequestMethods.Initialize)
        {
            session.TrySetResult();
            return;
        }

        if (request.Method == RequestMethods.Ping || server.ClientInfo is not null || !string.IsNullOrEmpty(request.Context?.ProtocolVersion) || session.Task.IsCompleted)
        {
            return;
        }

        try
        {
            await session.Task.WaitAsync(InitializeGrace, timeProvider, cancellationToken);
        }
        catch (TimeoutException)
        {
            throw new McpProtocolException(
                $"'{request.Method}' was refused: initialize must come first. Send 'initialize', then 'notifications/initialized'; "
                + "over HTTP, send the negotiated version in the MCP-Protocol-Version header on every later request.",
                McpErrorCode.InvalidRequest);
        }
    }
}
