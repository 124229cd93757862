using CacheFailover.Backends;
using CacheFailover.Mcp;
using CacheFailover.Mcp.Filters;

namespace CacheFailoverMcp.Hosting;

/// <summary>The services the host starts with: backends already created, in priority order.</summary>
public sealed class ServiceTopology : IAsyncDisposable
{
    private bool _handedOver;

    internal ServiceTopology(ICacheBackend primary, IReadOnlyList<(string Id, ICacheBackend Backend)> backups)
    {
        Primary = primary;
        Backups = backups;
    }

    public ICacheBackend Primary { get; }

    public IReadOnlyList<(string Id, ICacheBackend Backend)> Backups { get; }

    /// <summary>
    /// Creates every backend of <paramref name="settings"/>; each connection that cannot be used adds a
    /// problem (redacted) and the topology is null. Creating never waits for a server.
    /// </summary>
    public static async Task<ServiceTopology?> TryCreateAsync(Configuration.HostSettings settings, BackendProvisioner provisioner, List<string> problems)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(provisioner);
        ArgumentNullException.ThrowIfNull(problems);
        var created = new List<(string Id, ICacheBackend? Backend)>
        {
            (Configuration.HostSettings.PrimaryServiceId, TryCreate(provisioner, Configuration.HostSettings.PrimaryServiceId, settings.PrimaryConnection, "--primary", problems)),
        };
        for (var i = 0; i < settings.BackupConnections.Count; i++)
        {
            var id = Configuration.HostSettings.BackupServiceId(i);
            created.Add((id, TryCreate(provisioner, id, settings.BackupConnections[i], $"--backup #{i + 1} ({id})", problems)));
        }

        if (created.Any(c => c.Backend is null))
        {
            foreach (var (_, backend) in created)
            {
                if (backend is not null)
                {
                    await backend.DisposeAsync();
                }
            }

            return null;
        }

        return new ServiceTopology(created[0].Backend!, [.. created.Skip(1).Select(c => (c.Id, c.Backend!))]);
    }

    /// <summary>Marks the backends as owned by the engine (which disposes them).</summary>
    internal void HandOver() => _handedOver = true;

    /// <summary>Disposes the backends unless the engine took them.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_handedOver)
        {
            return;
        }

        await Primary.DisposeAsync();
        foreach (var (_, backend) in Backups)
        {
            await backend.DisposeAsync();
        }
    }

    private static ICacheBackend? TryCreate(BackendProvisioner provisioner, string id, string connection, string source, List<string> problems)
    {
        try
        {
            return provisioner.Create(id, connection);
        }
        catch (ArgumentException ex)
        {
            problems.Add($"{source}: {ArgumentMessages.WithoutParameterSuffix(ex)}");
            return null;
        }
    }
}
