using CacheFailover.Bench.Contenders;
using CacheFailover.Bench.Infrastructure;

namespace CacheFailover.Bench.Load;

/// <summary>What kind of operation a record is.</summary>
internal enum OpKind : byte
{
    Get,
    Set,
    Delete,
}

/// <summary>How an operation ended, as the client saw it.</summary>
internal enum OpResult : byte
{
    /// <summary>Succeeded; a GET of a tagged key also says which server answered.</summary>
    Success,

    /// <summary>Threw; the operation certainly was not applied (or was a read).</summary>
    Error,

    /// <summary>A write threw and may nevertheless have been applied.</summary>
    Unknown,
}

/// <summary>One operation: when it started and ended (Stopwatch ticks), what it was, how it ended, and who served a tagged read.</summary>
internal readonly record struct OpRecord(long Started, long Ended, OpKind Kind, OpResult Result, byte ServedTag);

/// <summary>
/// Load for the fault scenarios: <c>workers</c> closed-loop workers, 45 % GET of tagged keys (whose
/// value says which server answered), 45 % SET and 10 % DELETE of other keys, every operation
/// recorded. A thrown exception is a client-visible error; a thrown write the contender classifies
/// as maybe-applied is an operation with unknown outcome.
/// </summary>
internal sealed class FaultLoad
{
    private readonly IContender _contender;
    private readonly string[] _readKeys;
    private readonly string[] _writeKeys;
    private readonly byte[] _value;
    private readonly List<OpRecord>[] _records;
    private readonly Task[] _workers;
    private volatile bool _stop;

    public FaultLoad(IContender contender, string[] readKeys, string[] writeKeys, byte[] value, int workers, int seed)
    {
        _contender = contender;
        _readKeys = readKeys;
        _writeKeys = writeKeys;
        _value = value;
        _records = new List<OpRecord>[workers];
        _workers = new Task[workers];
        for (var i = 0; i < workers; i++)
        {
            var records = new List<OpRecord>(100_000);
            _records[i] = records;
            var workerSeed = seed + i;
            _workers[i] = Task.Run(() => WorkerAsync(records, workerSeed));
        }
    }

    /// <summary>Stops the workers and returns every record, ordered by end time.</summary>
    public async Task<List<OpRecord>> StopAsync()
    {
        _stop = true;
        await Task.WhenAll(_workers);
        var all = _records.SelectMany(r => r).ToList();
        all.Sort((a, b) => a.Ended.CompareTo(b.Ended));
        return all;
    }

    private async Task WorkerAsync(List<OpRecord> records, int seed)
    {
        var random = new Random(seed);
        while (!_stop)
        {
            var dice = random.Next(100);
            var kind = dice < 45 ? OpKind.Get : dice < 90 ? OpKind.Set : OpKind.Delete;
            var started = Clock.Now;
            byte tag = 0;
            var result = OpResult.Success;
            try
            {
                switch (kind)
                {
                    case OpKind.Get:
                        var value = await _contender.GetAsync(_readKeys[random.Next(_readKeys.Length)]);
                        tag = value is { Length: > 0 } ? value[0] : (byte)0;
                        break;
                    case OpKind.Set:
                        await _contender.SetAsync(_writeKeys[random.Next(_writeKeys.Length)], _value);
                        break;
                    default:
                        await _contender.DeleteAsync(_writeKeys[random.Next(_writeKeys.Length)]);
                        break;
                }
            }
            catch (Exception exception)
            {
                result = kind != OpKind.Get && _contender.IsUnknownOutcome(exception) ? OpResult.Unknown : OpResult.Error;
                FirstErrors.Note(_contender.Name, kind, exception);
            }

            records.Add(new OpRecord(started, Clock.Now, kind, result, tag));
        }
    }
}

/// <summary>Keeps the first few distinct error messages per contender, for the notes under the tables.</summary>
internal static class FirstErrors
{
    private static readonly Lock Gate = new();
    private static readonly Dictionary<string, List<string>> Seen = [];

    public static void Note(string contender, OpKind kind, Exception exception)
    {
        var text = $"{kind.ToString().ToUpperInvariant()}: {exception.GetType().Name}: {exception.Message}";
        if (text.Length > 300)
        {
            text = text[..300] + "…";
        }

        lock (Gate)
        {
            if (!Seen.TryGetValue(contender, out var list))
            {
                list = [];
                Seen[contender] = list;
            }

            if (list.Count < 5 && !list.Contains(text))
            {
                list.Add(text);
            }
        }
    }

    public static IReadOnlyList<string> Take(string contender)
    {
        lock (Gate)
        {
            if (!Seen.Remove(contender, out var list))
            {
                return [];
            }

            return list;
        }
    }
}
