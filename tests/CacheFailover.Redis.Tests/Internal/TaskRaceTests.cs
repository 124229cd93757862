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
