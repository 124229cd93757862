using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace CacheFailoverMcp.Tests;

/// <summary>
/// Subscribes a real client to resource updates the way its protocol revision allows, and collects the
/// URIs of the <c>notifications/resources/updated</c> it receives: <c>resources/subscribe</c> before
/// 2026-07-28; after it, a held-open <c>subscriptions/listen</c> request (the SDK's client has no method
/// for it yet, so it is sent as a raw request), acknowledged before this returns.
/// </summary>
internal sealed class ResourceUpdates : IAsyncDisposable
{
    private readonly Channel<string> _updates = Channel.CreateUnbounded<string>();
    private readonly List<IAsyncDisposable> _registrations = [];
    private readonly CancellationTokenSource _listening = new();
    private Task? _listen;

    private ResourceUpdates()
    {
    }

    /// <summary>What the server granted, from its acknowledgement (2026-07-28 only).</summary>
    public IReadOnlyList<string>? Granted { get; private set; }

    public static async Task<ResourceUpdates> SubscribeAsync(McpClient client, TimeSpan timeout, params string[] uris)
    {
        var updates = new ResourceUpdates();
        updates._registrations.Add(client.RegisterNotificationHandler(NotificationMethods.ResourceUpdatedNotification, (n, _) =>
        {
            updates._updates.Writer.TryWrite(n.Params!["uri"]!.GetValue<string>());
            return ValueTask.CompletedTask;
        }));

        if (client.NegotiatedProtocolVersion != "2026-07-28")
        {
            foreach (var uri in uris)
            {
                await client.SubscribeToResourceAsync(uri);
            }

            return updates;
        }

        var acknowledged = new TaskCompletionSource<JsonNode?>(TaskCreationOptions.RunContinuationsAsynchronously);
        updates._registrations.Add(client.RegisterNotificationHandler(NotificationMethods.SubscriptionsAcknowledgedNotification, (n, _) =>
        {
            acknowledged.TrySetResult(n.Params);
            return ValueTask.CompletedTask;
        }));
        var request = new JsonRpcRequest
        {
            Method = RequestMethods.SubscriptionsListen,
            Params = new JsonObject { ["notifications"] = new JsonObject { ["resourceSubscriptions"] = new JsonArray([.. uris.Select(u => (JsonNode)u)]) } },
        };
        updates._listen = client.SendRequestAsync(request, updates._listening.Token);
        var ack = await acknowledged.Task.WaitAsync(timeout, TimeProvider.System);
        updates.Granted = ack?["notifications"]?["resourceSubscriptions"]?.AsArray().Select(u => u!.GetValue<string>()).ToList() ?? [];
        return updates;
    }

    /// <summary>The next URI updated, or a timeout.</summary>
    public async Task<string> NextAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        return await _updates.Reader.ReadAsync(cancel.Token);
    }

    /// <summary>Every distinct URI updated until <paramref name="count"/> distinct ones were seen.</summary>
    public async Task<IReadOnlyList<string>> DistinctAsync(int count, TimeSpan timeout)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        using var cancel = new CancellationTokenSource(timeout);
        while (seen.Count < count)
        {
            seen.Add(await _updates.Reader.ReadAsync(cancel.Token));
        }

        return [.. seen.Order(StringComparer.Ordinal)];
    }

    public bool TryRead(out string? uri) => _updates.Reader.TryRead(out uri);

    public async ValueTask DisposeAsync()
    {
        await _listening.CancelAsync();
        if (_listen is not null)
        {
            try
            {
                await _listen;
            }
            catch (OperationCanceledException)
            {
            }
        }

        foreach (var registration in _registrations)
        {
            await registration.DisposeAsync();
        }

        _listening.Dispose();
    }

    public static string Uri(JsonElement element) => element.GetProperty("uri").GetString()!;
}
