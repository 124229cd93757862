using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Loggers;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using CacheFailover.Backends;
using CacheFailover.Bench.Infrastructure;
using CacheFailover.Engine;
using CacheFailover.Services;

namespace CacheFailover.Bench.Suites;

/// <summary>
/// The engine's routing and bookkeeping on its own: a GET and a SET through the engine over the
/// in-memory backend against the same call on that backend directly. The difference is what the
/// engine adds per operation (deadline check, health window, metrics, degradation check).
/// </summary>
[MemoryDiagnoser]
#pragma warning disable CA1001 // BenchmarkDotNet owns the lifetime: [GlobalCleanup] disposes the engine.
public class EngineRoutingBenchmarks
#pragma warning restore CA1001
{
    private const string Key = "micro:key";
    private readonly byte[] _value = new byte[100];
    private InMemoryCacheBackend _backend = null!;
    private FailoverEngine _engine = null!;

    [GlobalSetup]
    public void Setup()
    {
        _backend = new InMemoryCacheBackend("direct");
        _engine = new FailoverEngine(
            new CacheServiceRegistration("primary", new InMemoryCacheBackend("primary")),
            [new CacheServiceRegistration("backup", new InMemoryCacheBackend("backup"))]);
        Wait(_backend.SetAsync(Key, _value));
        Wait(_engine.SetAsync(Key, _value));
    }

    [GlobalCleanup]
    public void Cleanup() => _engine.DisposeAsync().AsTask().GetAwaiter().GetResult();

    [Benchmark]
    [BenchmarkCategory("get")]
    public byte[]? BackendGet() => Wait(_backend.GetAsync(Key));

    [Benchmark]
    [BenchmarkCategory("get")]
    public byte[]? EngineGet() => Wait(_engine.GetAsync(Key));

    [Benchmark]
    [BenchmarkCategory("set")]
    public void BackendSet() => Wait(_backend.SetAsync(Key, _value));

    [Benchmark]
    [BenchmarkCategory("set")]
    public void EngineSet() => Wait(_engine.SetAsync(Key, _value));

    // The in-memory backend completes synchronously; anything else would be a bug worth seeing as a slow figure.
    private static T Wait<T>(ValueTask<T> pending) => pending.IsCompletedSuccessfully ? pending.Result : pending.AsTask().GetAwaiter().GetResult();

    private static void Wait(ValueTask pending)
    {
        if (!pending.IsCompletedSuccessfully)
        {
            pending.AsTask().GetAwaiter().GetResult();
        }
    }
}

/// <summary>ns/op and bytes/op of one micro benchmark.</summary>
internal sealed record MicroFigure(string Method, double NanosecondsPerOp, double NanosecondsStdDev, long BytesPerOp);

/// <summary>The micro benchmark's figures and the engine's additions.</summary>
internal sealed record MicroFigures(string Job, IReadOnlyList<MicroFigure> Benchmarks, double GetAddedNs, long GetAddedBytes, double SetAddedNs, long SetAddedBytes);

internal static class MicroBenchmarks
{
    public static MicroFigures Run(BenchSettings settings)
    {
        // In-process: no child project to generate and build, so it also runs from a Debug build and in CI.
        var job = settings.Quick
            ? Job.Dry.WithToolchain(InProcessEmitToolchain.Instance).WithId("dry")
            : Job.Default.WithToolchain(InProcessEmitToolchain.Instance).WithWarmupCount(5).WithIterationCount(15).WithIterationTime(Perfolizer.Horology.TimeInterval.FromMilliseconds(250)).WithId("inprocess-15x250ms");
        var config = ManualConfig.CreateEmpty()
            .AddJob(job)
            .AddDiagnoser(MemoryDiagnoser.Default)
            .AddLogger(new StderrLogger())
            .AddColumnProvider(DefaultColumnProviders.Instance)
            .WithArtifactsPath(Path.Combine(Path.GetTempPath(), "cachefailover-bench-bdn"))
            .WithOptions(ConfigOptions.DisableOptimizationsValidator | ConfigOptions.DisableLogFile);
        Progress.Line($"overhead: BenchmarkDotNet micro benchmark ({job.Id})");
        var summary = BenchmarkRunner.Run<EngineRoutingBenchmarks>(config);
        var figures = summary.Reports.Select(report => new MicroFigure(
            report.BenchmarkCase.Descriptor.WorkloadMethod.Name,
            report.ResultStatistics?.Mean ?? double.NaN,
            report.ResultStatistics?.StandardDeviation ?? double.NaN,
            report.GcStats.GetBytesAllocatedPerOperation(report.BenchmarkCase) ?? -1)).ToList();
        double Ns(string method) => figures.FirstOrDefault(f => f.Method == method)?.NanosecondsPerOp ?? double.NaN;
        long Bytes(string method) => figures.FirstOrDefault(f => f.Method == method)?.BytesPerOp ?? -1;
        return new MicroFigures(
            job.Id,
            figures,
            Ns(nameof(EngineRoutingBenchmarks.EngineGet)) - Ns(nameof(EngineRoutingBenchmarks.BackendGet)),
            Bytes(nameof(EngineRoutingBenchmarks.EngineGet)) - Bytes(nameof(EngineRoutingBenchmarks.BackendGet)),
            Ns(nameof(EngineRoutingBenchmarks.EngineSet)) - Ns(nameof(EngineRoutingBenchmarks.BackendSet)),
            Bytes(nameof(EngineRoutingBenchmarks.EngineSet)) - Bytes(nameof(EngineRoutingBenchmarks.BackendSet)));
    }

    /// <summary>BenchmarkDotNet's own log, sent to stderr so stdout carries only the suite tables.</summary>
    private sealed class StderrLogger : ILogger
    {
        public string Id => "stderr";

        public int Priority => 0;

        public void Write(LogKind logKind, string text) => Console.Error.Write(text);

        public void WriteLine() => Console.Error.WriteLine();

        public void WriteLine(LogKind logKind, string text) => Console.Error.WriteLine(text);

        public void Flush() => Console.Error.Flush();
    }
}
