using System.Text;
using CacheFailover.Engine;

namespace CacheFailover.Mcp.Resources;

/// <summary>
/// Tells listeners which of the server's resources changed: <c>cachefailover://events</c> after every
/// recorded failover or recovery, <c>cachefailover://status</c> then too and whenever a health-check round
/// changes what an operator would see at a glance (status, epoch, serving service, a service's health,
/// the journal being dirty, recovery held down or suspended, the set of services). Latency figures move
/// every round and are deliberately not a change: a subscriber would be woken every second for nothing.
/// One per host (a DI singleton).
/// </summary>
public sealed class ResourceChangeFeed : IDisposable
{
    private readonly FailoverEngine _engine;
    private readonly Lock _gate = new();
    private readonly List<Action<string>> _listeners = [];
    private string _lastAtAGlance;

    public ResourceChangeFeed(FailoverEngine engine)
    {
        _engine = engine;
        _lastAtAGlance = AtAGlance(engine.GetStatus());
        engine.EventRecorded += OnEventRecorded;
        engine.HealthCheckRoundCompleted += OnRoundCompleted;
    }

    /// <summary>Calls <paramref name="changed"/> with the URI of each resource that changed, until the returned handle is disposed.</summary>
    public IDisposable Listen(Action<string> changed)
    {
        ArgumentNullException.ThrowIfNull(changed);
        lock (_gate)
        {
            _listeners.Add(changed);
        }

        return new Registration(this, changed);
    }

    public void Dispose()
    {
        _engine.EventRecorded -= OnEventRecorded;
        _engine.HealthCheckRoundCompleted -= OnRoundCompleted;
    }

    private void OnEventRecorded(object? sender, FailoverEventArgs e)
    {
        Remember(_engine.GetStatus());
        Raise(FailoverResources.EventsUri);
        Raise(FailoverResources.StatusUri);
    }

    private void OnRoundCompleted(object? sender, EventArgs e)
    {
        if (Remember(_engine.GetStatus()))
        {
            Raise(FailoverResources.StatusUri);
        }
    }

    /// <summary>Records the status at a glance; true when it differs from the one seen before.</summary>
    private bool Remember(FailoverStatusSnapshot status)
    {
        var now = AtAGlance(status);
        lock (_gate)
        {
            if (now == _lastAtAGlance)
            {
                return false;
            }

            _lastAtAGlance = now;
            return true;
        }
    }

    private static string AtAGlance(FailoverStatusSnapshot status)
    {
        var text = new StringBuilder()
            .Append(status.Status).Append('|').Append(status.Epoch).Append('|').Append(status.ActiveServiceId)
            .Append('|').Append(status.Journal.PrimaryDirty).Append('|').Append(status.AutoRecoverySuspended)
            .Append('|').Append(status.PrimaryHeldDownUntil is not null);
        foreach (var service in status.Services)
        {
            text.Append('|').Append(service.ServiceId).Append('=').Append(service.Health);
        }

        return text.ToString();
    }

    private void Raise(string uri)
    {
        Action<string>[] listeners;
        lock (_gate)
        {
            listeners = [.. _listeners];
        }

        foreach (var listener in listeners)
        {
            listener(uri);
        }
    }

    private void Remove(Action<string> changed)
    {
        lock (_gate)
        {
            _listeners.Remove(changed);
        }
    }

    private sealed class Registration(ResourceChangeFeed feed, Action<string> changed) : IDisposable
    {
        public void Dispose() => feed.Remove(changed);
    }
}
