using CacheFailover.Bench.Infrastructure;
using CacheFailover.Engine;
using CacheFailover.Options;
using CacheFailover.Redis;
using CacheFailover.Services;

namespace CacheFailover.Bench.Contenders;

/// <summary>This project's engine over two <see cref="RedisCacheBackend"/>s; traffic through GetAsync/SetAsync/DeleteAsync.</summary>
internal sealed class EngineContender : IContender
{
    private readonly Lock _lock = new();
    private readonly List<(long Timestamp, FailoverEvent Event)> _events = [];
    private readonly List<long> _connectionLost = [];

    private EngineContender(FailoverEngine engine, RedisCacheBackend primary, RedisCacheBackend backup, FailoverOptions options)
    {
        Engine = engine;
        PrimaryBackend = primary;
        BackupBackend = backup;
        engine.EventRecorded += OnEvent;
        primary.ConnectionStateChanged += OnPrimaryConnection;
        Configuration =
            $"engine: FailoverEngine over RedisCacheBackend primary and backup (RedisBackendOptions defaults: FailFast backlog, operation backstop 2 s, heartbeat 250 ms, connect 1 s); "
            + $"timeout_threshold_ms {options.TimeoutThresholdMs}, health_check_interval_seconds {options.HealthCheckIntervalSeconds}, health_check_timeout_seconds {options.HealthCheckTimeoutSeconds}, "
            + $"failure_threshold {options.FailureThreshold}, recovery_threshold {options.RecoveryThreshold}, auto_recovery_delay_seconds {options.AutoRecoveryDelaySeconds}, max_failover_attempts {options.MaxFailoverAttempts}, retry_base_delay_ms {options.RetryBaseDelayMs}; "
            + "calls through engine.GetAsync/SetAsync/DeleteAsync (no retry around them: the engine retries inside).";
    }

    public string Name => "engine";

    public string Configuration { get; }

    public FailoverEngine Engine { get; }

    public RedisCacheBackend PrimaryBackend { get; }

    public RedisCacheBackend BackupBackend { get; }

    public bool OnBackup => Engine.ActiveServiceId == "backup";

    /// <summary>When the primary backend reported its connection lost (monotonic timestamps).</summary>
    public IReadOnlyList<long> PrimaryConnectionLost
    {
        get
        {
            lock (_lock)
            {
                return [.. _connectionLost];
            }
        }
    }

    /// <summary>Failovers and recoveries, with the monotonic timestamp they were recorded at.</summary>
    public IReadOnlyList<(long Timestamp, FailoverEvent Event)> Events
    {
        get
        {
            lock (_lock)
            {
                return [.. _events];
            }
        }
    }

    public static FailoverOptions Options(Tuning tuning) => new()
    {
        TimeoutThresholdMs = tuning.TimeoutMs,
        HealthCheckIntervalSeconds = tuning.HealthCheckInterval.TotalSeconds,
        HealthCheckTimeoutSeconds = tuning.ProbeTimeout.TotalSeconds,
        FailureThreshold = 3,
        RecoveryThreshold = 3,
        AutoRecoveryDelaySeconds = tuning.RecoveryDelay.TotalSeconds,
    };

    public static async Task<EngineContender> CreateAsync(ServerPair servers, Tuning tuning)
    {
        var backendOptions = new RedisBackendOptions();
        var primary = RedisCacheBackend.Create("primary", servers.Primary.ConnectionString, backendOptions);
        var backup = RedisCacheBackend.Create("backup", servers.Backup.ConnectionString, backendOptions);
        var options = Options(tuning);
        var engine = new FailoverEngine(
            new CacheServiceRegistration("primary", primary),
            [new CacheServiceRegistration("backup", backup)],
            options);
        var contender = new EngineContender(engine, primary, backup, options);
        await contender.WaitReadyAsync();
        return contender;
    }

    public ValueTask<byte[]?> GetAsync(string key) => Engine.GetAsync(key);

    public ValueTask SetAsync(string key, byte[] value) => Engine.SetAsync(key, value);

    public ValueTask<bool> DeleteAsync(string key) => Engine.DeleteAsync(key);

    public bool IsUnknownOutcome(Exception exception) => exception is not CacheOperationException operation || operation.Outcome == Backends.OperationOutcome.Unknown;

    public async Task ManualFailoverAsync() => await Engine.TriggerManualFailoverAsync("bench: manual failover under load", "backup");

    public Task StopAsync() => Engine.StopAsync();

    public async ValueTask DisposeAsync()
    {
        Engine.EventRecorded -= OnEvent;
        PrimaryBackend.ConnectionStateChanged -= OnPrimaryConnection;
        await Engine.DisposeAsync();
    }

    private async Task WaitReadyAsync()
    {
        var rounds = 0;
        Engine.HealthCheckRoundCompleted += (_, _) => Interlocked.Increment(ref rounds);
        Engine.Start();
        var deadline = Clock.Now + Clock.Ticks(TimeSpan.FromSeconds(10));

        // Both connected and two probe rounds evaluated, so both services have a known health and latency.
        while (!(PrimaryBackend.IsConnected && BackupBackend.IsConnected && Volatile.Read(ref rounds) >= 2))
        {
            if (Clock.Now > deadline)
            {
                throw new InvalidOperationException($"the engine's backends did not connect within 10 s (primary {PrimaryBackend.IsConnected}, backup {BackupBackend.IsConnected}, probe rounds {rounds}).");
            }

            await Clock.Delay(TimeSpan.FromMilliseconds(20));
        }
    }

    private void OnPrimaryConnection(object? sender, Backends.BackendConnectionEventArgs e)
    {
        var now = Clock.Now;
        if (!e.Connected)
        {
            lock (_lock)
            {
                _connectionLost.Add(now);
            }
        }
    }

    private void OnEvent(object? sender, FailoverEventArgs e)
    {
        var now = Clock.Now;
        lock (_lock)
        {
            _events.Add((now, e.Event));
        }
    }
}
