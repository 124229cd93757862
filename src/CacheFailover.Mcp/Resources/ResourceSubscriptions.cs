using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace CacheFailover.Mcp.Resources;

/// <summary>
/// Delivers <c>notifications/resources/updated</c> for the two resources, over whichever channel the
/// client's protocol revision and the transport give:
/// <list type="bullet">
/// <item>2026-07-28 clients (both transports) open a <c>subscriptions/listen</c> request; its response
/// stream carries the acknowledgement and then every update, tagged with the request's id. This works
/// on stateless HTTP too, because the held-open response is the channel.</item>
/// <item>Older clients send <c>resources/subscribe</c>; updates go over the one long-lived stream of the
/// stdio transport. HTTP has no stream that outlives the request to push on later, so there the request is
/// refused naming the ways that do work, rather than accepted and never honoured.</item>
/// </list>
/// One per host (a DI singleton).
/// </summary>
public sealed class ResourceSubscriptions(ResourceChangeFeed feed, CacheFailoverMcpOptions options)
{
    // Session subscriptions of older clients, by session: the stream session (stdio) has no id.
    private readonly ConcurrentDictionary<string, SessionSubscription> _sessions = new(StringComparer.Ordinal);

    public static ValueTask<EmptyResult> SubscribeAsync(RequestContext<SubscribeRequestParams> request, CancellationToken cancellationToken) =>
        From(request.Services).Subscribe(request.Server, request.Params?.Uri);

    public static ValueTask<EmptyResult> UnsubscribeAsync(RequestContext<UnsubscribeRequestParams> request, CancellationToken cancellationToken) =>
        From(request.Services).Unsubscribe(request.Server, request.Params?.Uri);

    public static ValueTask<EmptyResult> ListenAsync(RequestContext<SubscriptionsListenRequestParams> request, CancellationToken cancellationToken) =>
        new(From(request.Services).Listen(request, cancellationToken));

    private static ResourceSubscriptions From(IServiceProvider? services) =>
        (ResourceSubscriptions)services!.GetService(typeof(ResourceSubscriptions))!;

    private ValueTask<EmptyResult> Subscribe(McpServer server, string? uri)
    {
        if (!FailoverResources.IsKnown(uri))
        {
            throw FailoverResources.Unknown(uri);
        }

        if (!options.StreamTransport)
        {
            throw new McpProtocolException(
                $"resources/subscribe cannot be honoured over HTTP: no stream outlives this request to carry the update. "
                + $"Read {uri} again when needed, or use protocol 2026-07-28 (subscriptions/listen with resourceSubscriptions), or stdio.",
                McpErrorCode.InvalidRequest);
        }

        var key = server.SessionId ?? string.Empty;
        _sessions.GetOrAdd(key, _ => new SessionSubscription(server, feed, () => _sessions.TryRemove(key, out SessionSubscription? _))).Add(uri!);
        return ValueTask.FromResult(new EmptyResult());
    }

    private ValueTask<EmptyResult> Unsubscribe(McpServer server, string? uri)
    {
        if (!FailoverResources.IsKnown(uri))
        {
            throw FailoverResources.Unknown(uri);
        }

        if (_sessions.TryGetValue(server.SessionId ?? string.Empty, out var session))
        {
            session.Remove(uri!);
        }

        return ValueTask.FromResult(new EmptyResult());
    }

    private async Task<EmptyResult> Listen(RequestContext<SubscriptionsListenRequestParams> request, CancellationToken cancellationToken)
    {
        // Only our resources are granted; the tool, prompt and resource lists never change while the
        // process runs, so no list-changed kind is granted (nothing would ever be sent).
        var granted = (request.Params?.Notifications?.ResourceSubscriptions ?? [])
            .Where(FailoverResources.IsKnown)
            .Distinct(StringComparer.Ordinal)
            .ToList();
        var subscriptionId = request.JsonRpcRequest.Id;
        var changes = Channel.CreateBounded<string>(new BoundedChannelOptions(16) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });
        using var listening = granted.Count == 0 ? null : feed.Listen(uri =>
        {
            if (granted.Contains(uri))
            {
                changes.Writer.TryWrite(uri);
            }
        });

        var acknowledged = new SubscriptionsAcknowledgedNotificationParams
        {
            Notifications = new SubscriptionsListenNotifications { ResourceSubscriptions = granted.Count == 0 ? null : granted },
        };
        await SendAsync(request.Server, NotificationMethods.SubscriptionsAcknowledgedNotification,
            JsonSerializer.SerializeToNode(acknowledged, McpJsonUtilities.DefaultOptions.GetTypeInfo(typeof(SubscriptionsAcknowledgedNotificationParams))),
            subscriptionId, cancellationToken);
        if (granted.Count == 0)
        {
            return new EmptyResult();
        }

        try
        {
            // Held open until the client cancels it (HTTP: it closes the response; stdio: notifications/cancelled).
            await foreach (var uri in changes.Reader.ReadAllAsync(cancellationToken))
            {
                await SendAsync(request.Server, NotificationMethods.ResourceUpdatedNotification, Updated(uri), subscriptionId, cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }

        return new EmptyResult();
    }

    private static JsonNode? Updated(string uri) =>
        JsonSerializer.SerializeToNode(new ResourceUpdatedNotificationParams { Uri = uri }, McpJsonUtilities.DefaultOptions.GetTypeInfo(typeof(ResourceUpdatedNotificationParams)));

    /// <summary>Sends a notification on the listen request's own stream, tagged with its id (SEP-2575).</summary>
    private static Task SendAsync(McpServer server, string method, JsonNode? parameters, RequestId subscriptionId, CancellationToken cancellationToken)
    {
        var body = parameters as JsonObject ?? [];
        body["_meta"] = new JsonObject
        {
            [MetaKeys.SubscriptionId] = subscriptionId.Id switch
            {
                string text => JsonValue.Create(text),
                long number => JsonValue.Create(number),
                _ => null,
            },
        };
        return server.SendMessageAsync(new JsonRpcNotification { Method = method, Params = body }, cancellationToken);
    }

    /// <summary>One older client's session subscriptions; pushes an update for each URI it asked for.</summary>
    private sealed class SessionSubscription : IDisposable
    {
        private readonly McpServer _server;
        private readonly Action _forget;
        private readonly ConcurrentDictionary<string, byte> _uris = new(StringComparer.Ordinal);
        private readonly IDisposable _listening;

        public SessionSubscription(McpServer server, ResourceChangeFeed feed, Action forget)
        {
            _server = server;
            _forget = forget;
            _listening = feed.Listen(Changed);
        }

        public void Add(string uri) => _uris.TryAdd(uri, 0);

        public void Remove(string uri)
        {
            _uris.TryRemove(uri, out _);
            if (_uris.IsEmpty)
            {
                Dispose();
            }
        }

        public void Dispose()
        {
            _listening.Dispose();
            _forget();
        }

        private void Changed(string uri)
        {
            if (!_uris.ContainsKey(uri))
            {
                return;
            }

            // Fire and forget: the engine raised this on its own thread and must not wait for a client.
            // A session that has gone away fails the send; it is then forgotten.
            _ = SendAsync();

            async Task SendAsync()
            {
                try
                {
                    await _server.SendMessageAsync(new JsonRpcNotification { Method = NotificationMethods.ResourceUpdatedNotification, Params = Updated(uri) });
                }
                catch (Exception ex) when (ex is ObjectDisposedException or InvalidOperationException or IOException or OperationCanceledException)
                {
                    Dispose();
                }
            }
        }
    }
}
