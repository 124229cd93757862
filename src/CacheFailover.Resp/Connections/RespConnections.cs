using System.Collections.Concurrent;
using System.Net;

namespace CacheFailover.Resp.Connections;

/// <summary>The front door's live connections and its counters (CLIENT LIST, INFO clients, MCP status).</summary>
public sealed class RespConnections(TimeProvider time)
{
    private static readonly TimeSpan RateWindow = TimeSpan.FromSeconds(1);
    private readonly ConcurrentDictionary<long, RespSession> _sessions = new();
    private readonly Lock _rateLock = new();
    private long _rateSampledAt = time.GetTimestamp();
    private long _rateSampledTotal;
    private double _rate;
    private long _nextId;
    private long _commands;
    private long _connectionsTotal;

    /// <summary>Connections open now.</summary>
    public int OpenCount => _sessions.Count;

    /// <summary>Connections accepted since start.</summary>
    public long AcceptedTotal => Interlocked.Read(ref _connectionsTotal);

    /// <summary>Commands received since start (every command, answered or refused).</summary>
    public long CommandsTotal => Interlocked.Read(ref _commands);

    /// <summary>The address the front door listens on; once bound, with the real port when 0 was asked for (null before it listens).</summary>
    public EndPoint? ListeningOn => BoundEndpoint?.Invoke();

    /// <summary>Reads the bound address from Kestrel's listen options (which it updates when it binds).</summary>
    internal Func<EndPoint?>? BoundEndpoint { get; set; }

    internal TimeProvider Time => time;

    /// <summary>
    /// Commands per second over the time since the previous reading (or since start), when that is at
    /// least a second; a reading sooner repeats the last figure. Costs the hot path nothing: it is
    /// computed from <see cref="CommandsTotal"/> when read.
    /// </summary>
    public double CommandsPerSecond()
    {
        lock (_rateLock)
        {
            var now = time.GetTimestamp();
            var elapsed = time.GetElapsedTime(_rateSampledAt, now);
            if (elapsed >= RateWindow)
            {
                var total = CommandsTotal;
                _rate = (total - _rateSampledTotal) / elapsed.TotalSeconds;
                _rateSampledAt = now;
                _rateSampledTotal = total;
            }

            return _rate;
        }
    }

    internal IEnumerable<RespSession> Sessions => _sessions.Values.OrderBy(s => s.Id);

    internal RespSession Open(EndPoint? remote, EndPoint? local, bool needsPassword)
    {
        var session = new RespSession(Interlocked.Increment(ref _nextId), remote, local, time.GetTimestamp(), needsPassword);
        _sessions[session.Id] = session;
        Interlocked.Increment(ref _connectionsTotal);
        return session;
    }

    internal void Close(RespSession session) => _sessions.TryRemove(session.Id, out _);

    internal void CountCommand() => Interlocked.Increment(ref _commands);
}
