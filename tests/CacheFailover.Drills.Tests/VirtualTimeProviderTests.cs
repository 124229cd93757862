
namespace CacheFailover.Drills.Tests;

public sealed class VirtualTimeProviderTests
{
    private static readonly DateTimeOffset Start = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void GetUtcNow_AfterAdvance_MovesByExactlyTheAdvance()
    {
        var clock = new VirtualTimeProvider(Start);

        clock.Advance(TimeSpan.FromMinutes(5));
        clock.Advance(TimeSpan.FromTicks(3));

        Assert.Equal(Start + TimeSpan.FromMinutes(5) + TimeSpan.FromTicks(3), clock.GetUtcNow());
        Assert.Equal(TimeSpan.FromMinutes(5) + TimeSpan.FromTicks(3), clock.Elapsed);
    }

    [Fact]
    public void GetElapsedTime_BetweenTimestamps_EqualsVirtualTimePassed()
    {
        var clock = new VirtualTimeProvider(Start);
        var before = clock.GetTimestamp();

        clock.Advance(TimeSpan.FromMilliseconds(1234.5));

        Assert.Equal(TimeSpan.FromMilliseconds(1234.5), clock.GetElapsedTime(before));
        Assert.Equal(TimeSpan.TicksPerSecond, clock.TimestampFrequency);
        Assert.Equal(TimeZoneInfo.Utc, clock.LocalTimeZone);
    }

    [Fact]
    public void Advance_NegativeDelta_Throws()
    {
        var clock = new VirtualTimeProvider(Start);

        Assert.Throws<ArgumentOutOfRangeException>(() => clock.Advance(TimeSpan.FromTicks(-1)));
    }

    [Fact]
    public async Task Delay_ClockReachesDueTime_CompletesThenAndNotBefore()
    {
        var clock = new VirtualTimeProvider(Start);
        var delay = Task.Delay(TimeSpan.FromSeconds(5), clock);

        clock.Advance(TimeSpan.FromSeconds(5) - TimeSpan.FromTicks(1));
        Assert.False(delay.IsCompleted);

        clock.Advance(TimeSpan.FromTicks(1));
        await delay.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(0, clock.PendingTimers);
    }

    [Fact]
    public async Task Delay_Cancelled_CompletesCancelledAndRemovesItsTimer()
    {
        var clock = new VirtualTimeProvider(Start);
        using var cts = new CancellationTokenSource();
        var delay = Task.Delay(TimeSpan.FromHours(1), clock, cts.Token);
        Assert.Equal(1, clock.PendingTimers);

        cts.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => delay);
        Assert.Equal(0, clock.PendingTimers);
    }

    [Fact]
    public async Task WaitAsync_TaskNotDoneByTimeout_ThrowsTimeoutExceptionAtTheTimeout()
    {
        var clock = new VirtualTimeProvider(Start);
        var never = new TaskCompletionSource<int>();
        var waiting = never.Task.WaitAsync(TimeSpan.FromMilliseconds(5000), clock);

        clock.Advance(TimeSpan.FromMilliseconds(4999));
        Assert.False(waiting.IsCompleted);

        clock.Advance(TimeSpan.FromMilliseconds(1));
        await Assert.ThrowsAsync<TimeoutException>(() => waiting);
    }

    [Fact]
    public async Task WaitAsync_TaskDoneBeforeTimeout_ReturnsItsResultAndDropsTheTimer()
    {
        var clock = new VirtualTimeProvider(Start);
        var source = new TaskCompletionSource<int>();
        var waiting = source.Task.WaitAsync(TimeSpan.FromSeconds(5), clock);

        clock.Advance(TimeSpan.FromSeconds(1));
        source.SetResult(42);

        Assert.Equal(42, await waiting);
        Assert.Equal(0, clock.PendingTimers);
    }

    [Fact]
    public async Task PeriodicTimer_AdvancedOnePeriodAtATime_TicksOncePerPeriod()
    {
        var clock = new VirtualTimeProvider(Start);
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(30), clock);

        for (var i = 1; i <= 3; i++)
        {
            var tick = timer.WaitForNextTickAsync().AsTask();
            clock.Advance(TimeSpan.FromSeconds(29));
            Assert.False(tick.IsCompleted);

            clock.Advance(TimeSpan.FromSeconds(1));
            Assert.True(await tick.WaitAsync(TimeSpan.FromSeconds(10)));
            Assert.Equal(Start + TimeSpan.FromSeconds(30 * i), clock.GetUtcNow());
        }
    }

    [Fact]
    public async Task PeriodicTimer_Disposed_StopsTicking()
    {
        var clock = new VirtualTimeProvider(Start);
        var timer = new PeriodicTimer(TimeSpan.FromSeconds(1), clock);
        var tick = timer.WaitForNextTickAsync().AsTask();

        timer.Dispose();

        Assert.False(await tick.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(0, clock.PendingTimers);
    }

    [Fact]
    public void CreateTimer_SeveralTimers_FireInDueOrderEachAtItsOwnTime()
    {
        var clock = new VirtualTimeProvider(Start);
        var fired = new List<(string Name, TimeSpan At)>();
        using var late = clock.CreateTimer(_ => fired.Add(("late", clock.Elapsed)), null, TimeSpan.FromSeconds(3), Timeout.InfiniteTimeSpan);
        using var early = clock.CreateTimer(_ => fired.Add(("early", clock.Elapsed)), null, TimeSpan.FromSeconds(1), Timeout.InfiniteTimeSpan);
        using var middle = clock.CreateTimer(_ => fired.Add(("middle", clock.Elapsed)), null, TimeSpan.FromSeconds(2), Timeout.InfiniteTimeSpan);

        clock.Advance(TimeSpan.FromSeconds(10));

        Assert.Equal(
            [("early", TimeSpan.FromSeconds(1)), ("middle", TimeSpan.FromSeconds(2)), ("late", TimeSpan.FromSeconds(3))],
            fired);
        Assert.Equal(TimeSpan.FromSeconds(10), clock.Elapsed);
    }

    [Fact]
    public void CreateTimer_SameDueTime_FireInTheOrderTheyWereScheduled()
    {
        var clock = new VirtualTimeProvider(Start);
        var fired = new List<int>();
        var timers = Enumerable.Range(0, 5)
            .Select(i => clock.CreateTimer(_ => fired.Add(i), null, TimeSpan.FromSeconds(1), Timeout.InfiniteTimeSpan))
            .ToList();

        clock.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal([0, 1, 2, 3, 4], fired);
        timers.ForEach(t => t.Dispose());
    }

    [Fact]
    public void CreateTimer_PeriodicDuringOneLongAdvance_FiresOncePerPeriodInterleavedWithOthers()
    {
        var clock = new VirtualTimeProvider(Start);
        var fired = new List<string>();
        using var periodic = clock.CreateTimer(_ => fired.Add("p@" + clock.Elapsed.TotalSeconds), null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
        using var once = clock.CreateTimer(_ => fired.Add("o@" + clock.Elapsed.TotalSeconds), null, TimeSpan.FromSeconds(2.5), Timeout.InfiniteTimeSpan);

        clock.Advance(TimeSpan.FromSeconds(4));

        Assert.Equal(["p@1", "p@2", "o@2.5", "p@3", "p@4"], fired);
    }

    [Fact]
    public void CreateTimer_PeriodZero_FiresOnce()
    {
        var clock = new VirtualTimeProvider(Start);
        var count = 0;
        using var timer = clock.CreateTimer(_ => count++, null, TimeSpan.FromSeconds(1), TimeSpan.Zero);

        clock.Advance(TimeSpan.FromSeconds(10));

        Assert.Equal(1, count);
    }

    [Fact]
    public void CreateTimer_ZeroDueTime_FiresAtTheNextAdvanceNotInsideCreate()
    {
        var clock = new VirtualTimeProvider(Start);
        var count = 0;

        using var timer = clock.CreateTimer(_ => count++, null, TimeSpan.Zero, Timeout.InfiniteTimeSpan);
        Assert.Equal(0, count);

        clock.Advance(TimeSpan.Zero);
        Assert.Equal(1, count);
    }

    [Fact]
    public void CreateTimer_CallbackGetsItsState()
    {
        var clock = new VirtualTimeProvider(Start);
        object? seen = null;
        var state = new object();
        using var timer = clock.CreateTimer(s => seen = s, state, TimeSpan.FromSeconds(1), Timeout.InfiniteTimeSpan);

        clock.Advance(TimeSpan.FromSeconds(1));

        Assert.Same(state, seen);
    }

    [Fact]
    public void Change_LaterDueTime_MovesTheTimer()
    {
        var clock = new VirtualTimeProvider(Start);
        var firedAt = TimeSpan.MinValue;
        using var timer = clock.CreateTimer(_ => firedAt = clock.Elapsed, null, TimeSpan.FromSeconds(1), Timeout.InfiniteTimeSpan);
        clock.Advance(TimeSpan.FromMilliseconds(500));

        Assert.True(timer.Change(TimeSpan.FromSeconds(2), Timeout.InfiniteTimeSpan));
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(TimeSpan.MinValue, firedAt);

        clock.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(TimeSpan.FromMilliseconds(2500), firedAt);
    }

    [Fact]
    public void Change_InfiniteDueTime_StopsThePeriodicTimer()
    {
        var clock = new VirtualTimeProvider(Start);
        var count = 0;
        using var timer = clock.CreateTimer(_ => count++, null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
        clock.Advance(TimeSpan.FromSeconds(2));

        timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        clock.Advance(TimeSpan.FromSeconds(10));

        Assert.Equal(2, count);
        Assert.Equal(0, clock.PendingTimers);
    }

    [Fact]
    public void Change_NegativeDueTime_Throws()
    {
        var clock = new VirtualTimeProvider(Start);
        using var timer = clock.CreateTimer(_ => { }, null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);

        Assert.Throws<ArgumentOutOfRangeException>(() => timer.Change(TimeSpan.FromSeconds(-2), Timeout.InfiniteTimeSpan));
    }

    [Fact]
    public async Task Dispose_BeforeDue_NeverFiresAndChangeReturnsFalse()
    {
        var clock = new VirtualTimeProvider(Start);
        var count = 0;
        var timer = clock.CreateTimer(_ => count++, null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));

        await timer.DisposeAsync();
        clock.Advance(TimeSpan.FromSeconds(5));

        Assert.Equal(0, count);
        Assert.False(timer.Change(TimeSpan.FromSeconds(1), Timeout.InfiniteTimeSpan));
        Assert.Equal(0, clock.PendingTimers);
    }

    [Fact]
    public void Callback_DisposesATimerDueAtTheSameTime_ThatTimerDoesNotFire()
    {
        var clock = new VirtualTimeProvider(Start);
        var fired = new List<string>();
        ITimer? second = null;
        using var first = clock.CreateTimer(_ => { fired.Add("first"); second!.Dispose(); }, null, TimeSpan.FromSeconds(1), Timeout.InfiniteTimeSpan);
        second = clock.CreateTimer(_ => fired.Add("second"), null, TimeSpan.FromSeconds(1), Timeout.InfiniteTimeSpan);

        clock.Advance(TimeSpan.FromSeconds(2));

        Assert.Equal(["first"], fired);
    }

    [Fact]
    public void Callback_ReschedulesItselfAndCreatesATimer_BothFireWithinTheSameAdvance()
    {
        var clock = new VirtualTimeProvider(Start);
        var fired = new List<string>();
        ITimer? self = null;
        var extra = new List<ITimer>();
        self = clock.CreateTimer(
            _ =>
            {
                fired.Add("self@" + clock.Elapsed.TotalSeconds);
                if (fired.Count == 1)
                {
                    self!.Change(TimeSpan.FromSeconds(3), Timeout.InfiniteTimeSpan);
                    extra.Add(clock.CreateTimer(_ => fired.Add("extra@" + clock.Elapsed.TotalSeconds), null, TimeSpan.FromSeconds(1), Timeout.InfiniteTimeSpan));
                }
            },
            null,
            TimeSpan.FromSeconds(1),
            Timeout.InfiniteTimeSpan);

        clock.Advance(TimeSpan.FromSeconds(10));

        Assert.Equal(["self@1", "extra@2", "self@4"], fired);
        self.Dispose();
        extra.ForEach(t => t.Dispose());
    }

    [Fact]
    public void AdvanceToNextTimer_TwoTimersDue_FiresOnlyTheEarliestAndStopsTheClockThere()
    {
        var clock = new VirtualTimeProvider(Start);
        var fired = new List<int>();
        using var a = clock.CreateTimer(_ => fired.Add(1), null, TimeSpan.FromSeconds(1), Timeout.InfiniteTimeSpan);
        using var b = clock.CreateTimer(_ => fired.Add(2), null, TimeSpan.FromSeconds(2), Timeout.InfiniteTimeSpan);

        Assert.True(clock.AdvanceToNextTimer(TimeSpan.MaxValue));
        Assert.Equal([1], fired);
        Assert.Equal(TimeSpan.FromSeconds(1), clock.Elapsed);
        Assert.Equal(TimeSpan.FromSeconds(1), clock.NextDue);

        Assert.False(clock.AdvanceToNextTimer(TimeSpan.FromMilliseconds(999)));
        Assert.Equal(TimeSpan.FromSeconds(1), clock.Elapsed);
    }
}
