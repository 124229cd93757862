using CacheFailover.Telemetry;
using Microsoft.Extensions.Logging;

namespace CacheFailover.Engine;

/// <summary>The engine's event history and the <see cref="Recorded"/> notification, isolated from failing subscribers.</summary>
internal sealed class FailoverEvents(int capacity, ILogger logger)
{
    private readonly EventHistory _history = new(capacity);

    /// <summary>The sender subscribers see (the engine).</summary>
    public object? Sender { get; set; }

    public event EventHandler<FailoverEventArgs>? Recorded;

    public EventHistory History => _history;

    public long NextId() => _history.NextId();

    public void Record(FailoverEvent failoverEvent)
    {
        _history.Add(failoverEvent);
        var handlers = Recorded;
        if (handlers is null)
        {
            return;
        }

        var args = new FailoverEventArgs(failoverEvent);
        foreach (var handler in handlers.GetInvocationList().Cast<EventHandler<FailoverEventArgs>>())
        {
            try
            {
                handler(Sender, args);
            }
#pragma warning disable CA1031 // A subscriber must never break the engine; its failure is logged.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                Log.SubscriberFailed(logger, ex);
            }
        }
    }
}

/// <summary>The options in force, swapped whole on a runtime change; every part reads them from here.</summary>
internal sealed class EngineOptions(Options.FailoverOptions initial)
{
    private volatile Options.FailoverOptions _current = initial;

    public Options.FailoverOptions Current
    {
        get => _current;
        set => _current = value;
    }
}
