using System.Text;
using CacheFailover.Backends;
using CacheFailover.Backends.Commands;
using CacheFailover.Engine;
using CacheFailover.Journal;
using CacheFailover.Options;
using CacheFailover.Services;
using Microsoft.Extensions.Time.Testing;

namespace CacheFailover.Core.Tests.Engine;

/// <summary>Redis-protocol commands through the engine (the RESP front door's path), on in-memory backends and a fake clock.</summary>
public sealed class CommandOperationTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly CommandFailingBackend _primary;
    private readonly InMemoryCacheBackend _backup;
    private readonly FailoverEngine _engine;

    public CommandOperationTests()
    {
        _primary = new CommandFailingBackend(new InMemoryCacheBackend("primary", _time));
        _backup = new InMemoryCacheBackend("backup", _time);
        _engine = new FailoverEngine(
            new CacheServiceRegistration("primary", _primary),
            [new CacheServiceRegistration("backup", _backup)],
            new FailoverOptions { HealthCheckIntervalSeconds = 3600, AutoRecoveryEnabled = false, RetryBaseDelayMs = 0 },
            _time);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _engine.DisposeAsync();

    [Fact]
    public async Task WriteCommand_WhileTheBackupServes_JournalsEveryKeyItNames()
    {
        await _engine.TriggerManualFailoverAsync("test");

        var reply = await _engine.ExecuteCommandAsync(Command("MSET", "a", "1", "b", "2", "c", "3"), new CommandRouting(["a", "b", "c"], IsWrite: true, IsSafeToRepeat: true));
        await _engine.ExecuteCommandAsync(Command("MGET", "a", "z"), new CommandRouting([], IsWrite: false, IsSafeToRepeat: true));

        Assert.Equal(CommandReply.Ok, reply);
        Assert.Equal(3, _engine.GetJournal().PendingKeys);
        Assert.Equal("1", Encoding.UTF8.GetString((await _backup.GetAsync("a"))!));
    }

    [Fact]
    public async Task WriteCommand_WhileTheBackupServes_IsJournaledOnTheBackupForTheGroup()
    {
        await _engine.TriggerManualFailoverAsync("test");

        await _engine.ExecuteCommandAsync(Command("MSET", "a", "1", "b", "2"), new CommandRouting(["a", "b"], IsWrite: true, IsSafeToRepeat: true));

        // What a member restarted now (its in-process journal gone) would reconcile.
        await using var store = _backup.OpenGroupStore("default")!;
        var journal = await store.ReadJournalAsync(_engine.Epoch, default);
        Assert.Equal(["a", "b"], journal.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task WriteCommand_WhileThePrimaryServes_JournalsNothing()
    {
        await _engine.ExecuteCommandAsync(Command("SET", "a", "1"), new CommandRouting(["a"], IsWrite: true, IsSafeToRepeat: true));

        Assert.Equal(0, _engine.GetJournal().PendingKeys);
    }

    [Fact]
    public async Task UnsafeCommand_UnknownOutcome_IsReportedAndNeverRepeated()
    {
        _primary.FailCommands = true;

        var failure = await Assert.ThrowsAsync<CacheOperationException>(() => _engine.ExecuteCommandAsync(Command("INCR", "n"), new CommandRouting(["n"], IsWrite: true, IsSafeToRepeat: false)).AsTask());

        Assert.Equal(OperationOutcome.Unknown, failure.Outcome);
        Assert.Contains("not safe to repeat, so it was not retried", failure.Message, StringComparison.Ordinal);
        Assert.Equal(1, _primary.CommandCalls);
        Assert.Null(await _backup.GetAsync("n"));
    }

    [Fact]
    public async Task SafeCommand_UnknownOutcome_IsRetriedOnTheBackup()
    {
        _primary.FailCommands = true;

        var reply = await _engine.ExecuteCommandAsync(Command("SET", "k", "v"), new CommandRouting(["k"], IsWrite: true, IsSafeToRepeat: true));

        Assert.Equal(CommandReply.Ok, reply);
        Assert.Equal("backup", _engine.ActiveServiceId);
        Assert.Equal("v", Encoding.UTF8.GetString((await _backup.GetAsync("k"))!));
    }

    [Fact]
    public async Task ServerErrorReply_IsAnAnswer_NotAFailureOfTheService()
    {
        await _engine.ExecuteCommandAsync(Command("SET", "s", "text"), new CommandRouting(["s"], IsWrite: true, IsSafeToRepeat: true));

        var reply = await _engine.ExecuteCommandAsync(Command("INCR", "s"), new CommandRouting(["s"], IsWrite: true, IsSafeToRepeat: false));

        Assert.True(reply.IsError);
        Assert.Equal(0, _engine.GetStatus().Services.Single(s => s.ServiceId == "primary").ConsecutiveFailures);
    }

    [Fact]
    public void TryRecordAll_Sealed_RecordsNone()
    {
        var journal = new FailbackJournal(10);
        journal.SealAndDrain();

        Assert.False(journal.TryRecordAll(["a", "b"]));
        journal.Unseal();
        Assert.True(journal.TryRecordAll(["a", "b", "a"]));
        Assert.Equal(2, journal.PendingKeys);
    }

    private static CacheCommand Command(string name, params string[] arguments)
        => new(name, [.. arguments.Select(a => (ReadOnlyMemory<byte>)Encoding.UTF8.GetBytes(a))]);

    /// <summary>An in-memory backend whose commands can fail after sending (a timeout with an unknown outcome).</summary>
    private sealed class CommandFailingBackend(InMemoryCacheBackend inner) : ICacheBackend
    {
        public bool FailCommands { get; set; }

        public int CommandCalls;

        public string Endpoint => inner.Endpoint;

        public event EventHandler<BackendConnectionEventArgs>? ConnectionStateChanged
        {
            add { }
            remove { }
        }

        public BackendConnectionEventArgs? LastConnectionChange => null;

        public ValueTask<byte[]?> GetAsync(string key, CancellationToken cancellationToken = default) => inner.GetAsync(key, cancellationToken);

        public ValueTask SetAsync(string key, ReadOnlyMemory<byte> value, TimeSpan? timeToLive = null, CancellationToken cancellationToken = default) => inner.SetAsync(key, value, timeToLive, cancellationToken);

        public ValueTask<bool> DeleteAsync(string key, CancellationToken cancellationToken = default) => inner.DeleteAsync(key, cancellationToken);

        public ValueTask<bool> ExistsAsync(string key, CancellationToken cancellationToken = default) => inner.ExistsAsync(key, cancellationToken);

        public ValueTask<TimeSpan> PingAsync(CancellationToken cancellationToken = default) => inner.PingAsync(cancellationToken);

        public ValueTask<long> InvalidateAsync(IReadOnlyList<string> keys, CancellationToken cancellationToken = default) => inner.InvalidateAsync(keys, cancellationToken);

        public ValueTask FlushAsync(CancellationToken cancellationToken = default) => inner.FlushAsync(cancellationToken);

        public ValueTask<CommandReply> ExecuteCommandAsync(CacheCommand command, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref CommandCalls);
            return FailCommands
                ? throw new CacheBackendException(CacheFailureKind.Timeout, OperationOutcome.Unknown, $"{Endpoint}: {command.Name} sent, no answer (injected)")
                : inner.ExecuteCommandAsync(command, cancellationToken);
        }

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
