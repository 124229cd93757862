using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.RegularExpressions;

namespace CacheFailoverMcp.Tests.Process;

/// <summary>
/// The CacheFailoverMcp executable the process tests start: by default the built <c>CacheFailoverMcp.dll</c>
/// run by <c>dotnet</c>; when <see cref="ExecutableVariable"/> names a file (the Native AOT binary, as
/// <c>.ci/run</c> does), that file, so that the same end-to-end tests judge it.
/// </summary>
internal static partial class ServerExecutable
{
    /// <summary>The environment variable that names another executable to test.</summary>
    public const string ExecutableVariable = "CACHEFAILOVER_TEST_EXECUTABLE";

    private static readonly string? Executable = Environment.GetEnvironmentVariable(ExecutableVariable) is { Length: > 0 } path
        ? File.Exists(path) ? Path.GetFullPath(path) : throw new InvalidOperationException($"{ExecutableVariable} names '{path}', which does not exist.")
        : null;

    /// <summary>What to start: the named executable, or <c>dotnet</c>.</summary>
    public static string Command => Executable ?? "dotnet";

    /// <summary>The command line after <see cref="Command"/>: the server's own arguments, after the .dll when run by dotnet.</summary>
    public static List<string> Arguments(params string[] serverArguments) => Executable is null ? [DllPath, .. serverArguments] : [.. serverArguments];

    /// <summary>Path of <c>CacheFailoverMcp.dll</c> in the server project's own output (same configuration and target framework).</summary>
    public static string DllPath => LazyDllPath.Value;

    private static readonly Lazy<string> LazyDllPath = new(Find);

    private static string Find()
    {
        // tests/CacheFailoverMcp.Tests/bin/<Configuration>/<TargetFramework>/
        var testOutput = new DirectoryInfo(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory));
        var targetFramework = testOutput.Name;
        var configuration = testOutput.Parent!.Name;
        for (var directory = testOutput; directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "CacheFailoverMcp.sln")))
            {
                var path = Path.Combine(directory.FullName, "src", "CacheFailoverMcp", "bin", configuration, targetFramework, "CacheFailoverMcp.dll");
                if (File.Exists(path))
                {
                    return path;
                }

                break;
            }
        }

        throw new InvalidOperationException($"CacheFailoverMcp.dll was not found for {configuration}/{targetFramework}; build the solution first.");
    }

    /// <summary>Kestrel's "Now listening on: http://127.0.0.1:PORT" line, as the server logs it on stderr.</summary>
    [GeneratedRegex(@"Now listening on: (?<url>http://\S+)")]
    public static partial Regex ListeningLine();
}

/// <summary>
/// The server started as a child process (<c>dotnet CacheFailoverMcp.dll …</c>, or the executable under test) with stdin, stdout and
/// stderr captured; killed by its own PID on dispose.
/// </summary>
internal sealed class ServerProcess : IAsyncDisposable
{
    private readonly System.Diagnostics.Process _process;
    private readonly ConcurrentQueue<string> _stderr = new();
    private readonly ConcurrentQueue<string> _stdout = new();
    private readonly TaskCompletionSource<string> _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ServerProcess(System.Diagnostics.Process process)
    {
        _process = process;
        _process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }

            _stderr.Enqueue(e.Data);
            if (ServerExecutable.ListeningLine().Match(e.Data) is { Success: true } match)
            {
                _listening.TrySetResult(match.Groups["url"].Value);
            }
        };
        _process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                _stdout.Enqueue(e.Data);
            }
        };
    }

    public string Stderr => string.Join("\n", _stderr);

    public IReadOnlyCollection<string> StdoutLines => _stdout;

    public StreamWriter Stdin => _process.StandardInput;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    public static ServerProcess Start(params string[] arguments) => StartWithEnvironment(new Dictionary<string, string>(), arguments);

    /// <summary>Starts it with <paramref name="environment"/> added to the (cleaned) environment.</summary>
    public static ServerProcess StartWithEnvironment(IReadOnlyDictionary<string, string> environment, params string[] arguments)
    {
        var info = new ProcessStartInfo(ServerExecutable.Command)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in ServerExecutable.Arguments(arguments))
        {
            info.ArgumentList.Add(argument);
        }

        // A test machine's own settings must not leak in.
        foreach (var key in info.Environment.Keys.Where(k => k.StartsWith("CACHEFAILOVER", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            info.Environment.Remove(key);
        }

        // Nor may the machine's OpenTelemetry settings (they switch the OTLP exporter on).
        foreach (var key in info.Environment.Keys.Where(k => k.StartsWith("OTEL_", StringComparison.Ordinal)).ToList())
        {
            info.Environment.Remove(key);
        }

        foreach (var (key, value) in environment)
        {
            info.Environment[key] = value;
        }

        var process = new System.Diagnostics.Process { StartInfo = info };
        var server = new ServerProcess(process);
        process.Start();
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        return server;
    }

    /// <summary>The HTTP address the server bound (it logs it to stderr), e.g. when started on port 0.</summary>
    public async Task<Uri> WaitUntilListeningAsync(TimeSpan timeout)
    {
        var exited = _process.WaitForExitAsync();
        var first = await Task.WhenAny(_listening.Task, exited).WaitAsync(timeout);
        if (first != _listening.Task)
        {
            throw new InvalidOperationException("The server exited before listening:\n" + Stderr);
        }

        var url = await _listening.Task;
        return new Uri(url.Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal).Replace("[::]", "127.0.0.1", StringComparison.Ordinal));
    }

    public int Pid => _process.Id;

    /// <summary>Waits until stderr has a line containing <paramref name="text"/> (polling a real process's output).</summary>
    public async Task WaitForStderrAsync(string text, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!_stderr.Any(line => line.Contains(text, StringComparison.Ordinal)))
        {
            if (DateTime.UtcNow > deadline || _process.HasExited)
            {
                throw new TimeoutException($"stderr never said '{text}':\n{Stderr}");
            }

            await Task.Delay(20);
        }
    }

    /// <summary>Sends SIGTERM to this process (by its PID), as a service manager does.</summary>
    public void Terminate()
    {
        using var kill = System.Diagnostics.Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
    }

    /// <summary>Sends SIGKILL to this process (by its PID): it ends at once, with nothing cleaned up.</summary>
    public void Kill()
    {
        using var kill = System.Diagnostics.Process.Start("kill", ["-KILL", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        await _process.WaitForExitAsync().WaitAsync(timeout);
        // The last stderr lines arrive asynchronously; the reader's end-of-stream follows exit.
        _process.WaitForExit();
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }
}
