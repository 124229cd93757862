using System.Collections.Concurrent;
using CacheFailover.Backends;
using CacheFailover.Engine;
using static CacheFailover.Core.Tests.Engine.EngineHarness;

namespace CacheFailover.Core.Tests.Engine;

public class ConcurrencyTests
{
    [Fact]
    public async Task ParallelOperations_DuringRepeatedFailovers_EachSucceedsOrFailsTyped()
    {
        await using var h = new EngineHarness(FastOptions() with { CascadeFailoverEnabled = true, AutoRecoveryDelaySeconds = 0, RecoveryThreshold = 1 }, backups: 2);
        var epochs = new ConcurrentQueue<long>();
        h.Engine.EventRecorded += (_, e) => epochs.Enqueue(e.Event.Epoch);
        var unexpected = new ConcurrentQueue<Exception>();
        long succeeded = 0, typedFailures = 0, completed = 0, milestone = 0;
        var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var stop = new CancellationTokenSource();

        // Each round of faults waits until the workers completed another 200 operations, so that the
        // switches really happen under traffic (progress of the workers, not time, paces the test).
        async Task TrafficAsync()
        {
            Volatile.Write(ref reached, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
            Interlocked.Exchange(ref milestone, Interlocked.Read(ref completed) + 200);
            await Volatile.Read(ref reached).Task.WaitAsync(TimeSpan.FromSeconds(30));
        }

        var workers = Enumerable.Range(0, 8).Select(w => Task.Run(async () =>
        {
            var n = 0;
            while (!stop.IsCancellationRequested)
            {
                var key = $"w{w}:{n++ % 64}";
                try
                {
                    if (n % 3 == 0)
                    {
                        await h.Engine.SetAsync(key, Bytes("v"));
                    }
                    else if (n % 3 == 1)
                    {
                        await h.Engine.GetAsync(key);
                    }
                    else
                    {
                        await h.Engine.DeleteAsync(key);
                    }

                    Interlocked.Increment(ref succeeded);
                }
                catch (CacheOperationException)
                {
                    Interlocked.Increment(ref typedFailures);
                }
#pragma warning disable CA1031 // The test collects anything untyped to fail on it.
                catch (Exception ex)
#pragma warning restore CA1031
                {
                    unexpected.Enqueue(ex);
                }

                if (Interlocked.Increment(ref completed) >= Interlocked.Read(ref milestone))
                {
                    Volatile.Read(ref reached).TrySetResult();
                }

                // In-memory operations complete synchronously: yield now and then so that eight
                // spinning workers cannot starve the pool threads the test itself continues on.
                if (n % 16 == 0)
                {
                    await Task.Yield();
                }
            }
        })).ToArray();

        // Primary and backups fail and come back, over and over, while the workers run.
        for (var round = 0; round < 20; round++)
        {
            await TrafficAsync();
            h.Primary.Faults.RefuseConnections();
            await TrafficAsync();
            await h.Engine.RunHealthChecksAsync();
            if (round % 4 == 0)
            {
                h.Backup1.Faults.RefuseConnections();
            }

            await TrafficAsync();
            h.Primary.Faults.Clear();
            h.Backup1.Faults.Clear();
            h.Time.Advance(TimeSpan.FromSeconds(10));
            await h.Engine.RunHealthChecksAsync();
        }

        await stop.CancelAsync();
        await Task.WhenAll(workers).WaitAsync(TimeSpan.FromSeconds(30)); // throws TimeoutException on a deadlock

        Assert.Empty(unexpected);
        Assert.True(succeeded > 0);
        Assert.True(h.Events.Count(e => e.Success) >= 20, $"only {h.Events.Count(e => e.Success)} switches");
        var successfulEpochs = h.Events.Where(e => e.Success).Select(e => e.Epoch).ToList();
        Assert.Equal(successfulEpochs.OrderBy(e => e).Distinct(), successfulEpochs);
        Assert.Equal(Enumerable.Range(1, successfulEpochs.Count).Select(i => (long)i), successfulEpochs);
    }

    [Fact]
    public async Task ParallelFailuresOfServingService_TriggerExactlyOneFailover()
    {
        await using var h = new EngineHarness(backups: 2);
        h.Primary.Faults.Hang();

        var operations = Enumerable.Range(0, 50).Select(i => h.Engine.GetWithResultAsync($"k{i}").AsTask()).ToArray();
        h.Time.Advance(h.DeadlineBound);
        var results = await Task.WhenAll(operations);

        Assert.All(results, r => Assert.NotEqual("primary", r.ServedBy));
        var failover = Assert.Single(h.Events);
        Assert.Equal(FailoverTrigger.TimeoutExceeded, failover.Trigger);
        Assert.Equal(1, h.Engine.Epoch);
    }

    [Fact]
    public async Task NotRepeatableOperation_OutcomeUnknown_IsNotRetriedAndReportedAsFailed()
    {
        await using var h = new EngineHarness();
        var calls = 0;
        var operation = new UnknownOutcomeOperation(() => Interlocked.Increment(ref calls));

        var ex = await Assert.ThrowsAsync<CacheOperationException>(async () => await h.Engine.ExecuteAsync<UnknownOutcomeOperation, bool>(operation, CancellationToken.None));

        Assert.Equal(1, calls);
        Assert.Equal(OperationOutcome.Unknown, ex.Outcome);
        Assert.Contains("not safe to repeat", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RepeatableWrite_TimesOutThenSucceedsOnBackup_ReportsSuccessWhereItLanded()
    {
        await using var h = new EngineHarness();
        h.Primary.Faults.Hang();

        var result = await h.CompletePastDeadlineAsync(() => h.Engine.SetWithResultAsync("k", Bytes("v")));

        Assert.Equal(("backup1", 2), (result.ServedBy, result.Attempts));
        Assert.Equal("v", Text(await h.Backup1.Memory.GetAsync("k")));
    }

    [Fact]
    public async Task FailingSubscriber_DoesNotBreakTheEngine()
    {
        await using var h = new EngineHarness();
        var later = 0;
        h.Engine.EventRecorded += (_, _) => throw new InvalidOperationException("subscriber bug");
        h.Engine.EventRecorded += (_, _) => later++;

        var failover = await h.Engine.TriggerManualFailoverAsync("drill");

        Assert.True(failover.Success);
        Assert.Equal(1, later);
        Assert.Equal("backup1", h.Engine.ActiveServiceId);
    }

    private readonly struct UnknownOutcomeOperation(Action onCall) : IEngineOperation<bool>
    {
        public string Name => "increment";

        public string Key => "counter";

        public bool IsWrite => true;

        public bool IsSafeToRepeat => false;

        public bool TryJournal(CacheFailover.Journal.FailbackJournal journal) => journal.TryRecord(Key);

        public ValueTask<bool> InvokeAsync(ICacheBackend backend, CancellationToken cancellationToken)
        {
            onCall();
            throw new CacheBackendException(CacheFailureKind.Timeout, OperationOutcome.Unknown, "timed out after send");
        }

        public bool IsVoid => false;

        public bool VoidResult => false;

        public ValueTask InvokeVoidAsync(ICacheBackend backend, CancellationToken cancellationToken) => throw new NotSupportedException();

        public ValueTask<bool> InvokeFencedAsync(ICacheBackend backend, CacheFailover.Group.IGroupStore store, CacheFailover.Group.GroupFence fence, CancellationToken cancellationToken)
        {
            onCall();
            throw new CacheBackendException(CacheFailureKind.Timeout, OperationOutcome.Unknown, "timed out after send");
        }
    }
}
