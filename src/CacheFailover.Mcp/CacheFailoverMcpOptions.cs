namespace CacheFailover.Mcp;

/// <summary>
/// What the MCP tools need to know about the process that hosts them: the executable fills it from
/// its command line and configuration, an ASP.NET Core app from its own.
/// </summary>
public sealed class CacheFailoverMcpOptions
{
    /// <summary>Mutating-tool calls the audit trail keeps unless told otherwise.</summary>
    public const int DefaultAuditCapacity = 1000;

    /// <summary>When true the mutating tools are not registered at all.</summary>
    public bool ReadOnly { get; set; }

    /// <summary>
    /// When true live drills may inject real faults (the backends must then be wrapped in fault injectors,
    /// which <see cref="BackendProvisioner"/> does when asked). Off by default.
    /// </summary>
    public bool AllowLiveDrills { get; set; }

    /// <summary>How an operator allows live drills in this host, quoted in the refusal a model reads.</summary>
    public string HowToAllowLiveDrills { get; set; } = "host the tools with AllowLiveDrills set";

    /// <summary>Mutating-tool calls kept in the in-memory audit trail (at least 1).</summary>
    public int AuditCapacity { get; set; } = DefaultAuditCapacity;

    /// <summary>Where the Redis-protocol front door was asked to listen, shown until it reports its bound endpoint; null when it is off.</summary>
    public string? RespEndpoint { get; set; }

    /// <summary>Whether Redis clients must give the front door a password (the password itself never reaches the tools).</summary>
    public bool RespPasswordRequired { get; set; }

    /// <summary>
    /// True when the MCP transport is one long-lived stream (stdio): it can carry a resource update to a client
    /// after the request that subscribed has ended. False for HTTP, where only a 2026-07-28 client's
    /// <c>subscriptions/listen</c> response can.
    /// </summary>
    public bool StreamTransport { get; set; }
}
