using System.Collections.Concurrent;
using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;

namespace CacheFailover.Testing;

/// <summary>
/// A real <c>redis-server</c> on a free loopback port, owned by one test fixture, benchmark or
/// harness: started, killed, frozen, resumed and restarted by its own PID, never by name.
/// </summary>
/// <remarks>
/// The server keeps nothing on disk (<c>--save '' --appendonly no</c>, its own temporary
/// <c>--dir</c>), allows <c>DEBUG</c> from loopback and syncs replicas without delay. Servers still
/// running when the process exits are killed then, so a crashed test run leaves none behind unless
/// the runner itself is killed.
/// </remarks>
public sealed partial class RedisServerProcess : IAsyncDisposable
{
    /// <summary>The message when the binary is missing.</summary>
    public const string NotInstalledMessage = "redis-server is not installed; run: apt-get install -y redis-server";

    /// <summary>The environment variable that may point at a redis-server binary outside PATH.</summary>
    public const string ExecutableVariable = "REDIS_SERVER_PATH";

    private const int StartAttempts = 3;
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan ExitTimeout = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(20);
    private static readonly ConcurrentDictionary<RedisServerProcess, byte> Running = new();

    private readonly string _executable;
    private readonly string[] _extraArguments;
    private readonly string? _configFile;
    private readonly string _directory;
    private readonly OutputTail _output;
    private Process _process;
    private int _disposed;

    static RedisServerProcess()
    {
        AppDomain.CurrentDomain.ProcessExit += static (_, _) =>
        {
            foreach (var server in Running.Keys)
            {
                server.KillQuietly();
            }
        };
    }

    private RedisServerProcess(string executable, int port, string[] extraArguments, string? configFile, string directory, Process process, OutputTail output)
    {
        _output = output;
        _executable = executable;
        Port = port;
        _extraArguments = extraArguments;
        _configFile = configFile;
        _directory = directory;
        _process = process;
        Running.TryAdd(this, 0);
    }

    /// <summary>The loopback port the server listens on; kept across <see cref="RestartAsync"/>.</summary>
    public int Port { get; }

    /// <summary>The current server process id (changes on restart).</summary>
    public int Pid => _process.Id;

    /// <summary>Always the IPv4 loopback address.</summary>
    public static string Host => "127.0.0.1";

    /// <summary>A StackExchange.Redis configuration string: <c>127.0.0.1:port</c>.</summary>
    public string ConnectionString => $"{Host}:{Port}";

    /// <summary>The same endpoint as a <c>redis://</c> URI.</summary>
    public string Uri => $"redis://{Host}:{Port}";

    /// <summary>True while the process exists (running or frozen).</summary>
    public bool IsRunning => !_process.HasExited;

    /// <summary>True between <see cref="Stop"/> and <see cref="Resume"/>.</summary>
    public bool IsStopped { get; private set; }

    /// <summary>The server's last lines of output, for failure messages.</summary>
    public string RecentOutput => _output.ToString();

    /// <summary>Starts a server on a free loopback port and waits until it answers PING.</summary>
    /// <param name="extraArguments">More <c>redis-server</c> arguments, e.g. <c>--requirepass</c>, <c>secret</c>.</param>
    /// <param name="cancellationToken">Stops waiting (the server is then killed).</param>
    /// <exception cref="InvalidOperationException">redis-server is missing or did not start.</exception>
    public static Task<RedisServerProcess> StartAsync(IEnumerable<string>? extraArguments = null, CancellationToken cancellationToken = default)
        => StartAsync(extraArguments, configFile: null, cancellationToken);

    /// <summary>
    /// Starts a server whose first argument is <paramref name="configFile"/> (a Sentinel needs a
    /// configuration file it can rewrite); the loopback port and the other arguments follow it and so
    /// override what the file says.
    /// </summary>
    public static async Task<RedisServerProcess> StartAsync(IEnumerable<string>? extraArguments, string? configFile, CancellationToken cancellationToken = default)
    {
        var executable = FindExecutable() ?? throw new InvalidOperationException(NotInstalledMessage);
        var extra = extraArguments?.ToArray() ?? [];
        var directory = Directory.CreateTempSubdirectory("cachefailover-redis-").FullName;
        InvalidOperationException? lastFailure = null;

        // A free port can be taken between probing and binding; try a few.
        for (var attempt = 0; attempt < StartAttempts; attempt++)
        {
            var port = FreeLoopbackPort();
            var output = new OutputTail(100);
            var process = Launch(executable, port, extra, configFile, directory, output);
            try
            {
                await WaitUntilReadyAsync(process, port, output, cancellationToken);
                return new RedisServerProcess(executable, port, extra, configFile, directory, process, output);
            }
            catch (InvalidOperationException failure)
            {
                lastFailure = failure;
                KillAndForget(process);
            }
            catch (OperationCanceledException)
            {
                KillAndForget(process);
                throw;
            }
        }

        TryDeleteDirectory(directory);
        throw lastFailure!;
    }

    /// <summary>Kills the server with SIGKILL (no shutdown, no goodbye to clients) and waits for it to exit.</summary>
    public void Kill()
    {
        KillQuietly();
        IsStopped = false;
    }

    /// <summary>Freezes the server with SIGSTOP: connections stay open and nothing is answered, like a hung host.</summary>
    public void Stop()
    {
        Signal(Signals.Stop);
        IsStopped = true;
    }

    /// <summary>Resumes a frozen server with SIGCONT; it then answers what was queued.</summary>
    public void Resume()
    {
        Signal(Signals.Continue);
        IsStopped = false;
    }

    /// <summary>Kills the server if it runs and starts a fresh, empty one on the same port.</summary>
    public async Task RestartAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        Kill();
        _process.Dispose();
        _process = Launch(_executable, Port, _extraArguments, _configFile, _directory, _output);
        await WaitUntilReadyAsync(_process, Port, _output, cancellationToken);
    }

    /// <summary>
    /// Sends one command over a fresh connection (after SELECT <paramref name="database"/>) and returns
    /// the reply: a string, a long, null, or an object array. An error reply throws. For checking the
    /// server's state independently of the client under test.
    /// </summary>
    public async Task<object?> ExecuteAsync(IReadOnlyList<string> command, int database = 0, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(command);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(ReadyTimeout);
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, Port, timeout.Token);
        var stream = client.GetStream();
        var request = new StringBuilder();
        if (database != 0)
        {
            AppendCommand(request, ["SELECT", database.ToString(CultureInfo.InvariantCulture)]);
        }

        AppendCommand(request, command);
        await stream.WriteAsync(Encoding.UTF8.GetBytes(request.ToString()), timeout.Token);
        var reader = new RespReader(stream);
        if (database != 0)
        {
            await reader.ReadAsync(timeout.Token);
        }

        return await reader.ReadAsync(timeout.Token);
    }

    /// <summary>Kills the server by its own PID and removes its directory.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        Running.TryRemove(this, out _);
        if (!_process.HasExited)
        {
            _process.Kill();
            using var timeout = new CancellationTokenSource(ExitTimeout);
            await _process.WaitForExitAsync(timeout.Token);
        }

        _process.Dispose();
        TryDeleteDirectory(_directory);
    }

    /// <inheritdoc />
    public override string ToString() => $"redis-server pid {(_process.HasExited ? "(exited)" : Pid.ToString(CultureInfo.InvariantCulture))} on {ConnectionString}";

    private static string? FindExecutable()
    {
        var configured = Environment.GetEnvironmentVariable(ExecutableVariable);
        if (!string.IsNullOrEmpty(configured))
        {
            return File.Exists(configured) ? configured : null;
        }

        var path = Environment.GetEnvironmentVariable("PATH") ?? string.Empty;
        return path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Append("/usr/bin")
            .Append("/usr/local/bin")
            .Select(directory => Path.Combine(directory, "redis-server"))
            .FirstOrDefault(File.Exists);
    }

    /// <summary>A loopback port free at the time of asking (another process may take it before it is bound).</summary>
    public static int FreeLoopbackPort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        try
        {
            return ((IPEndPoint)listener.LocalEndpoint).Port;
        }
        finally
        {
            listener.Stop();
        }
    }

    private static Process Launch(string executable, int port, string[] extraArguments, string? configFile, string directory, OutputTail output)
    {
        var start = new ProcessStartInfo(executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (configFile is not null)
        {
            start.ArgumentList.Add(configFile);
        }

        string[] arguments =
        [
            "--port", port.ToString(CultureInfo.InvariantCulture),
            "--bind", Host,
            "--save", string.Empty,
            "--appendonly", "no",
            "--daemonize", "no",
            "--dir", directory,
            "--enable-debug-command", "local",
            "--repl-diskless-sync-delay", "0",
        ];
        foreach (var argument in arguments.Concat(extraArguments))
        {
            start.ArgumentList.Add(argument);
        }

        var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => output.Append(e.Data);
        process.ErrorDataReceived += (_, e) => output.Append(e.Data);
        try
        {
            process.Start();
        }
        catch (Win32Exception)
        {
            process.Dispose();
            throw new InvalidOperationException(NotInstalledMessage);
        }

        // Always drain the pipes: a full pipe would block the server's logging, and with it the server.
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static async Task WaitUntilReadyAsync(Process process, int port, OutputTail output, CancellationToken cancellationToken)
    {
        var deadline = TimeProvider.System.GetTimestamp() + (long)(ReadyTimeout.TotalSeconds * TimeProvider.System.TimestampFrequency);
        while (true)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"redis-server on port {port} exited with code {process.ExitCode} before answering PING. Output:{Environment.NewLine}{output}");
            }

            if (await AnswersPingAsync(port, cancellationToken))
            {
                return;
            }

            if (TimeProvider.System.GetTimestamp() > deadline)
            {
                throw new InvalidOperationException($"redis-server on port {port} did not answer PING within {ReadyTimeout.TotalSeconds:0} s. Output:{Environment.NewLine}{output}");
            }

            await Task.Delay(PollInterval, TimeProvider.System, cancellationToken);
        }
    }

    private static async Task<bool> AnswersPingAsync(int port, CancellationToken cancellationToken)
    {
        using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        attempt.CancelAfter(TimeSpan.FromMilliseconds(500));
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, port, attempt.Token);
            var stream = client.GetStream();
            await stream.WriteAsync("PING\r\n"u8.ToArray(), attempt.Token);
            var buffer = new byte[64];
            var read = await stream.ReadAsync(buffer, attempt.Token);
            var reply = Encoding.ASCII.GetString(buffer, 0, read);

            // Any reply but LOADING means the server serves commands (NOAUTH when it wants a password).
            return read > 0 && !reply.StartsWith("-LOADING", StringComparison.Ordinal);
        }
        catch (SocketException)
        {
            return false;
        }
        catch (IOException)
        {
            return false;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    private static void AppendCommand(StringBuilder request, IReadOnlyList<string> command)
    {
        request.Append(CultureInfo.InvariantCulture, $"*{command.Count}\r\n");
        foreach (var part in command)
        {
            request.Append(CultureInfo.InvariantCulture, $"${Encoding.UTF8.GetByteCount(part)}\r\n{part}\r\n");
        }
    }

    private static void KillAndForget(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill();
                process.WaitForExit(ExitTimeout);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
        finally
        {
            process.Dispose();
        }
    }

    private static void TryDeleteDirectory(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
            // A leftover empty temporary directory is harmless.
        }
        catch (UnauthorizedAccessException)
        {
            // Likewise.
        }
    }

    private void KillQuietly()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill();
                _process.WaitForExit(ExitTimeout);
            }
        }
        catch (InvalidOperationException)
        {
            // Exited between the check and the kill.
        }
    }

    private void Signal(int signal)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (_process.HasExited)
        {
            throw new InvalidOperationException($"redis-server on port {Port} is not running.");
        }

        if (SendSignal(_process.Id, signal) != 0)
        {
            throw new InvalidOperationException($"Could not signal redis-server pid {_process.Id}: errno {Marshal.GetLastPInvokeError()}.");
        }
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int SendSignal(int pid, int signal);

    private static class Signals
    {
        public static int Stop => OperatingSystem.IsMacOS() ? 17 : 19;

        public static int Continue => OperatingSystem.IsMacOS() ? 19 : 18;
    }

    /// <summary>The last lines a server printed, kept for error messages.</summary>
    private sealed class OutputTail(int capacity)
    {
        private readonly Queue<string> _lines = new();
        private readonly Lock _lock = new();

        public void Append(string? line)
        {
            if (line is null)
            {
                return;
            }

            lock (_lock)
            {
                _lines.Enqueue(line);
                while (_lines.Count > capacity)
                {
                    _lines.Dequeue();
                }
            }
        }

        public override string ToString()
        {
            lock (_lock)
            {
                return string.Join(Environment.NewLine, _lines);
            }
        }
    }
}
