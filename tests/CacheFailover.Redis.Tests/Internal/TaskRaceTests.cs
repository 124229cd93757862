using System.Buffers;
using CacheFailover.Redis.Internal;

namespace CacheFailover.Redis.Tests.Internal;

/// <summary>The allocation-free race between a command and the engine's deadline token.</summary>
public sealed class TaskRaceTests
{
    [Fact]
    public async Task Run_TaskCompletesFirst_GivesItsResult()
    {
        var command = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var deadline = new CancellationTokenSource();

        var race = TaskRace<int>.Run(command.Task, deadline.Token);
        command.SetResult(42);

        Assert.Equal(42, await race);
        await deadline.CancelAsync(); // a later cancellation changes nothing
    }

    [Fact]
    public async Task Run_TaskFailsFirst_GivesItsException()
    {
        var command = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var deadline = new CancellationTokenSource();

        var race = TaskRace<int>.Run(command.Task, deadline.Token);
        command.SetException(new InvalidOperationException("refused"));

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(async () => await race);
        Assert.Equal("refused", ex.Message);
    }

    [Fact]
    public async Task Run_TokenFirst_CancelsAtOnceAndALateResultIsIgnored()
    {
        var command = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var deadline = new CancellationTokenSource();

        var race = TaskRace<int>.Run(command.Task, deadline.Token);
        await deadline.CancelAsync();

        var ex = await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await race);
        Assert.Equal(deadline.Token, ex.CancellationToken);

        // The command fails long after the deadline: nothing surfaces, and the race object, now free,
        // serves the next command correctly.
        command.SetException(new InvalidOperationException("late"));
        var next = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var other = new CancellationTokenSource();
        var nextRace = TaskRace<int>.Run(next.Task, other.Token);
        next.SetResult(7);
        Assert.Equal(7, await nextRace);
    }

    [Fact]
    public async Task Run_AlreadyCompletedOrUncancellable_PassesTheTaskThrough()
    {
        using var deadline = new CancellationTokenSource();

        Assert.Equal(1, await TaskRace<int>.Run(Task.FromResult(1), deadline.Token));
        Assert.Equal(2, await TaskRace<int>.Run(Task.FromResult(2), CancellationToken.None));
        await deadline.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await TaskRace<int>.Run(new TaskCompletionSource<int>().Task, deadline.Token));
    }

    [Fact]
    public async Task Run_ManyConcurrentRacesWithMixedOutcomes_EachGetsItsOwnOutcome()
    {
        // Races are pooled and reused: under contention, with tokens and results landing in every
        // order, no race may ever see another's outcome.
        var workers = Enumerable.Range(0, 8).Select(worker => Task.Run(async () =>
        {
            for (var i = 0; i < 5_000; i++)
            {
                var command = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
                using var deadline = new CancellationTokenSource();
                var race = TaskRace<int>.Run(command.Task, deadline.Token);
                var expected = (worker * 100_000) + i;
                var cancelFirst = i % 3 == 0;
                if (cancelFirst)
                {
                    // Cancelled (its callback run) before the result exists: the token has won.
                    deadline.Cancel();
                    _ = Task.Run(() => command.TrySetResult(-1));
                    await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await race);
                }
                else
                {
                    _ = Task.Run(() => command.TrySetResult(expected));
                    if (i % 3 == 1)
                    {
                        _ = Task.Run(deadline.Cancel);
                    }

                    try
                    {
                        Assert.Equal(expected, await race);
                    }
                    catch (OperationCanceledException)
                    {
                        // The token raced the result and won: an allowed outcome, never someone else's value.
                        Assert.Equal(1, i % 3);
                    }
                }
            }
        })).ToArray();

        await Task.WhenAll(workers);
    }
}

/// <summary>The race as the Redis backend's healthy path uses it: reply conversion, failure classification and the pooled argument copy.</summary>
public sealed class TaskRaceCommandTests
{
    // A size of its own (bucket 2048 of the shared pool), so that other tests' rentals do not interfere.
    private const int BufferSize = 1500;

    [Fact]
    public async Task Run_TaskCompletes_GivesTheConvertedResult()
    {
        var command = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var deadline = new CancellationTokenSource();

        var race = TaskRace<int, string>.Run(command.Task, static value => $"value {value}", null, "GET", null, deadline.Token);
        command.SetResult(5);

        Assert.Equal("value 5", await race);
    }

    [Fact]
    public async Task Run_TaskFails_GivesTheClassifiedFailureNamingTheCommand()
    {
        var command = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var deadline = new CancellationTokenSource();
        var failures = new RecordingFailures();

        var race = TaskRace<int, int>.Run(command.Task, static value => value, failures, "UNLINK", null, deadline.Token);
        command.SetException(new InvalidOperationException("refused"));

        var ex = await Assert.ThrowsAsync<ClassifiedException>(async () => await race);
        Assert.Equal("UNLINK: refused", ex.Message);
    }

    [Fact]
    public async Task Run_AlreadyFailedOrUncancellable_ClassifiesAndConvertsToo()
    {
        var failures = new RecordingFailures();

        var failed = TaskRace<int, int>.Run(Task.FromException<int>(new InvalidOperationException("down")), static value => value, failures, "GET", null, CancellationToken.None);
        var ex = await Assert.ThrowsAsync<ClassifiedException>(async () => await failed);
        Assert.Equal("GET: down", ex.Message);

        var command = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var pending = TaskRace<int, int>.Run(command.Task, static value => value * 2, failures, "GET", null, CancellationToken.None);
        command.SetResult(21);
        Assert.Equal(42, await pending);
    }

    [Fact]
    public Task RunVoid_TokenWinsAndTheCommandCompletesLater_GivesTheBufferBackOnlyThen() => Task.Run(async () =>
    {
        // On a pool thread (no test synchronization context) the race's continuation runs inline,
        // so the buffer goes back to this thread's part of the pool, where the next rental finds it.
        var command = new TaskCompletionSource<bool>();
        using var deadline = new CancellationTokenSource();
        var rented = ArrayPool<byte>.Shared.Rent(BufferSize);

        var race = TaskRace<bool, bool>.RunVoid(command.Task, null, "SET", rented, deadline.Token);
        await deadline.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await race);

        // The caller has given up, but the library may still be writing the buffer: not in the pool yet.
        var meanwhile = ArrayPool<byte>.Shared.Rent(BufferSize);
        Assert.NotSame(rented, meanwhile);
        ArrayPool<byte>.Shared.Return(meanwhile);
        _ = ArrayPool<byte>.Shared.Rent(BufferSize); // takes "meanwhile" back out of this thread's slot

        command.SetResult(true);

        Assert.Same(rented, ArrayPool<byte>.Shared.Rent(BufferSize));
    });

    [Fact]
    public Task RunVoid_TaskCompletes_SucceedsAndGivesTheBufferBack() => Task.Run(async () =>
    {
        var command = new TaskCompletionSource<bool>();
        using var deadline = new CancellationTokenSource();
        var rented = ArrayPool<byte>.Shared.Rent(BufferSize);

        var race = TaskRace<bool, bool>.RunVoid(command.Task, null, "SET", rented, deadline.Token);
        Assert.False(race.IsCompleted);
        command.SetResult(true);

        await race;
        Assert.Same(rented, ArrayPool<byte>.Shared.Rent(BufferSize));
    });

    private sealed class ClassifiedException(string message) : Exception(message);

    private sealed class RecordingFailures : ICommandFailures
    {
        public Exception Classify(Exception exception, string command) => new ClassifiedException($"{command}: {exception.Message}");
    }
}
