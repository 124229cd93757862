using CacheFailover.Testing;

namespace CacheFailover.Bench.Load;

/// <summary>
/// Slows a server without killing it: freezes it (SIGSTOP) for <c>frozen</c> out of every
/// <c>frozen + running</c>, so every reply waits up to <c>frozen</c>. The server stays reachable
/// and answers every probe, only slowly.
/// </summary>
internal sealed class SlowDriver
{
    private readonly RedisServerProcess _server;
    private readonly TimeSpan _frozen;
    private readonly TimeSpan _running;
    private readonly Thread _thread;
    private volatile bool _stop;

    private SlowDriver(RedisServerProcess server, TimeSpan frozen, TimeSpan running)
    {
        _server = server;
        _frozen = frozen;
        _running = running;
        _thread = new Thread(Run) { IsBackground = true, Name = "slow-driver", Priority = ThreadPriority.AboveNormal };
    }

    public static TimeSpan Frozen { get; } = TimeSpan.FromMilliseconds(40);

    public static TimeSpan Running { get; } = TimeSpan.FromMilliseconds(10);

    public static SlowDriver Start(RedisServerProcess server)
    {
        var driver = new SlowDriver(server, Frozen, Running);
        driver._thread.Start();
        return driver;
    }

    public void Stop()
    {
        _stop = true;
        _thread.Join();
    }

    private void Run()
    {
        while (!_stop)
        {
            _server.Stop();
            Thread.Sleep(_frozen);
            _server.Resume();
            Thread.Sleep(_running);
        }
    }
}
