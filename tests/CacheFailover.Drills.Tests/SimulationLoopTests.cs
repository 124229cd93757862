using System.Diagnostics;

namespace CacheFailover.Drills.Tests;

public sealed class SimulationLoopTests
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(30);

    [Fact]
    public void Run_BodyDelaysAnHour_FinishesAtOnceWithTheClockAnHourOn()
    {
        var clock = new VirtualTimeProvider();
        var loop = new SimulationLoop(clock);
        var watch = Stopwatch.StartNew();

        var result = loop.Run(
            async ct =>
            {
                await Task.Delay(TimeSpan.FromHours(1), clock, ct);
                return clock.Elapsed;
            },
            Generous,
            TimeSpan.FromHours(8),
            CancellationToken.None);

        Assert.Equal(TimeSpan.FromHours(1), result);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"took {watch.Elapsed}");
        Assert.Null(loop.AbortReason);
    }

    [Fact]
    public void Run_ConcurrentDelaysAndTimeouts_ResumeInVirtualTimeOrderOnTheLoopThread()
    {
        var clock = new VirtualTimeProvider();
        var loop = new SimulationLoop(clock);
        var loopThread = -1;
        var order = new List<string>();

        loop.Run(
            async ct =>
            {
                loopThread = Environment.CurrentManagedThreadId;
                async Task Worker(string name, int stepMs, int steps)
                {
                    for (var i = 1; i <= steps; i++)
                    {
                        await Task.Delay(TimeSpan.FromMilliseconds(stepMs), clock, ct);
                        Assert.Equal(loopThread, Environment.CurrentManagedThreadId);
                        order.Add($"{name}{i}@{clock.Elapsed.TotalMilliseconds}");
                    }
                }

                async Task TimesOut()
                {
                    var never = new TaskCompletionSource();
                    await Assert.ThrowsAsync<TimeoutException>(() => never.Task.WaitAsync(TimeSpan.FromMilliseconds(250), clock, ct));
                    order.Add($"timeout@{clock.Elapsed.TotalMilliseconds}");
                }

                await Task.WhenAll(Worker("a", 100, 3), Worker("b", 150, 2), TimesOut());
                return 0;
            },
            Generous,
            TimeSpan.FromHours(1),
            CancellationToken.None);

        Assert.Equal(["a1@100", "b1@150", "a2@200", "timeout@250", "b2@300", "a3@300"], order);
        Assert.Equal(0, loop.ForeignPosts);
    }

    [Fact]
    public async Task Run_PeriodicTimerLoop_TicksOnVirtualTime()
    {
        var clock = new VirtualTimeProvider();
        var loop = new SimulationLoop(clock);

        var ticks = await Task.Factory.StartNew(
            () => loop.Run(
                async ct =>
                {
                    using var timer = new PeriodicTimer(TimeSpan.FromSeconds(30), clock);
                    var seen = new List<double>();
                    while (seen.Count < 4 && await timer.WaitForNextTickAsync(ct))
                    {
                        seen.Add(clock.Elapsed.TotalSeconds);
                    }

                    return seen;
                },
                Generous,
                TimeSpan.FromHours(1),
                CancellationToken.None),
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default);

        Assert.Equal([30d, 60d, 90d, 120d], ticks);
    }

    [Fact]
    public void Run_BodyDelaysPastTheVirtualLimit_IsCancelledWithTheReason()
    {
        var clock = new VirtualTimeProvider();
        var loop = new SimulationLoop(clock);

        var outcome = loop.Run(
            async ct =>
            {
                try
                {
                    while (true)
                    {
                        await Task.Delay(TimeSpan.FromMinutes(10), clock, ct);
                    }
                }
                catch (OperationCanceledException)
                {
                    return "cancelled";
                }
            },
            Generous,
            TimeSpan.FromHours(1),
            CancellationToken.None);

        Assert.Equal("cancelled", outcome);
        Assert.Contains("virtual-time limit", loop.AbortReason, StringComparison.Ordinal);
        Assert.Equal(TimeSpan.FromMinutes(60), clock.Elapsed);
    }

    [Fact]
    public void Run_BodyWaitsForSomethingThatNeverComes_IsCancelledAsStalled()
    {
        var clock = new VirtualTimeProvider();
        var loop = new SimulationLoop(clock);
        var never = new TaskCompletionSource();

        var outcome = loop.Run(
            async ct =>
            {
                try
                {
                    await never.Task.WaitAsync(ct);
                    return "completed";
                }
                catch (OperationCanceledException)
                {
                    return "cancelled";
                }
            },
            Generous,
            TimeSpan.FromHours(1),
            CancellationToken.None);

        Assert.Equal("cancelled", outcome);
        Assert.Contains("stalled", loop.AbortReason, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_CallerCancels_BodySeesTheCancellation()
    {
        var clock = new VirtualTimeProvider();
        var loop = new SimulationLoop(clock);
        using var cts = new CancellationTokenSource();

        var outcome = loop.Run(
            async ct =>
            {
                await Task.Delay(TimeSpan.FromSeconds(1), clock, ct);
                cts.Cancel();
                return ct.IsCancellationRequested;
            },
            Generous,
            TimeSpan.FromHours(1),
            cts.Token);

        Assert.True(outcome);
        Assert.Null(loop.AbortReason);
    }
}
