using System.Globalization;
using System.Text;
using CacheFailover.Backends;
using CacheFailover.Backends.Commands;
using CacheFailover.Engine;
using CacheFailover.Nemesis.Cluster;
using CacheFailover.Nemesis.History;

namespace CacheFailover.Nemesis.Workload;

/// <summary>
/// One client of the run: a seeded mix of SET, DEL and GET on a small set of string keys and
/// RPUSH (not safe to repeat), LRANGE and DEL on a few list keys, through one member's engine (waiting while the member restarts),
/// every operation recorded with its invocation, completion, outcome and value. Every value and
/// element it writes is unique in the run (client id and sequence number), so the checker knows
/// which operation produced what a read returns.
/// </summary>
public sealed class WorkloadClient(int id, Member member, HistoryRecorder history, int seed)
{
    /// <summary>String keys shared by every client: small, so clients overwrite each other.</summary>
    public const int StringKeys = 24;

    /// <summary>List keys shared by every client.</summary>
    public const int ListKeys = 6;

    /// <summary>Longer than any operation should take: one that hangs past it is recorded as unknown.</summary>
    private static readonly TimeSpan Watchdog = TimeSpan.FromSeconds(15);

    /// <summary>A pause between operations, so that a 30-minute history stays in memory (about 300 operations a second per client).</summary>
    private static readonly TimeSpan Pace = TimeSpan.FromMilliseconds(2);

    private readonly Random _random = new(seed);
    private long _sequence;

    public int Id => id;

    public static string StringKey(int i) => string.Create(CultureInfo.InvariantCulture, $"nemesis:s:{i}");

    public static string ListKey(int i) => string.Create(CultureInfo.InvariantCulture, $"nemesis:l:{i}");

    public async Task RunAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            var roll = _random.Next(100);
            var key = roll < 80 ? StringKey(_random.Next(StringKeys)) : ListKey(_random.Next(ListKeys));
            switch (roll)
            {
                case < 34: await WriteAsync(key); break;
                case < 42: await DeleteAsync(key); break;
                case < 80: await ReadAsync(key); break;
                case < 89: await PushAsync(key); break;
                case < 98: await ReadListAsync(key); break;
                default: await DeleteAsync(key); break;
            }

            try
            {
                await Task.Delay(Pace, TimeProvider.System, stop);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Reads every key once (the final sweep after the faults have ended).</summary>
    public async Task SweepAsync()
    {
        for (var i = 0; i < StringKeys; i++)
        {
            await ReadAsync(StringKey(i));
        }

        for (var i = 0; i < ListKeys; i++)
        {
            await ReadListAsync(ListKey(i));
        }
    }

    private string NextValue() => string.Create(CultureInfo.InvariantCulture, $"c{id}-{++_sequence}");

    private Task WriteAsync(string key)
    {
        var value = NextValue();
        return RecordAsync(OperationKind.Write, key, value, async (engine, token) =>
        {
            var result = await engine.SetWithResultAsync(key, Encoding.UTF8.GetBytes(value), cancellationToken: token);
            return (value, null, result.ServedBy);
        });
    }

    private Task DeleteAsync(string key) => RecordAsync(OperationKind.Delete, key, null, async (engine, token) =>
    {
        var result = await engine.DeleteWithResultAsync(key, token);
        return (null, null, result.ServedBy);
    });

    private Task ReadAsync(string key) => RecordAsync(OperationKind.Read, key, null, async (engine, token) =>
    {
        var result = await engine.GetWithResultAsync(key, token);
        return (result.Value is null ? null : Encoding.UTF8.GetString(result.Value), null, result.ServedBy);
    });

    private Task PushAsync(string key)
    {
        var element = NextValue();
        return RecordAsync(OperationKind.Push, key, element, async (engine, token) =>
        {
            var reply = await engine.ExecuteCommandAsync(Command("RPUSH", key, element), new CommandRouting([key], IsWrite: true, IsSafeToRepeat: false), token);
            return reply.IsError ? throw new ErrorReplyException(reply.Text) : (element, null, null);
        });
    }

    private Task ReadListAsync(string key) => RecordAsync(OperationKind.ListRead, key, null, async (engine, token) =>
    {
        var reply = await engine.ExecuteCommandAsync(Command("LRANGE", key, "0", "-1"), new CommandRouting([key], IsWrite: false, IsSafeToRepeat: true), token);
        if (reply.IsError)
        {
            throw new ErrorReplyException(reply.Text);
        }

        var elements = reply.Items?.Select(item => Encoding.UTF8.GetString(item.Bytes ?? [])).ToArray();
        return (null, elements is { Length: > 0 } ? elements : null, null);
    });

    private static CacheCommand Command(string name, params string[] arguments)
        => new(name, [.. arguments.Select(a => (ReadOnlyMemory<byte>)Encoding.UTF8.GetBytes(a))]);

    private async Task RecordAsync(OperationKind kind, string key, string? written, Func<FailoverEngine, CancellationToken, Task<(string? Value, string[]? Elements, string? ServedBy)>> run)
    {
        // A member that is restarting has no engine: its clients wait, as an application's
        // requests wait for its process to come back; the operation begins once there is one.
        var engine = await member.WaitForEngineAsync(CancellationToken.None);
        using var watchdog = new CancellationTokenSource(Watchdog);
        var invoked = history.NowUs;
        try
        {
            var (value, elements, servedBy) = await run(engine, watchdog.Token);
            history.Add(new HistoryEntry(history.NextId(), id, kind, key, value, elements, invoked, history.NowUs, Outcome.Ok, null, $"{member.Id}/{servedBy ?? "?"}"));
        }
        catch (Exception failure)
        {
            var (outcome, error) = Classify(failure);
            history.Add(new HistoryEntry(history.NextId(), id, kind, key, written, null, invoked, history.NowUs, outcome, error));
        }
    }

    /// <summary>
    /// What the client was told. Only the engine's own "not applied" and a server's error reply
    /// are a certain failure; anything else (a timeout, a lost connection, the watchdog) may have
    /// been applied.
    /// </summary>
    private static (Outcome Outcome, string Error) Classify(Exception failure) => failure switch
    {
        CacheOperationException { Outcome: OperationOutcome.NotApplied } e => (Outcome.Failed, $"{e.GetType().Name}/{e.Kind}/not_applied"),
        CacheOperationException e => (Outcome.Unknown, $"{e.GetType().Name}/{e.Kind}/unknown"),
        ErrorReplyException e => (Outcome.Failed, $"error_reply/{e.Code}"),
        OperationCanceledException => (Outcome.Unknown, "watchdog_15s/unknown"),
        _ => (Outcome.Unknown, $"{failure.GetType().Name}/unknown"),
    };

    /// <summary>The server answered with an error (nothing applied); its code names it.</summary>
    private sealed class ErrorReplyException(string? text) : Exception(text)
    {
        public string Code => Message.Split(' ')[0];
    }
}
