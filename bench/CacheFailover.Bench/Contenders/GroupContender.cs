using CacheFailover.Bench.Infrastructure;
using StackExchange.Redis;
using StackExchange.Redis.Availability;

namespace CacheFailover.Bench.Contenders;

/// <summary>
/// StackExchange.Redis's own client-side failover: a connection group (<c>ConnectGroupAsync</c>) over
/// the primary (weight 10) and the backup (weight 1), tuned for speed the way the issue's reference
/// measurement was, and every call wrapped in the library's own retry (<c>WithRetry</c>).
/// </summary>
internal sealed class GroupContender : IContender
{
    private readonly IConnectionGroup _group;
    private readonly IDatabaseAsync _database;
    private readonly ConnectionGroupMember _primary;
    private readonly ConnectionGroupMember _backup;
    private readonly Lock _lock = new();
    private readonly List<(long Timestamp, string Change)> _changes = [];

    private GroupContender(IConnectionGroup group, ConnectionGroupMember primary, ConnectionGroupMember backup, Tuning tuning, string retry)
    {
        _group = group;
        _primary = primary;
        _backup = backup;
        _database = group.GetDatabase().WithRetry();
        group.ConnectionChanged += OnConnectionChanged;
        group.ConnectionFailed += OnConnectionFailed;
        Configuration =
            $"group: StackExchange.Redis 3.4.35 ConnectionMultiplexer.ConnectGroupAsync over primary (Weight 10) and backup (Weight 1); each member: BacklogPolicy.FailFast, AbortOnConnectFail false, Sync/AsyncTimeout {tuning.TimeoutMs} ms, HeartbeatInterval {tuning.TimeoutMs} ms, ConnectTimeout 1000 ms; "
            + $"HealthCheck Ping x1 (ProbeTimeout {tuning.ProbeTimeout.TotalMilliseconds:0} ms), HealthCheckInterval {tuning.HealthCheckInterval.TotalMilliseconds:0} ms, FailbackDelay {tuning.RecoveryDelay.TotalSeconds:0.###} s; "
            + $"CircuitBreaker {{ FailureRateThreshold 10 %, MinimumNumberOfFailures 10, MetricsWindowSize 1 s }}; every call through GetDatabase().WithRetry() with {retry}.";
    }

    public string Name => "group";

    public string Configuration { get; }

    /// <summary>The member traffic goes to now.</summary>
    public bool OnBackup => ReferenceEquals(_group.ActiveMember, _backup);

    /// <summary>Changes of the active member, with the monotonic timestamp they were seen at.</summary>
    public IReadOnlyList<(long Timestamp, string Change)> Changes
    {
        get
        {
            lock (_lock)
            {
                return [.. _changes];
            }
        }
    }

    public static async Task<GroupContender> CreateAsync(ServerPair servers, Tuning tuning)
    {
        var primary = new ConnectionGroupMember(Member(servers.Primary.ConnectionString, "primary", tuning), "primary") { Weight = 10 };
        var backup = new ConnectionGroupMember(Member(servers.Backup.ConnectionString, "backup", tuning), "backup") { Weight = 1 };
        var retry = new RetryPolicy.Builder
        {
            // Ride out a failover: one attempt on the failing member, then wait (up to 2 s) for the
            // group to switch and retry there; reads and last-writer-wins writes (SET, DEL) are retried.
            MaxAttempts = 4,
            MaxAttemptsBeforeFailover = 1,
            RetryDelay = TimeSpan.FromMilliseconds(10),
            JitterMax = TimeSpan.Zero,
            FailoverDelay = TimeSpan.FromSeconds(2),
            MaxCommandRetryCategory = CommandFlags.CommandRetryWriteLastWins,
        }.Create();
        var options = new MultiGroupOptions.Builder
        {
            HealthCheck = new HealthCheck.Builder
            {
                ProbeCount = 1,
                ProbeTimeout = tuning.ProbeTimeout,
                ProbeInterval = TimeSpan.FromMilliseconds(50),
                Probe = HealthCheckProbe.Ping,
                ProbePolicy = HealthCheckProbePolicy.AllSuccess,
            },
            HealthCheckInterval = tuning.HealthCheckInterval,
            FailbackDelay = tuning.RecoveryDelay,
            RetryPolicy = retry,
            CircuitBreaker = new CircuitBreaker.Builder
            {
                FailureRateThreshold = 10,
                MinimumNumberOfFailures = 10,
                MetricsWindowSize = TimeSpan.FromSeconds(1),
            },
        }.Create();
        var group = await ConnectionMultiplexer.ConnectGroupAsync([primary, backup], options);
        var contender = new GroupContender(group, primary, backup, tuning, $"RetryPolicy {{ MaxAttempts {retry.MaxAttempts}, MaxAttemptsBeforeFailover {retry.MaxAttemptsBeforeFailover}, RetryDelay 10 ms, JitterMax 0, FailoverDelay 2 s, MaxCommandRetryCategory {retry.MaxCommandRetryCategory} }}");
        await contender.WaitReadyAsync();
        return contender;
    }

    /// <summary>The same judgement the engine's Redis backend makes: a write that may have reached the server has an unknown outcome.</summary>
    public static bool IsUnknown(Exception exception) => exception switch
    {
        RedisTimeoutException timeout => timeout.Commandstatus is not (CommandStatus.WaitingToBeSent or CommandStatus.WaitingInBacklog),
        RedisConnectionException connection => connection.CommandStatus switch
        {
            CommandStatus.WaitingToBeSent or CommandStatus.WaitingInBacklog => false,
            CommandStatus.Sent => true,
            _ => connection.FailureType is not (ConnectionFailureType.UnableToConnect or ConnectionFailureType.UnableToResolvePhysicalConnection or ConnectionFailureType.CircuitBreaker),
        },
        RedisServerException => false,
        _ => true,
    };

    public async ValueTask<byte[]?> GetAsync(string key) => (byte[]?)await _database.StringGetAsync(key);

    public async ValueTask SetAsync(string key, byte[] value) => await _database.StringSetAsync(key, value);

    public async ValueTask<bool> DeleteAsync(string key) => await _database.KeyDeleteAsync(key);

    public bool IsUnknownOutcome(Exception exception) => IsUnknown(exception);

    public Task ManualFailoverAsync()
    {
        if (!_group.TryFailoverTo(_backup))
        {
            throw new InvalidOperationException("the group refused TryFailoverTo(backup)");
        }

        return Task.CompletedTask;
    }

    public Task StopAsync() => Task.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        _group.ConnectionChanged -= OnConnectionChanged;
        _group.ConnectionFailed -= OnConnectionFailed;
        await _group.DisposeAsync();
    }

    private static ConfigurationOptions Member(string endpoint, string name, Tuning tuning)
    {
        var options = ConfigurationOptions.Parse(endpoint);
        options.AbortOnConnectFail = false;
        options.BacklogPolicy = BacklogPolicy.FailFast;
        options.SyncTimeout = tuning.TimeoutMs;
        options.AsyncTimeout = tuning.TimeoutMs;
        options.HeartbeatInterval = TimeSpan.FromMilliseconds(tuning.TimeoutMs);
        options.ConnectTimeout = 1000;
        options.ConnectRetry = 1;
        options.ClientName = "bench-group-" + name;
        return options;
    }

    private async Task WaitReadyAsync()
    {
        var deadline = Clock.Now + Clock.Ticks(TimeSpan.FromSeconds(10));
        while (!(_primary.IsConnected && _backup.IsConnected && ReferenceEquals(_group.ActiveMember, _primary)))
        {
            if (Clock.Now > deadline)
            {
                throw new InvalidOperationException($"the group did not settle on the primary within 10 s (active: {_group.ActiveMember?.Name ?? "none"}, primary connected {_primary.IsConnected}, backup connected {_backup.IsConnected}).");
            }

            await Clock.Delay(TimeSpan.FromMilliseconds(20));
        }
    }

    private void OnConnectionFailed(object? sender, ConnectionFailedEventArgs e)
    {
        var now = Clock.Now;
        lock (_lock)
        {
            _changes.Add((now, $"ConnectionFailed: {e.EndPoint} {e.ConnectionType} {e.FailureType}"));
        }
    }

    private void OnConnectionChanged(object? sender, GroupConnectionChangedEventArgs e)
    {
        var now = Clock.Now;
        lock (_lock)
        {
            _changes.Add((now, $"{e.Type}: {e.PreviousGroup?.Name ?? "-"} -> {e.Group?.Name ?? "-"}"));
        }
    }
}
