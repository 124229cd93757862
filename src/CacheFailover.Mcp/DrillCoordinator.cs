using CacheFailover.Drills;

namespace CacheFailover.Mcp;

/// <summary>
/// The host's side of live drills: whether this server allows them (<c>--allow-live-drills</c>), one
/// at a time (two would inject faults into the same primary at once), and what is injected right now.
/// The engine knows nothing of fault injection; the status tools ask here and merge the answer in.
/// </summary>
public sealed class DrillCoordinator(FailoverDrillRunner runner, CacheFailoverMcpOptions options) : IDisposable
{
    private readonly SemaphoreSlim _live = new(1, 1);

    /// <summary>Whether live drills may inject faults; without it the backends are not even wrapped.</summary>
    public bool LiveDrillsAllowed => options.AllowLiveDrills;

    /// <summary>How to allow live drills, for refusals.</summary>
    public string HowToAllow => options.HowToAllowLiveDrills;

    /// <summary>A lease to dispose when the drill ends, or null when one is already running.</summary>
    public IDisposable? TryBeginLiveDrill() => _live.Wait(0) ? new Lease(_live) : null;

    /// <summary>The fault injected into <paramref name="serviceId"/> right now, or null (always null without live drills).</summary>
    public string? ActiveFault(string serviceId) => runner.InjectorOf(serviceId)?.ActiveFault;

    public void Dispose() => _live.Dispose();

    private sealed class Lease(SemaphoreSlim semaphore) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                semaphore.Release();
            }
        }
    }
}
