namespace CacheFailoverMcp.Hosting;

/// <summary>Lets one live drill run at a time: two would inject faults into the same primary at once.</summary>
public sealed class DrillCoordinator : IDisposable
{
    private readonly SemaphoreSlim _live = new(1, 1);

    /// <summary>A lease to dispose when the drill ends, or null when one is already running.</summary>
    public IDisposable? TryBeginLiveDrill() => _live.Wait(0) ? new Lease(_live) : null;

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
