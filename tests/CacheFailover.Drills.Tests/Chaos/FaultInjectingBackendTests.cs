using CacheFailover.Backends;
using CacheFailover.Drills.Chaos;
using Microsoft.Extensions.Time.Testing;

namespace CacheFailover.Drills.Tests.Chaos;

public class FaultInjectingBackendTests
{
    private readonly FakeTimeProvider _time = new();
    private readonly InMemoryCacheBackend _inner;
    private readonly FaultInjectingBackend _faults;

    public FaultInjectingBackendTests()
    {
        _inner = new InMemoryCacheBackend("x", _time);
        _faults = new FaultInjectingBackend(_inner, _time);
    }

    [Fact]
    public async Task NoFault_PassesCallsThrough()
    {
        await _faults.SetAsync("k", new byte[] { 1 });

        Assert.Equal(new byte[] { 1 }, await _inner.GetAsync("k"));
        Assert.Null(_faults.ActiveFault);
    }

    [Fact]
    public async Task RefuseConnections_FailsNotAppliedAndRaisesEvent()
    {
        BackendConnectionEventArgs? raised = null;
        _faults.ConnectionStateChanged += (_, e) => raised = e;

        _faults.RefuseConnections();
        var ex = await Assert.ThrowsAsync<CacheBackendException>(async () => await _faults.SetAsync("k", new byte[] { 1 }));

        Assert.Equal((CacheFailureKind.Connection, OperationOutcome.NotApplied), (ex.Kind, ex.Outcome));
        Assert.False(raised!.Connected);
        Assert.False(await _inner.ExistsAsync("k"));
        _faults.Clear();
        Assert.True(raised.Connected);
    }

    [Fact]
    public async Task Hang_HoldsCallsUntilCleared_ThenTheyGoThrough()
    {
        _faults.Hang();
        var pending = _faults.SetAsync("k", new byte[] { 7 }).AsTask();
        _time.Advance(TimeSpan.FromHours(1));
        Assert.False(pending.IsCompleted);

        _faults.Clear();
        await pending;

        Assert.Equal(new byte[] { 7 }, await _inner.GetAsync("k"));
    }

    [Fact]
    public async Task Hang_WithDuration_ReleasesWhenItElapses()
    {
        _faults.Hang(TimeSpan.FromSeconds(5));
        var pending = _faults.PingAsync().AsTask();
        _time.Advance(TimeSpan.FromSeconds(4.9));
        Assert.False(pending.IsCompleted);

        _time.Advance(TimeSpan.FromSeconds(0.1));

        Assert.Equal(TimeSpan.FromSeconds(5), await pending);
        Assert.Null(_faults.ActiveFault);
    }

    [Fact]
    public async Task AddLatency_DelaysEachCallOnTheClock()
    {
        _faults.AddLatency(TimeSpan.FromMilliseconds(50));
        var pending = _faults.GetAsync("k").AsTask();
        Assert.False(pending.IsCompleted);

        _time.Advance(TimeSpan.FromMilliseconds(50));

        Assert.Null(await pending);
    }

    [Fact]
    public async Task FailEveryNth_FailsExactlyThoseCalls()
    {
        _faults.FailEveryNth(3, CacheFailureKind.Timeout);
        var outcomes = new List<bool>();
        for (var i = 0; i < 6; i++)
        {
            try
            {
                await _faults.GetAsync("k");
                outcomes.Add(true);
            }
            catch (CacheBackendException ex) when (ex.Kind == CacheFailureKind.Timeout && ex.Outcome == OperationOutcome.Unknown)
            {
                outcomes.Add(false);
            }
        }

        Assert.Equal([true, true, false, true, true, false], outcomes);
    }

    [Fact]
    public async Task Flap_AlternatesUpAndDownOnSchedule()
    {
        _faults.Flap(TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(1));

        await _faults.PingAsync();
        _time.Advance(TimeSpan.FromSeconds(2));
        await Assert.ThrowsAsync<CacheBackendException>(async () => await _faults.PingAsync());
        _time.Advance(TimeSpan.FromSeconds(1));
        await _faults.PingAsync();
    }
}
