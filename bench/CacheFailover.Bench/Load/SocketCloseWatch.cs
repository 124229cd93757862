using System.Net;
using System.Net.Sockets;
using CacheFailover.Bench.Infrastructure;

namespace CacheFailover.Bench.Load;

/// <summary>
/// An independent observer of a server's death: a plain connection to it, read by a dedicated thread
/// blocked in the kernel, which notes when the connection ends. A SIGKILL is not a closed socket: the
/// kernel closes the dead process's sockets only once its exit runs, which on a loaded machine can be
/// tens of milliseconds later. The time this observer sees is the earliest any client could know,
/// so the fault runs can tell the operating system's share of "first success after a kill" from the engine's.
/// </summary>
internal sealed class SocketCloseWatch : IDisposable
{
    private readonly Socket _socket;
    private readonly Thread _reader;
    private long _closedAt;

    private SocketCloseWatch(Socket socket)
    {
        _socket = socket;
        _reader = new Thread(Read) { IsBackground = true, Name = "bench socket-close watch", Priority = ThreadPriority.Highest };
        _reader.Start();
    }

    public static SocketCloseWatch Start(int port)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        socket.Connect(new IPEndPoint(IPAddress.Loopback, port));
        return new SocketCloseWatch(socket);
    }

    /// <summary>When the connection ended (monotonic timestamp), waiting up to <paramref name="timeout"/>; null when it did not.</summary>
    public long? ClosedAt(TimeSpan timeout) => _reader.Join(timeout) ? Interlocked.Read(ref _closedAt) : null;

    public void Dispose() => _socket.Dispose();

    private void Read()
    {
        var buffer = new byte[64];
        try
        {
            while (_socket.Receive(buffer) > 0)
            {
                // The observer sends nothing, so a healthy server sends nothing either.
            }
        }
        catch (SocketException)
        {
            // A reset is an end too.
        }
        catch (ObjectDisposedException)
        {
            // Disposed before the server died (a SIGSTOP run): no time to note.
            return;
        }

        Interlocked.Exchange(ref _closedAt, Clock.Now);
    }
}
