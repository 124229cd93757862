using System.Globalization;
using CacheFailover.Bench.Contenders;
using CacheFailover.Bench.Infrastructure;
using CacheFailover.Bench.Load;
using CacheFailover.Bench.Report;

namespace CacheFailover.Bench.Suites;

/// <summary>I1/I2 for one contender: what reads returned after traffic came back to the old primary.</summary>
internal sealed record FailbackContenderFigures(
    string Contender,
    int OverwrittenKeys,
    int DeletedKeys,
    long StaleReads,
    long FreshReads,
    long MissReads,
    long ResurrectedDeletes,
    long ReadBackErrors,
    long WriteErrorsWhileFailedOver,
    long PollerErrors,
    double FailoverSeenMs,
    double FailbackSeenMs,
    long OldValuesLeftOnPrimary,
    bool FailedBack);

/// <summary>Journal invalidation of <see cref="Keys"/> keys on failback, and the journal's memory per key.</summary>
internal sealed record InvalidationFigures(
    int Keys,
    long JournaledKeys,
    long ReconciledKeys,
    double RecoveryCallMs,
    double EngineReportedMs,
    long KeysLeftOnPrimary,
    int KeyLength,
    double BytesPerKey,
    double BytesPerKeyExcludingKeyString,
    bool RecoverySucceeded,
    string? RefusalReason);

internal sealed record FailbackFigures(IReadOnlyList<FailbackContenderFigures> Contenders, IReadOnlyList<InvalidationFigures> Invalidation);

/// <summary>
/// Failback correctness (I1: no stale read, I2: no resurrected delete) for the engine and the group:
/// the primary hangs (SIGSTOP, so it keeps its old values), traffic moves to the backup, keys are
/// overwritten and deleted there, the primary resumes and traffic returns to it; then every key is
/// read back through the contender. Plus, for the engine, the time to invalidate 10k and 100k
/// journaled keys and the journal's memory per key.
/// </summary>
internal static class FailbackSuite
{
    private const string TagKey = "fb:tag";

    public static async Task<SuiteResult> RunAsync(BenchSettings settings)
    {
        var started = Clock.Now;
        var configurations = new Dictionary<string, string>();
        var contenders = new List<FailbackContenderFigures>();
        foreach (var name in new[] { "engine", "group" })
        {
            var (figures, configuration) = await RunCorrectnessAsync(settings, name);
            contenders.Add(figures);
            configurations[name] = configuration;
        }

        var invalidation = new List<InvalidationFigures>();
        foreach (var keys in settings.InvalidationSizes)
        {
            invalidation.Add(await RunInvalidationAsync(keys));
        }

        var result = new FailbackFigures(contenders, invalidation);
        var targets = Judge(settings, result);
        var notes = new List<string>
        {
            $"{settings.FailbackOverwrittenKeys} keys and {settings.FailbackDeletedKeys} keys are written to the primary (value v0) before the run. The primary is then frozen (SIGSTOP, so it keeps v0); once a poller reading a tagged key through the contender is answered by the backup, every one of the first keys is overwritten with v1 and every one of the second deleted, through the contender (a write that throws is retried until it succeeds). The primary resumes (SIGCONT); once the poller is answered by the primary again, every key is read back through the contender.",
            "stale read (I1): an overwritten key read back as v0; resurrected delete (I2): a deleted key read back with a value. A miss is a correct answer for an overwritten key (the engine invalidates journaled keys on the primary rather than copying values back).",
            "old values left on primary: keys still holding v0 (or still present, for deleted keys) on the primary after failback, checked over a separate connection.",
            "invalidation: the engine fails over by hand, N keys that exist on the primary are written through it (so N keys are journaled), then a manual recovery invalidates them on the primary (UNLINK batches) and switches back; 'recovery call' is the wall time of TriggerManualRecoveryAsync (3 verification probes + invalidation + switch), 'engine reported' the recovery event's duration.",
            "memory per journaled key: managed heap growth (GC.GetTotalMemory after full collections) while N more keys are journaled, divided by N; the keys are created by the bench and then dropped, so the journal's copy of each key string is included. 'excluding key string' subtracts the string object itself.",
        };
        var seconds = Clock.Ms(Clock.Now - started) / 1000;
        return new SuiteResult("failback", seconds, result, targets, configurations, notes, Render(result, targets, configurations, notes));
    }

    private static async Task<(FailbackContenderFigures Figures, string Configuration)> RunCorrectnessAsync(BenchSettings settings, string name)
    {
        Progress.Line($"failback: {name}: starting servers");
        var servers = await ServerPair.StartAsync();
        var overwritten = Values.Keys("fb:o", settings.FailbackOverwrittenKeys);
        var deleted = Values.Keys("fb:d", settings.FailbackDeletedKeys);
        var v0 = Values.Payload(100, (byte)'0');
        var v1 = Values.Payload(100, (byte)'1');
        await ServerPair.SeedAsync(servers.PrimarySetup, overwritten, v0);
        await ServerPair.SeedAsync(servers.PrimarySetup, deleted, v0);
        await ServerPair.SeedAsync(servers.PrimarySetup, [TagKey], Values.Payload(100, (byte)'P'));
        await ServerPair.SeedAsync(servers.BackupSetup, [TagKey], Values.Payload(100, (byte)'B'));
        IContender contender = name == "engine"
            ? await EngineContender.CreateAsync(servers, Tuning.Failback)
            : await GroupContender.CreateAsync(servers, Tuning.Failback);
        var poller = new TagPoller(contender);
        long writeErrors = 0;
        long readErrors = 0;
        long stale = 0;
        long fresh = 0;
        long misses = 0;
        long resurrected = 0;
        double failoverMs;
        double failbackMs;
        long oldLeft;
        try
        {
            var hangAt = Clock.Now;
            servers.Primary.Stop();
            Progress.Line($"failback: {name}: primary frozen; waiting for traffic to reach the backup");
            failoverMs = await poller.WaitForAsync((byte)'B', hangAt, TimeSpan.FromSeconds(15));
            if (double.IsNaN(failoverMs))
            {
                throw new InvalidOperationException($"{name} did not move traffic to the backup within 15 s of the hang.");
            }

            foreach (var key in overwritten)
            {
                writeErrors += await RetryAsync(() => contender.SetAsync(key, v1));
            }

            foreach (var key in deleted)
            {
                writeErrors += await RetryAsync(async () => await contender.DeleteAsync(key));
            }

            var resumeAt = Clock.Now;
            servers.Primary.Resume();
            Progress.Line($"failback: {name}: {overwritten.Length} keys overwritten and {deleted.Length} deleted on the backup ({writeErrors} errors retried); primary resumed, waiting for traffic to return to it");
            failbackMs = await poller.WaitForAsync((byte)'P', resumeAt, TimeSpan.FromSeconds(20));
            await poller.StopAsync();

            // Read back through the contender, whoever it now sends traffic to.
            foreach (var key in overwritten)
            {
                try
                {
                    var value = await contender.GetAsync(key);
                    if (value is null)
                    {
                        misses++;
                    }
                    else if (value[0] == (byte)'0')
                    {
                        stale++;
                    }
                    else
                    {
                        fresh++;
                    }
                }
                catch (Exception)
                {
                    readErrors++;
                }
            }

            foreach (var key in deleted)
            {
                try
                {
                    if (await contender.GetAsync(key) is not null)
                    {
                        resurrected++;
                    }
                }
                catch (Exception)
                {
                    readErrors++;
                }
            }

            var primary = servers.PrimarySetup.GetDatabase();
            oldLeft = 0;
            foreach (var key in overwritten)
            {
                var value = (byte[]?)await primary.StringGetAsync(key);
                oldLeft += value is { Length: > 0 } && value[0] == (byte)'0' ? 1 : 0;
            }

            foreach (var key in deleted)
            {
                oldLeft += await primary.KeyExistsAsync(key) ? 1 : 0;
            }
        }
        finally
        {
            await poller.DisposeAsync();
            await contender.StopAsync();
            await servers.DisposeAsync();
            await contender.DisposeAsync();
        }

        Progress.Line(string.Create(CultureInfo.InvariantCulture, $"failback: {name}: stale {stale}/{overwritten.Length}, resurrected {resurrected}/{deleted.Length}, fresh {fresh}, misses {misses}, read errors {readErrors}; failover seen {failoverMs:0} ms after the hang, failback {Markdown.F(failbackMs, "0")} ms after the resume"));
        var figures = new FailbackContenderFigures(
            name,
            overwritten.Length,
            deleted.Length,
            stale,
            fresh,
            misses,
            resurrected,
            readErrors,
            writeErrors,
            poller.Errors,
            Math.Round(failoverMs, 1),
            Math.Round(failbackMs, 1),
            oldLeft,
            !double.IsNaN(failbackMs));
        return (figures, contender.Configuration);
    }

    private static async Task<InvalidationFigures> RunInvalidationAsync(int keys)
    {
        Progress.Line($"failback: invalidation of {keys} journaled keys: starting servers");
        var servers = await ServerPair.StartAsync();
        static string Key(int i) => string.Create(CultureInfo.InvariantCulture, $"fb:inv:{i:D7}");
        var value = Values.Payload(100, (byte)'0');
        await ServerPair.SeedAsync(servers.PrimarySetup, keys, Key, value);
        var contender = await EngineContender.CreateAsync(servers, Tuning.Failover);
        try
        {
            await contender.ManualFailoverAsync();

            // Warm the write path (connection buffers, pools) so heap growth afterwards is the journal's.
            // One key written 2000 times: the write path is warm and the journal holds a single key.
            await WriteAsync(contender, 2_000, _ => "fb:warm", value);
            var before = Heap();
            var journaledBefore = contender.Engine.GetJournal().PendingKeys;
            await WriteAsync(contender, keys, Key, value);
            var after = Heap();
            var journaled = contender.Engine.GetJournal().PendingKeys - journaledBefore;
            var bytesPerKey = (after - before) / (double)Math.Max(1, journaled);
            var keyLength = Key(0).Length;
            var stringBytes = ((22 + (2 * keyLength)) + 7) / 8 * 8;
            Progress.Line(string.Create(CultureInfo.InvariantCulture, $"failback: {journaled} keys journaled, heap +{after - before} B ({bytesPerKey:0.0} B/key); recovering"));

            var recoveryStarted = Clock.Now;
            var recovery = await contender.Engine.TriggerManualRecoveryAsync("bench: invalidation timing");
            var recoveryMs = Clock.MsSince(recoveryStarted);
            var left = await servers.Primary.ExecuteAsync(["DBSIZE"]);
            Progress.Line(string.Create(CultureInfo.InvariantCulture, $"failback: recovery {(recovery.Success ? "succeeded" : "refused: " + recovery.RefusalReason)}: {recovery.ReconciledKeys} keys reconciled in {recoveryMs:0.0} ms (engine: {recovery.Event?.Duration.TotalMilliseconds:0.0} ms); primary DBSIZE now {left}"));
            return new InvalidationFigures(
                keys,
                journaled,
                recovery.ReconciledKeys,
                Math.Round(recoveryMs, 1),
                Math.Round(recovery.Event?.Duration.TotalMilliseconds ?? double.NaN, 1),
                Convert.ToInt64(left, CultureInfo.InvariantCulture),
                keyLength,
                Math.Round(bytesPerKey, 1),
                Math.Round(bytesPerKey - stringBytes, 1),
                recovery.Success,
                recovery.RefusalReason);
        }
        finally
        {
            await contender.StopAsync();
            await servers.DisposeAsync();
            await contender.DisposeAsync();
        }
    }

    private static long Heap()
    {
        for (var i = 0; i < 3; i++)
        {
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
            GC.WaitForPendingFinalizers();
        }

        return GC.GetTotalMemory(forceFullCollection: true);
    }

    private static async Task WriteAsync(EngineContender contender, int count, Func<int, string> key, byte[] value)
    {
        var next = -1;
        var workers = Enumerable.Range(0, 64).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < count)
            {
                await contender.SetAsync(key(i), value);
            }
        }));
        await Task.WhenAll(workers);
    }

    /// <summary>Runs a write until it succeeds (at most 50 tries, 20 ms apart); returns how many attempts threw.</summary>
    private static async Task<long> RetryAsync(Func<ValueTask> write)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                await write();
                return attempt;
            }
            catch (Exception) when (attempt < 50)
            {
                await Clock.Delay(TimeSpan.FromMilliseconds(20));
            }
        }
    }

    private static List<TargetCheck> Judge(BenchSettings settings, FailbackFigures figures)
    {
        bool? Verdict(bool met) => settings.Quick ? null : met;
        var engine = figures.Contenders.Single(c => c.Contender == "engine");
        var group = figures.Contenders.Single(c => c.Contender == "group");
        var targets = new List<TargetCheck>
        {
            new("I1: engine 0 stale reads after failback", $"{engine.StaleReads}/{engine.OverwrittenKeys} (group {group.StaleReads}/{group.OverwrittenKeys})", engine.FailedBack ? engine.StaleReads == 0 : false),
            new("I2: engine 0 resurrected deletes after failback", $"{engine.ResurrectedDeletes}/{engine.DeletedKeys} (group {group.ResurrectedDeletes}/{group.DeletedKeys})", engine.FailedBack ? engine.ResurrectedDeletes == 0 : false),
            new("engine at least as good as the group on stale reads, resurrected deletes and errors", $"stale {engine.StaleReads} vs {group.StaleReads}; resurrected {engine.ResurrectedDeletes} vs {group.ResurrectedDeletes}; errors {engine.WriteErrorsWhileFailedOver + engine.ReadBackErrors} vs {group.WriteErrorsWhileFailedOver + group.ReadBackErrors}", engine.StaleReads <= group.StaleReads && engine.ResurrectedDeletes <= group.ResurrectedDeletes && engine.WriteErrorsWhileFailedOver + engine.ReadBackErrors <= group.WriteErrorsWhileFailedOver + group.ReadBackErrors),
        };
        var largest = figures.Invalidation.MaxBy(i => i.Keys)!;
        targets.Add(new TargetCheck($"invalidate 100k journaled keys in ≤ 1 s (measured: {largest.Keys} keys)", string.Create(CultureInfo.InvariantCulture, $"{largest.RecoveryCallMs:0.0} ms recovery call (engine reported {largest.EngineReportedMs:0.0} ms)"), Verdict(largest.Keys >= 100_000 && largest.RecoverySucceeded && largest.RecoveryCallMs <= 1000)));
        targets.Add(new TargetCheck($"journal memory ≤ 100 bytes per key ({largest.Keys} keys of {largest.KeyLength} chars)", string.Create(CultureInfo.InvariantCulture, $"{largest.BytesPerKey:0.0} B/key including the key string ({largest.BytesPerKeyExcludingKeyString:0.0} B excluding it)"), Verdict(largest.BytesPerKey <= 100)));
        return targets;
    }

    private static string Render(FailbackFigures figures, IReadOnlyList<TargetCheck> targets, IReadOnlyDictionary<string, string> contenders, IReadOnlyList<string> notes)
    {
        var markdown = new Markdown().Heading("failback: hung primary comes back, traffic returns to it, every key read back");
        markdown.Table(
            ["contender", "stale reads (I1)", "resurrected deletes (I2)", "overwritten keys read as v1 / miss", "errors while failed over", "read-back errors", "failover seen, ms after hang", "failback seen, ms after resume", "old values left on primary"],
            figures.Contenders.Select(c => (IReadOnlyList<string>)
            [
                c.Contender,
                $"{c.StaleReads}/{c.OverwrittenKeys}",
                $"{c.ResurrectedDeletes}/{c.DeletedKeys}",
                $"{c.FreshReads} / {c.MissReads}",
                c.WriteErrorsWhileFailedOver.ToString(CultureInfo.InvariantCulture),
                c.ReadBackErrors.ToString(CultureInfo.InvariantCulture),
                Markdown.F(c.FailoverSeenMs, "0"),
                c.FailedBack ? Markdown.F(c.FailbackSeenMs, "0") : "did not fail back",
                c.OldValuesLeftOnPrimary.ToString(CultureInfo.InvariantCulture),
            ]));
        markdown.Subheading("engine: journal invalidation on failback and memory per journaled key (the group keeps no journal)");
        markdown.Table(
            ["journaled keys", "recovery call, ms", "engine reported, ms", "keys reconciled", "keys left on primary", "bytes per key (incl. key string)", "bytes per key (excl. key string)"],
            figures.Invalidation.Select(i => (IReadOnlyList<string>)
            [
                i.JournaledKeys.ToString(CultureInfo.InvariantCulture),
                i.RecoverySucceeded ? Markdown.F(i.RecoveryCallMs) : "refused: " + i.RefusalReason,
                Markdown.F(i.EngineReportedMs),
                i.ReconciledKeys.ToString(CultureInfo.InvariantCulture),
                i.KeysLeftOnPrimary.ToString(CultureInfo.InvariantCulture),
                Markdown.F(i.BytesPerKey),
                Markdown.F(i.BytesPerKeyExcludingKeyString),
            ]));
        markdown.Subheading("targets");
        markdown.Targets(targets);
        markdown.Subheading("how each contender was configured");
        markdown.Bullets(contenders.Values);
        markdown.Bullets(notes);
        return markdown.ToString();
    }

    /// <summary>Reads the tagged key through the contender every few milliseconds: who answers it is who serves.</summary>
    private sealed class TagPoller : IAsyncDisposable
    {
        private readonly IContender _contender;
        private readonly Task _loop;
        private readonly CancellationTokenSource _stop = new();
        private long _errors;
        private byte _lastTag;
        private long _lastAt;

        public TagPoller(IContender contender)
        {
            _contender = contender;
            _loop = Task.Run(RunAsync);
        }

        public long Errors => Interlocked.Read(ref _errors);

        /// <summary>Milliseconds from <paramref name="since"/> until a read answered with <paramref name="tag"/>; NaN on timeout.</summary>
        public async Task<double> WaitForAsync(byte tag, long since, TimeSpan timeout)
        {
            var deadline = since + Clock.Ticks(timeout);
            while (Clock.Now < deadline)
            {
                var at = Interlocked.Read(ref _lastAt);
                if (Volatile.Read(ref _lastTag) == tag && at >= since)
                {
                    return Clock.Ms(at - since);
                }

                await Clock.Delay(TimeSpan.FromMilliseconds(2));
            }

            return double.NaN;
        }

        public async Task StopAsync()
        {
            if (!_stop.IsCancellationRequested)
            {
                await _stop.CancelAsync();
            }

            await _loop;
        }

        public async ValueTask DisposeAsync()
        {
            await StopAsync();
            _stop.Dispose();
        }

        private async Task RunAsync()
        {
            while (!_stop.IsCancellationRequested)
            {
                try
                {
                    var value = await _contender.GetAsync(TagKey);
                    var tag = value is { Length: > 0 } ? value[0] : (byte)0;
                    if (tag != Volatile.Read(ref _lastTag))
                    {
                        Interlocked.Exchange(ref _lastAt, Clock.Now);
                        Volatile.Write(ref _lastTag, tag);
                    }
                }
                catch (Exception)
                {
                    Interlocked.Increment(ref _errors);
                }

                try
                {
                    await Clock.Delay(TimeSpan.FromMilliseconds(5), _stop.Token);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }
}
