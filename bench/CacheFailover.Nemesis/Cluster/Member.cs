using System.Globalization;
using CacheFailover.Engine;
using CacheFailover.Group;
using CacheFailover.Nemesis.Faults;
using CacheFailover.Redis;
using CacheFailover.Services;
using CacheFailover.Testing;

namespace CacheFailover.Nemesis.Cluster;

/// <summary>
/// One member of the group, as a process would be: an engine over the three servers whose
/// announcements pass through its <see cref="Gate"/>. It can be restarted (the engine ends as on
/// SIGTERM, its in-memory journal is lost, and a new engine with a new member id starts and reads
/// the group's record); its clients wait while it is down and then use the new engine.
/// </summary>
public sealed class Member : IAsyncDisposable
{
    private readonly IReadOnlyDictionary<string, RedisServerProcess> _servers;
    private readonly Action<string, FailoverEvent> _onEvent;
    private readonly Lock _lock = new();
    private FailoverEngine? _engine;
    private FrontDoor? _frontDoor;
    private TaskCompletionSource<FailoverEngine> _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _incarnation;

    private Member(string id, bool carriesTraffic, IReadOnlyDictionary<string, RedisServerProcess> servers, Action<string, FailoverEvent> onEvent)
    {
        Id = id;
        CarriesTraffic = carriesTraffic;
        FrontDoorPort = carriesTraffic ? RedisServerProcess.FreeLoopbackPort() : null;
        _servers = servers;
        _onEvent = onEvent;
    }

    /// <summary>The member's name in the run (m1, m2, …, ops); its engines' member ids add the incarnation.</summary>
    public string Id { get; }

    public bool CarriesTraffic { get; }

    /// <summary>The loopback port of its RESP front door (members that carry traffic have one); kept across restarts.</summary>
    public int? FrontDoorPort { get; }

    public AnnouncementGate Gate { get; } = new();

    /// <summary>How many times it was restarted.</summary>
    public int Restarts => _incarnation - 1;

    /// <summary>The running engine; throws while the member is down (between the end of one engine and the start of the next).</summary>
    public FailoverEngine Engine
    {
        get
        {
            lock (_lock)
            {
                return _engine ?? throw new InvalidOperationException($"member {Id} is restarting");
            }
        }
    }

    public static async Task<Member> StartAsync(string id, bool carriesTraffic, IReadOnlyDictionary<string, RedisServerProcess> servers, Action<string, FailoverEvent> onEvent, CancellationToken cancellationToken)
    {
        var member = new Member(id, carriesTraffic, servers, onEvent);
        await member.StartEngineAsync(cancellationToken);
        return member;
    }

    /// <summary>The running engine, or the next one once it has started.</summary>
    public Task<FailoverEngine> WaitForEngineAsync(CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return _ready.Task.WaitAsync(cancellationToken);
        }
    }

    /// <summary>Ends the engine (as SIGTERM would: it leaves the group), stays down for <paramref name="down"/>, starts a new one.</summary>
    public async Task RestartAsync(TimeSpan down, CancellationToken cancellationToken)
    {
        FailoverEngine old;
        FrontDoor? frontDoor;
        lock (_lock)
        {
            old = _engine ?? throw new InvalidOperationException($"member {Id} is already down");
            _engine = null;
            frontDoor = _frontDoor;
            _frontDoor = null;
            _ready = new TaskCompletionSource<FailoverEngine>(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        if (frontDoor is not null)
        {
            await frontDoor.DisposeAsync();
        }

        await old.DisposeAsync();
        await Task.Delay(down, TimeProvider.System, cancellationToken);
        await StartEngineAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        FailoverEngine? engine;
        FrontDoor? frontDoor;
        lock (_lock)
        {
            engine = _engine;
            _engine = null;
            frontDoor = _frontDoor;
            _frontDoor = null;
        }

        if (frontDoor is not null)
        {
            await frontDoor.DisposeAsync();
        }

        if (engine is not null)
        {
            await engine.DisposeAsync();
        }
    }

    private async Task StartEngineAsync(CancellationToken cancellationToken)
    {
        var factory = new RedisCacheBackendFactory();
        CacheServiceRegistration Registration(string serviceId)
            => new(serviceId, new AnnouncementGateBackend(factory.Create(serviceId, _servers[serviceId].ConnectionString), Gate));

        var incarnation = ++_incarnation;
        var engine = new FailoverEngine(
            Registration("primary"),
            _servers.Keys.Where(id => id != "primary").Order(StringComparer.Ordinal).Select(Registration),
            NemesisCluster.Options,
            group: new FailoverGroupOptions
            {
                Name = NemesisCluster.Group,
                MemberId = incarnation == 1 ? Id : string.Create(CultureInfo.InvariantCulture, $"{Id}.{incarnation}"),
                CarriesTraffic = CarriesTraffic,
            });
        engine.EventRecorded += (_, e) => _onEvent(Id, e.Event);
        await engine.StartAsync(cancellationToken);
        var frontDoor = FrontDoorPort is { } port ? await FrontDoor.StartAsync(engine, port, cancellationToken) : null;
        lock (_lock)
        {
            _engine = engine;
            _frontDoor = frontDoor;
            _ready.TrySetResult(engine);
        }
    }
}
