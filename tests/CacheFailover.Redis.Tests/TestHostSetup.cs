using System.Runtime.CompilerServices;

namespace CacheFailover.Redis.Tests;

internal static class TestHostSetup
{
    /// <summary>
    /// The test host keeps a few pool threads blocked (runner, message bus), and on a 2-core machine
    /// the pool starts with 2: StackExchange.Redis's connect continuations then wait for the pool to
    /// grow (about 0.5 s per thread), which blurs every latency these tests measure. A real host
    /// does not block pool threads this way.
    /// </summary>
    [ModuleInitializer]
    internal static void RaiseMinimumThreads()
    {
        ThreadPool.GetMinThreads(out var workers, out var io);
        ThreadPool.SetMinThreads(Math.Max(workers, 32), Math.Max(io, 32));
    }
}
