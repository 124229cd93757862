using System.Text;
using CacheFailover.Backends;
using CacheFailover.Drills.Chaos;
using CacheFailover.Engine;
using CacheFailover.Options;
using CacheFailover.Services;
using Microsoft.Extensions.Time.Testing;

namespace CacheFailover.Core.Tests.Engine;

/// <summary>
/// An engine over in-memory services behind fault injectors and a clock-advancing latency shim,
/// all on one <see cref="FakeTimeProvider"/>. Every timed transition is driven by advancing that clock.
/// </summary>
internal sealed class EngineHarness : IAsyncDisposable
{
    private readonly Dictionary<string, Service> _services = [];

    public EngineHarness(FailoverOptions? options = null, int backups = 1, System.Diagnostics.Metrics.IMeterFactory? meterFactory = null)
    {
        Time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var primary = AddService("primary");
        var backupRegistrations = new List<CacheServiceRegistration>();
        for (var i = 1; i <= backups; i++)
        {
            var backup = AddService($"backup{i}");
            backupRegistrations.Add(new CacheServiceRegistration(backup.Id, backup.Faults));
        }

        Options = options ?? FastOptions();
        Engine = new FailoverEngine(new CacheServiceRegistration(primary.Id, primary.Faults), backupRegistrations, Options, Time, meterFactory: meterFactory);
        Engine.EventRecorded += (_, e) => Events.Add(e.Event);
    }

    public FakeTimeProvider Time { get; }

    public FailoverOptions Options { get; }

    public FailoverEngine Engine { get; }

    public List<FailoverEvent> Events { get; } = [];

    public Service Primary => _services["primary"];

    public Service Backup1 => _services["backup1"];

    public Service Backup2 => _services["backup2"];

    /// <summary>Options that keep tests short: 1 s probes, 100 ms deadline, 60 s recovery delay, degradation judged at once.</summary>
    public static FailoverOptions FastOptions() => new()
    {
        HealthCheckIntervalSeconds = 1,
        HealthCheckTimeoutSeconds = 0.5,
        TimeoutThresholdMs = 100,
        FailureThreshold = 3,
        RecoveryThreshold = 3,
        AutoRecoveryDelaySeconds = 60,
        RetryBaseDelayMs = 0,

        // Millisecond-scale test latencies: count a 1 ms slowdown, judge it at once (the sustain rule has its own test).
        DegradationMinimumDeltaMs = 1,
        DegradationSustainMs = 0,
    };

    public static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);

    public static string? Text(byte[]? bytes) => bytes is null ? null : Encoding.UTF8.GetString(bytes);

    /// <summary>
    /// Gives the primary and the first backup these latencies, then lets the engine learn them:
    /// two probe rounds and enough operations on the primary for a baseline.
    /// </summary>
    public async Task LearnBaselinesAsync(double primaryMs, double backupMs)
    {
        Primary.Latency.Latency = TimeSpan.FromMilliseconds(primaryMs);
        Backup1.Latency.Latency = TimeSpan.FromMilliseconds(backupMs);
        await ProbeRoundsAsync(2);
        for (var i = 0; i < 40; i++)
        {
            await Engine.GetAsync("k");
        }
    }

    /// <summary>Runs probe rounds, advancing the clock by one interval before each.</summary>
    public async Task ProbeRoundsAsync(int rounds)
    {
        for (var i = 0; i < rounds; i++)
        {
            Time.Advance(TimeSpan.FromSeconds(Engine.Options.HealthCheckIntervalSeconds));
            await Engine.RunHealthChecksAsync();
        }
    }

    /// <summary>
    /// Starts an operation, advances the clock past its deadline (the timeout, plus at most one
    /// sixteenth of it: deadlines share slots), and returns its result.
    /// </summary>
    public async Task<T> CompletePastDeadlineAsync<T>(Func<ValueTask<T>> operation)
    {
        var pending = operation().AsTask();
        Time.Advance(DeadlineBound);
        return await pending;
    }

    /// <summary>The latest an operation's deadline fires after it started.</summary>
    public TimeSpan DeadlineBound => TimeSpan.FromMilliseconds((Engine.Options.TimeoutThresholdMs * 17.0 / 16) + 1);

    public async ValueTask DisposeAsync() => await Engine.DisposeAsync();

    private Service AddService(string id)
    {
        var memory = new InMemoryCacheBackend(id, Time);
        var latency = new ClockAdvancingBackend(memory, Time);
        var service = new Service(id, memory, latency, new FaultInjectingBackend(latency, Time));
        _services[id] = service;
        return service;
    }

    internal sealed record Service(string Id, InMemoryCacheBackend Memory, ClockAdvancingBackend Latency, FaultInjectingBackend Faults);
}

/// <summary>
/// Makes each call "take" <see cref="Latency"/> by advancing the fake clock inside the call, so the
/// engine measures that latency without any real waiting.
/// </summary>
internal sealed class ClockAdvancingBackend(ICacheBackend inner, FakeTimeProvider time) : ICacheBackend, CacheFailover.Group.IGroupStoreProvider
{
    /// <summary>Group calls pass straight through (the latency shim times cache calls only).</summary>
    public CacheFailover.Group.IGroupStore? OpenGroupStore(string group) => (inner as CacheFailover.Group.IGroupStoreProvider)?.OpenGroupStore(group);

    public TimeSpan Latency { get; set; }

    /// <summary>Runs inside each InvalidateAsync call, before the keys are removed (to race the failback).</summary>
    public Action<int>? OnInvalidate { get; set; }

    public int Calls;

    private int _invalidations;

    public string Endpoint => inner.Endpoint;

    public event EventHandler<BackendConnectionEventArgs>? ConnectionStateChanged
    {
        add => inner.ConnectionStateChanged += value;
        remove => inner.ConnectionStateChanged -= value;
    }

    public BackendConnectionEventArgs? LastConnectionChange => inner.LastConnectionChange;

    /// <summary>Set to stand for a service that fails over by itself (Sentinel).</summary>
    public bool HasOwnFailover { get; set; }

    public ValueTask<byte[]?> GetAsync(string key, CancellationToken cancellationToken = default)
    {
        Tick();
        return inner.GetAsync(key, cancellationToken);
    }

    public ValueTask SetAsync(string key, ReadOnlyMemory<byte> value, TimeSpan? timeToLive = null, CancellationToken cancellationToken = default)
    {
        Tick();
        return inner.SetAsync(key, value, timeToLive, cancellationToken);
    }

    public ValueTask<bool> DeleteAsync(string key, CancellationToken cancellationToken = default)
    {
        Tick();
        return inner.DeleteAsync(key, cancellationToken);
    }

    public ValueTask<bool> ExistsAsync(string key, CancellationToken cancellationToken = default)
    {
        Tick();
        return inner.ExistsAsync(key, cancellationToken);
    }

    public ValueTask<TimeSpan> PingAsync(CancellationToken cancellationToken = default)
    {
        Tick();
        return new ValueTask<TimeSpan>(Latency);
    }

    public ValueTask<long> InvalidateAsync(IReadOnlyList<string> keys, CancellationToken cancellationToken = default)
    {
        OnInvalidate?.Invoke(Interlocked.Increment(ref _invalidations));
        return inner.InvalidateAsync(keys, cancellationToken);
    }

    public ValueTask FlushAsync(CancellationToken cancellationToken = default) => inner.FlushAsync(cancellationToken);

    public ValueTask<CacheFailover.Backends.Commands.CommandReply> ExecuteCommandAsync(CacheFailover.Backends.Commands.CacheCommand command, CancellationToken cancellationToken = default)
    {
        Tick();
        return inner.ExecuteCommandAsync(command, cancellationToken);
    }

    public ValueTask DisposeAsync() => inner.DisposeAsync();

    private void Tick()
    {
        Interlocked.Increment(ref Calls);
        if (Latency > TimeSpan.Zero)
        {
            time.Advance(Latency);
        }
    }
}
