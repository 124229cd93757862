using System.Net;

namespace CacheFailover.Resp.Hosting;

/// <summary>Where the front door listens and the password its clients give (AUTH / HELLO … AUTH).</summary>
public sealed class RespFrontDoorOptions
{
    /// <summary>The address and port to listen on.</summary>
    public required IPEndPoint Endpoint { get; init; }

    /// <summary>The password clients must give before any other command; null for none (loopback only). Never logged or shown.</summary>
    public string? Password { get; init; }

    /// <summary>What the front door says it is in INFO and HELLO (clients check the version for features).</summary>
    public string ReportedRedisVersion { get; init; } = "7.0.15";

    /// <summary>Replies a connection may have waiting for earlier commands before it stops reading more (pipelining bound).</summary>
    public int MaxPendingReplies { get; init; } = 1024;
}
