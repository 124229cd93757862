namespace CacheFailover.Group;

/// <summary>Which failover group an engine belongs to, and as whom.</summary>
public sealed record FailoverGroupOptions
{
    /// <summary>The group's name: every process with the same name over the same caches follows one record.</summary>
    public string Name { get; init; } = "default";

    /// <summary>This member's id; by default the host name, the process id and a random suffix.</summary>
    public string? MemberId { get; init; }

    /// <summary>False for a control-only member (an assistant's stdio server) that carries no application traffic.</summary>
    public bool CarriesTraffic { get; init; } = true;
}
