using CacheFailover.Backends;
using CacheFailover.Configuration;
using CacheFailover.DependencyInjection;
using CacheFailover.Group;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;

// In Microsoft's namespace, as AddStackExchangeRedisCache and AddHybridCache are: found without a using.
namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the engine from a configuration section of the server's shape.</summary>
public static class CacheFailoverConfigurationServiceCollectionExtensions
{
    /// <summary>
    /// Adds one failover engine configured by <paramref name="section"/>: <c>Primary</c> and <c>Backups</c>
    /// (connection strings), <c>Failover:&lt;option&gt;</c> (wire names, as the server reads them), <c>Group</c>
    /// and <c>ReadOnly</c> (for hosted MCP tools). The section is read and every connection string turned
    /// into a backend when the engine is first resolved — at host start, by the hosted service — and a
    /// <see cref="CacheFailoverConfigurationException"/> then lists every problem at once.
    /// </summary>
    /// <remarks>
    /// Connection strings become backends through the <see cref="ICacheBackendFactory"/>s registered in the
    /// container, asked in order. <c>memory</c> / <c>memory://name</c> is always understood; Redis needs
    /// <c>.AddRedis()</c> from CacheFailover.Redis on the returned builder.
    /// </remarks>
    public static ICacheFailoverBuilder AddCacheFailover(this IServiceCollection services, IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(section);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ICacheBackendFactory, InMemoryCacheBackendFactory>(sp => new InMemoryCacheBackendFactory(sp.GetRequiredService<TimeProvider>())));

        // Kept as an instance so that registrations made later (the MCP tools' read-only mode) can read the
        // same section before the container is built.
        services.AddSingleton(new CacheFailoverConfigurationSource(section));
        services.TryAddSingleton(sp => sp.GetRequiredService<CacheFailoverConfigurationSource>().ReadValidated());
        return services.AddCacheFailover(engine => Configure(engine, engine.Services.GetRequiredService<CacheFailoverSettings>()));
    }

    private static void Configure(FailoverEngineBuilder engine, CacheFailoverSettings settings)
    {
        var factories = engine.Services.GetServices<ICacheBackendFactory>().ToList();
        var problems = new List<string>();
        var created = new List<(string Id, ICacheBackend? Backend)>
        {
            (CacheFailoverSettings.PrimaryServiceId, Create(factories, CacheFailoverSettings.PrimaryServiceId, settings.Primary!, CacheFailoverSectionReader.PrimaryKey, problems)),
        };
        for (var i = 0; i < settings.Backups.Count; i++)
        {
            var id = CacheFailoverSettings.BackupServiceId(i);
            created.Add((id, Create(factories, id, settings.Backups[i], $"{CacheFailoverSectionReader.BackupsKey}:{i} ({id})", problems)));
        }

        if (problems.Count > 0)
        {
            foreach (var (_, backend) in created)
            {
                // Nothing was connected yet (creating a backend never waits for its server).
                backend?.DisposeAsync().AsTask().GetAwaiter().GetResult();
            }

            throw new CacheFailoverConfigurationException(problems);
        }

        engine.Options = settings.Failover;
        engine.Group = new FailoverGroupOptions { Name = settings.Group };
        engine.WithPrimary(created[0].Id, created[0].Backend!);
        foreach (var (id, backend) in created.Skip(1))
        {
            engine.AddBackup(id, backend!);
        }
    }

    private static ICacheBackend? Create(List<ICacheBackendFactory> factories, string id, string connection, string source, List<string> problems)
    {
        var factory = factories.FirstOrDefault(f => f.CanCreate(connection));
        if (factory is null)
        {
            problems.Add($"{source}: '{SafeEcho.Url(connection)}' is not a connection any registered backend understands; memory://name is built in, "
                + "and Redis (redis://host:6379, rediss://…, or host:6379,password=…) needs .AddRedis() from CacheFailover.Redis after AddCacheFailover.");
            return null;
        }

        try
        {
            return factory.Create(id, connection);
        }
        catch (ArgumentException ex)
        {
            // The factories' messages never hold a password; drop the "(Parameter 'x')" suffix a user cannot act on.
            var message = ex.ParamName is { } name ? ex.Message.Replace($" (Parameter '{name}')", string.Empty, StringComparison.Ordinal) : ex.Message;
            problems.Add($"{source}: {message}");
            return null;
        }
    }
}
