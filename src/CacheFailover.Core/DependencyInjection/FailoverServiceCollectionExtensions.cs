using CacheFailover.Backends;
using CacheFailover.Engine;
using CacheFailover.Group;
using CacheFailover.Options;
using CacheFailover.Services;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using System.Diagnostics.Metrics;

namespace CacheFailover.DependencyInjection;

/// <summary>What <c>AddCacheFailover</c> returns: the container the engine was added to, for the extensions over it.</summary>
public interface ICacheFailoverBuilder
{
    /// <summary>The container the engine was added to.</summary>
    IServiceCollection Services { get; }
}

internal sealed class CacheFailoverBuilder(IServiceCollection services) : ICacheFailoverBuilder
{
    public IServiceCollection Services { get; } = services;
}

/// <summary>Collects the services and options of the engine.</summary>
public sealed class FailoverEngineBuilder
{
    private readonly List<CacheServiceRegistration> _backups = [];
    private CacheServiceRegistration? _primary;

    internal FailoverEngineBuilder(IServiceProvider services)
    {
        Services = services;
    }

    /// <summary>The container, to resolve backend factories or a clock.</summary>
    public IServiceProvider Services { get; }

    /// <summary>The options; defaults unless replaced.</summary>
    public FailoverOptions Options { get; set; } = new();

    /// <summary>The failover group the engine joins; group "default", carrying traffic, unless replaced.</summary>
    public FailoverGroupOptions Group { get; set; } = new();

    public FailoverEngineBuilder WithPrimary(string serviceId, ICacheBackend backend)
    {
        _primary = new CacheServiceRegistration(serviceId, backend);
        return this;
    }

    public FailoverEngineBuilder AddBackup(string serviceId, ICacheBackend backend, int? priority = null)
    {
        _backups.Add(new CacheServiceRegistration(serviceId, backend, priority));
        return this;
    }

    internal FailoverEngine Build()
    {
        var primary = _primary ?? throw new InvalidOperationException("The failover engine needs a primary: call WithPrimary.");
        return new FailoverEngine(
            primary,
            _backups,
            Options,
            Services.GetRequiredService<TimeProvider>(),
            Services.GetService<ILogger<FailoverEngine>>(),
            Services.GetService<IMeterFactory>(),
            Group);
    }
}

/// <summary>Starts the engine's probe loop with the host and stops it on shutdown.</summary>
internal sealed class FailoverEngineHostedService(FailoverEngine engine) : IHostedService
{
    /// <summary>Joins the group (follows its record) before the host's transports start serving.</summary>
    public Task StartAsync(CancellationToken cancellationToken) => engine.StartAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => engine.StopAsync();
}
