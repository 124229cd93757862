using System.Globalization;
using CacheFailover.Nemesis.History;

namespace CacheFailover.Nemesis.Workload;

/// <summary>
/// One client of the run: a seeded mix of SET, DEL and GET on a small set of string keys and
/// RPUSH (not safe to repeat), LRANGE and DEL on a few list keys, through one member (its engine
/// API or its RESP front door), every operation recorded with its invocation, completion, outcome
/// and value. Every value and element it writes is unique in the run (client id and sequence
/// number), so the checker knows which operation produced what a read returns.
/// </summary>
public sealed class WorkloadClient(int id, string member, ICacheClient cache, HistoryRecorder history, int seed)
{
    /// <summary>String keys shared by every client: small, so clients overwrite each other.</summary>
    public const int StringKeys = 24;

    /// <summary>List keys shared by every client.</summary>
    public const int ListKeys = 6;

    /// <summary>Longer than any operation should take: one that hangs past it is recorded as unknown.</summary>
    private static readonly TimeSpan Watchdog = TimeSpan.FromSeconds(15);

    /// <summary>A pause between operations, so that a 30-minute history stays in memory (a few hundred operations a second per client).</summary>
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
        return RecordAsync(OperationKind.Write, key, value, token => cache.SetAsync(key, value, token));
    }

    private Task DeleteAsync(string key) => RecordAsync(OperationKind.Delete, key, null, token => cache.DeleteAsync(key, token));

    private Task ReadAsync(string key) => RecordAsync(OperationKind.Read, key, null, token => cache.GetAsync(key, token));

    private Task PushAsync(string key)
    {
        var element = NextValue();
        return RecordAsync(OperationKind.Push, key, element, token => cache.PushAsync(key, element, token));
    }

    private Task ReadListAsync(string key) => RecordAsync(OperationKind.ListRead, key, null, token => cache.ReadListAsync(key, token));

    private async Task RecordAsync(OperationKind kind, string key, string? written, Func<CancellationToken, Task<ClientReply>> run)
    {
        using var watchdog = new CancellationTokenSource(Watchdog);
        var invoked = history.NowUs;
        try
        {
            var reply = await run(watchdog.Token);
            var value = kind == OperationKind.Read ? reply.Value : written;
            var elements = kind == OperationKind.ListRead ? reply.Elements : null;
            history.Add(new HistoryEntry(history.NextId(), id, kind, key, value, elements, invoked, history.NowUs, Outcome.Ok, null, $"{member}/{cache.Path}/{reply.ServedBy ?? "?"}"));
        }
        catch (Exception failure)
        {
            var (outcome, error) = failure switch
            {
                ClientFailureException known => (known.Outcome, known.Kind),
                OperationCanceledException => (Outcome.Unknown, $"{cache.Path}/watchdog_15s/unknown"),
                _ => (Outcome.Unknown, $"{cache.Path}/{failure.GetType().Name}/unknown"),
            };
            history.Add(new HistoryEntry(history.NextId(), id, kind, key, written, null, invoked, history.NowUs, outcome, error, $"{member}/{cache.Path}"));
        }
    }
}
