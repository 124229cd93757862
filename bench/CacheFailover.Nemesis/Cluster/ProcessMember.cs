using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using CacheFailover.Engine;
using CacheFailover.Nemesis.History;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace CacheFailover.Nemesis.Cluster;

/// <summary>A server process's <c>/healthz</c>: what its engine serves.</summary>
public sealed record ProcessHealth(FailoverStatus Status, long Epoch, string ActiveServiceId);

/// <summary>An MCP tool call's answer: an error's text, or the structured content.</summary>
public sealed record ToolAnswer(bool IsError, string Text, JsonElement? Content);

/// <summary>
/// A server process of the product (<c>src/CacheFailoverMcp</c>) in the nemesis's group: MCP over
/// HTTP and the RESP front door on loopback ports kept across restarts. Signalled only by the PID
/// it was started with (SIGKILL, SIGTERM) and restarted with the same command line. An exit the
/// nemesis did not cause is recorded (<see cref="UnexpectedExits"/>). Its engine's events are
/// fetched over MCP (<c>get_failover_events</c>) before each stop and at the end, since they
/// die with the process.
/// </summary>
public sealed class ProcessMember : IAsyncDisposable
{
    private const int StderrTail = 60;
    private static readonly TimeSpan StartLimit = TimeSpan.FromSeconds(30);
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(5) };
    private readonly HistoryRecorder _clock;
    private readonly IReadOnlyList<string> _arguments;
    private readonly Lock _lock = new();
    private readonly ConcurrentQueue<string> _stderr = new();
    private readonly ConcurrentQueue<string> _unexpectedExits = new();
    private readonly ConcurrentDictionary<(int Incarnation, long EventId), MemberEvent> _events = new();
    private Process? _process;
    private bool _stopping;
    private int _incarnation;

    private ProcessMember(string id, int httpPort, int respPort, IReadOnlyList<string> arguments, HistoryRecorder clock)
    {
        Id = id;
        HttpPort = httpPort;
        RespPort = respPort;
        _arguments = arguments;
        _clock = clock;
    }

    /// <summary>p1, p2, ….</summary>
    public string Id { get; }

    public int HttpPort { get; }

    public int RespPort { get; }

    /// <summary>How many times it was started again.</summary>
    public int Restarts => _incarnation - 1;

    /// <summary>The running process's PID, or null while it is down.</summary>
    public int? Pid
    {
        get
        {
            lock (_lock)
            {
                return _process is { HasExited: false } p ? p.Id : null;
            }
        }
    }

    /// <summary>Exits the nemesis did not cause: the exit code and the last lines of stderr.</summary>
    public IReadOnlyCollection<string> UnexpectedExits => _unexpectedExits;

    /// <summary>Every engine event fetched from its incarnations.</summary>
    public IReadOnlyCollection<MemberEvent> Events => [.. _events.Values];

    public static async Task<ProcessMember> StartAsync(string id, IReadOnlyDictionary<string, string> connectionByService, string group, Options.FailoverOptions options, HistoryRecorder clock, CancellationToken cancellationToken)
    {
        var httpPort = CacheFailover.Testing.RedisServerProcess.FreeLoopbackPort();
        var respPort = CacheFailover.Testing.RedisServerProcess.FreeLoopbackPort();
        var member = new ProcessMember(id, httpPort, respPort, ServerCommandLine.Arguments(connectionByService, group, httpPort, respPort, options), clock);
        await member.StartProcessAsync(cancellationToken);
        return member;
    }

    /// <summary>Starts the process (again) with the same command line and waits until both its doors listen.</summary>
    public async Task StartProcessAsync(CancellationToken cancellationToken)
    {
        Exception? last = null;
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var (command, prefix) = ServerCommandLine.Executable();
            var info = new ProcessStartInfo(command)
            {
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (var argument in prefix.Concat(_arguments))
            {
                info.ArgumentList.Add(argument);
            }

            // The machine's own settings must not leak in (as in the process tests).
            foreach (var key in info.Environment.Keys.Where(k => k.StartsWith("CACHEFAILOVER", StringComparison.OrdinalIgnoreCase) || k.StartsWith("OTEL_", StringComparison.Ordinal)).ToList())
            {
                info.Environment.Remove(key);
            }

            var http = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var resp = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var process = new Process { StartInfo = info, EnableRaisingEvents = true };
            process.ErrorDataReceived += (_, e) =>
            {
                if (e.Data is not { } line)
                {
                    return;
                }

                _stderr.Enqueue(line);
                while (_stderr.Count > StderrTail && _stderr.TryDequeue(out string? _))
                {
                }

                if (line.Contains("Now listening on: http://", StringComparison.Ordinal))
                {
                    http.TrySetResult();
                }

                if (line.Contains("RESP front door listening on", StringComparison.Ordinal))
                {
                    resp.TrySetResult();
                }
            };
            process.OutputDataReceived += (_, _) => { };
            var incarnation = Interlocked.Increment(ref _incarnation);
            process.Exited += (_, _) => OnExited(process, incarnation);
            Process? previous;
            lock (_lock)
            {
                _stopping = false;
                previous = _process;
                _process = process;
            }

            previous?.Dispose();

            process.Start();
            process.BeginErrorReadLine();
            process.BeginOutputReadLine();
            try
            {
                var exited = process.WaitForExitAsync(cancellationToken);
                var ready = Task.WhenAll(http.Task, resp.Task);
                if (await Task.WhenAny(ready, exited).WaitAsync(StartLimit, cancellationToken) == ready)
                {
                    return;
                }

                last = new InvalidOperationException($"{Id} exited while starting (code {process.ExitCode}):\n{Stderr}");
            }
            catch (TimeoutException)
            {
                last = new InvalidOperationException($"{Id} did not listen within {StartLimit.TotalSeconds:0} s:\n{Stderr}");
            }

            await KillAsync();
        }

        throw last!;
    }

    /// <summary>SIGKILL, by the PID it was started with; waits for the exit.</summary>
    public async Task KillAsync()
    {
        var process = Stopping();
        if (process is { HasExited: false })
        {
            process.Kill();
            await process.WaitForExitAsync();
        }
    }

    /// <summary>SIGTERM, by its PID; waits up to <paramref name="limit"/> for it to end (then SIGKILL). Says how it ended.</summary>
    public async Task<string> TerminateAsync(TimeSpan limit)
    {
        var process = Stopping() ?? throw new InvalidOperationException($"{Id} is not running");
        var started = Stopwatch.GetTimestamp();
        using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        try
        {
            await process.WaitForExitAsync().WaitAsync(limit);
            return string.Create(CultureInfo.InvariantCulture, $"SIGTERM: exit code {process.ExitCode} after {Stopwatch.GetElapsedTime(started).TotalMilliseconds:0} ms");
        }
        catch (TimeoutException)
        {
            process.Kill();
            await process.WaitForExitAsync();
            return $"SIGTERM: still running after {limit.TotalSeconds:0} s, killed";
        }
    }

    /// <summary>Its <c>/healthz</c>, or null when it does not answer.</summary>
    public async Task<ProcessHealth?> HealthAsync(CancellationToken cancellationToken)
    {
        try
        {
            using var response = await Http.GetAsync(new Uri($"http://127.0.0.1:{HttpPort}/healthz"), cancellationToken);
            var body = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
            var status = body.GetProperty("engine_status").GetString();
            return new ProcessHealth(
                Enum.GetValues<FailoverStatus>().First(s => s.ToWireName() == status),
                body.GetProperty("epoch").GetInt64(),
                body.GetProperty("active_service_id").GetString()!);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>Calls one MCP tool over the HTTP transport (a new session per call, as a script would).</summary>
    public async Task<ToolAnswer> CallToolAsync(string tool, Dictionary<string, object?> arguments, CancellationToken cancellationToken)
    {
        await using var client = await McpClient.CreateAsync(
            new HttpClientTransport(new HttpClientTransportOptions
            {
                Endpoint = new Uri($"http://127.0.0.1:{HttpPort}/mcp"),
                TransportMode = HttpTransportMode.StreamableHttp,
            }),
            cancellationToken: cancellationToken);
        var result = await client.CallToolAsync(tool, arguments, cancellationToken: cancellationToken);
        var text = string.Concat(result.Content.OfType<TextContentBlock>().Select(c => c.Text));
        return new ToolAnswer(result.IsError == true, text, result.StructuredContent);
    }

    /// <summary>Fetches the running incarnation's engine events (best effort: a process that does not answer keeps them).</summary>
    public async Task CollectEventsAsync(CancellationToken cancellationToken)
    {
        var incarnation = _incarnation;
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(5));
            var answer = await CallToolAsync("get_failover_events", new() { ["limit"] = 1000 }, timeout.Token);
            if (answer.IsError || answer.Content is not { } content)
            {
                return;
            }

            var now = DateTimeOffset.UtcNow;
            var nowUs = _clock.NowUs;
            foreach (var e in content.GetProperty("events").EnumerateArray())
            {
                var started = e.GetProperty("started_at").GetDateTimeOffset();
                if (!WireNames.TryParseTrigger(e.GetProperty("trigger").GetString(), out var trigger))
                {
                    continue;
                }

                var failoverEvent = new FailoverEvent(
                    e.GetProperty("event_id").GetInt64(),
                    e.GetProperty("kind").GetString() == "failover" ? FailoverEventKind.Failover : FailoverEventKind.Recovery,
                    e.GetProperty("epoch").GetInt64(),
                    trigger,
                    e.GetProperty("from_service_id").GetString() ?? "?",
                    e.GetProperty("to_service_id").GetString(),
                    e.GetProperty("reason").GetString() ?? string.Empty,
                    started,
                    null,
                    TimeSpan.FromMilliseconds(e.GetProperty("duration_ms").GetDouble()),
                    e.GetProperty("success").GetBoolean(),
                    e.GetProperty("error").GetString(),
                    e.GetProperty("reconciled_keys").GetInt64(),
                    e.GetProperty("automatic").GetBoolean());
                // When it ended (as an in-process member's event is timed); a decision it followed has no duration, so
                // it is timed when it was decided, not when this process followed it.
                var atUs = nowUs - (long)(now - (started + failoverEvent.Duration)).TotalMicroseconds;
                _events.TryAdd((incarnation, failoverEvent.Id), new MemberEvent(atUs, Id, failoverEvent));
            }
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException or JsonException or KeyNotFoundException or InvalidOperationException or IOException)
        {
            // A process that does not answer now: its events of this incarnation are lost to the report, nothing else.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        lock (_lock)
        {
            _process?.Dispose();
            _process = null;
        }
    }

    private string Stderr => string.Join("\n", _stderr);

    /// <summary>Marks the exit that follows as the nemesis's own.</summary>
    private Process? Stopping()
    {
        lock (_lock)
        {
            _stopping = true;
            return _process;
        }
    }

    private void OnExited(Process process, int incarnation)
    {
        lock (_lock)
        {
            if (_stopping || !ReferenceEquals(process, _process))
            {
                return;
            }
        }

        _unexpectedExits.Enqueue(string.Create(CultureInfo.InvariantCulture, $"{Id} (start {incarnation}) exited by itself at {_clock.NowUs / 1e6:0.000} s with code {process.ExitCode}:\n{Stderr}"));
    }
}
