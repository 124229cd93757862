namespace CacheFailover.Backends;

/// <summary>
/// A backend whose server grants rights per user (Redis ACLs) and can say, before it is trusted with
/// traffic, which of the commands the engine relies on beyond reads and writes this user may not
/// run. Registration refuses a service that lacks one: a backup that cannot invalidate journaled
/// keys or keep the group's record would turn the next failover or failback into stale data.
/// </summary>
public interface IBackendRightsCheck
{
    /// <summary>
    /// The rights this connection's user lacks, each naming the command and what the engine needs it
    /// for; empty when it has every one. Runs harmless commands (on keys and channels namespaced by
    /// the product) and reads the server's refusals; a failure that is not a refusal is not a
    /// missing right (the probe judges reachability).
    /// </summary>
    ValueTask<IReadOnlyList<string>> MissingRightsAsync(CancellationToken cancellationToken = default);
}
