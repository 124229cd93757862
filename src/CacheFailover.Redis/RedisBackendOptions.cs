namespace CacheFailover.Redis;

/// <summary>
/// How a <see cref="RedisCacheBackend"/> talks to its server. The defaults favour noticing a dead or
/// hung server quickly over riding out long stalls: the failover engine, not the client library,
/// decides what to do about a slow server.
/// </summary>
public sealed class RedisBackendOptions
{
    /// <summary>The smallest timeout accepted (10 ms).</summary>
    public static readonly TimeSpan MinimumTimeout = TimeSpan.FromMilliseconds(10);

    /// <summary>The largest timeout accepted (5 minutes).</summary>
    public static readonly TimeSpan MaximumTimeout = TimeSpan.FromMinutes(5);

    /// <summary>
    /// How long one connection attempt may take before it counts as failed. Default 1 s; range
    /// 10 ms – 5 min. StackExchange.Redis's own default (5 s) would let a black-holed server stall
    /// start-up probes for seconds.
    /// </summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// The backstop for one operation: a command not answered within this time fails with
    /// <see cref="Backends.CacheFailureKind.Timeout"/>. Default 2 s; range 10 ms – 5 min. The engine
    /// normally enforces a tighter deadline of its own; this only guarantees that nothing waits
    /// forever when it does not. The client checks it on every heartbeat, so a timeout is reported
    /// up to <see cref="HeartbeatInterval"/> late.
    /// </summary>
    public TimeSpan OperationTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How often the client checks for timed-out commands and broken connections. Default 250 ms
    /// (the library's default is 1 s); range 50 ms – 10 s.
    /// </summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// How long a connection may be idle before the client sends a PING to check it. Default 5 s
    /// (the library's default is 60 s); range 1 s – 5 min.
    /// </summary>
    public TimeSpan KeepAliveInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// The longest wait between two reconnection attempts after a connection is lost; attempts
    /// back off exponentially from 100 ms up to this. Default 2 s; range 100 ms – 5 min.
    /// </summary>
    public TimeSpan MaxReconnectBackoff { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Every problem with these options, one sentence each; empty when they are valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        CheckRange(problems, nameof(ConnectTimeout), ConnectTimeout, MinimumTimeout, MaximumTimeout);
        CheckRange(problems, nameof(OperationTimeout), OperationTimeout, MinimumTimeout, MaximumTimeout);
        CheckRange(problems, nameof(HeartbeatInterval), HeartbeatInterval, TimeSpan.FromMilliseconds(50), TimeSpan.FromSeconds(10));
        CheckRange(problems, nameof(KeepAliveInterval), KeepAliveInterval, TimeSpan.FromSeconds(1), MaximumTimeout);
        CheckRange(problems, nameof(MaxReconnectBackoff), MaxReconnectBackoff, TimeSpan.FromMilliseconds(100), MaximumTimeout);
        return problems;
    }

    /// <summary>Throws an <see cref="ArgumentException"/> listing every problem, if there is one.</summary>
    public void ThrowIfInvalid()
    {
        var problems = Validate();
        if (problems.Count > 0)
        {
            throw new ArgumentException("Invalid Redis backend options: " + string.Join(" ", problems));
        }
    }

    internal RedisBackendOptions Clone() => (RedisBackendOptions)MemberwiseClone();

    private static void CheckRange(List<string> problems, string name, TimeSpan value, TimeSpan min, TimeSpan max)
    {
        if (value < min || value > max)
        {
            problems.Add($"{name} is {value.TotalMilliseconds:0.###} ms; it must be between {min.TotalMilliseconds:0.###} ms and {max.TotalMilliseconds:0.###} ms.");
        }
    }
}
