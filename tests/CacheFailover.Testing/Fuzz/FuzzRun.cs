using System.Diagnostics;
using System.Globalization;
using CsCheck;

namespace CacheFailover.Testing.Fuzz;

/// <summary>
/// Runs a property over cases drawn from a CsCheck generator, deterministically: case <c>i</c> is
/// generated from its own PCG seeded with <c>seed + i</c>, so a CI run is the same every time and a
/// failing case is replayed alone from the seed its failure names. CsCheck's own <c>Sample</c> seeds
/// only the first case and draws the rest from the clock, which a CI run must not do.
/// </summary>
/// <remarks>
/// Environment: <see cref="IterationsVariable"/> (cases per property; CI uses each test's quick
/// count), <see cref="SeedVariable"/> (another base seed, for a long run over new cases) and
/// <see cref="CaseVariable"/> (replay one reported case).
/// </remarks>
public static class FuzzRun
{
    /// <summary>Cases per property, instead of the test's quick count: <c>CACHEFAILOVER_FUZZ_ITERATIONS=200000</c> for a long run.</summary>
    public const string IterationsVariable = "CACHEFAILOVER_FUZZ_ITERATIONS";

    /// <summary>The base seed (decimal or 0x-hex); the default is <see cref="DefaultSeed"/>.</summary>
    public const string SeedVariable = "CACHEFAILOVER_FUZZ_SEED";

    /// <summary>Runs only the case with this seed (as a failure reports it).</summary>
    public const string CaseVariable = "CACHEFAILOVER_FUZZ_CASE";

    /// <summary>The seed CI runs with.</summary>
    public const ulong DefaultSeed = 0x15F0_2215;

    /// <summary>Runs <paramref name="property"/> on each case; a case that throws or outlasts <paramref name="caseLimit"/> fails the run, naming its seed.</summary>
    public static FuzzSummary Check<T>(Gen<T> gen, int quickIterations, TimeSpan caseLimit, Action<T> property, Func<T, string> describe)
    {
        ArgumentNullException.ThrowIfNull(property);
        return CheckAsync(gen, quickIterations, caseLimit, value => Task.Run(() => property(value)), describe).GetAwaiter().GetResult();
    }

    /// <inheritdoc cref="Check{T}"/>
    public static async Task<FuzzSummary> CheckAsync<T>(Gen<T> gen, int quickIterations, TimeSpan caseLimit, Func<T, Task> property, Func<T, string> describe)
    {
        ArgumentNullException.ThrowIfNull(gen);
        ArgumentNullException.ThrowIfNull(property);
        ArgumentNullException.ThrowIfNull(describe);
        var seeds = CaseSeeds(quickIterations);
        var slowest = TimeSpan.Zero;
        for (var i = 0; i < seeds.Count; i++)
        {
            var seed = seeds[i];
            var value = gen.Generate(new PCG(1, seed), null, out _);
            var started = Stopwatch.GetTimestamp();
            try
            {
                // A case that never ends is a hang: it fails the run instead of stalling it.
                await property(value).WaitAsync(caseLimit).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                throw new FuzzCaseFailedException($"fuzz case {i + 1} of {seeds.Count} did not finish within {caseLimit.TotalSeconds:0.#} s (a hang); replay it with {CaseVariable}=0x{seed:X}: {Shorten(describe(value))}");
            }
            catch (Exception ex) when (ex is not FuzzCaseFailedException)
            {
                throw new FuzzCaseFailedException($"fuzz case {i + 1} of {seeds.Count} failed; replay it with {CaseVariable}=0x{seed:X}: {Shorten(describe(value))}\n{ex.GetType().Name}: {ex.Message}", ex);
            }

            var elapsed = Stopwatch.GetElapsedTime(started);
            if (elapsed > slowest)
            {
                slowest = elapsed;
            }
        }

        return new FuzzSummary(seeds.Count, seeds.Count == 1 ? seeds[0] : BaseSeed(), slowest);
    }

    private static List<ulong> CaseSeeds(int quickIterations)
    {
        if (Environment.GetEnvironmentVariable(CaseVariable) is { Length: > 0 } replay)
        {
            return [ParseSeed(replay, CaseVariable)];
        }

        var iterations = quickIterations;
        if (Environment.GetEnvironmentVariable(IterationsVariable) is { Length: > 0 } text)
        {
            iterations = int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0
                ? n
                : throw new InvalidOperationException($"{IterationsVariable} must be a whole number of cases above 0 (got '{text}')");
        }

        var seed = BaseSeed();
        return [.. Enumerable.Range(0, iterations).Select(i => seed + (ulong)i)];
    }

    private static ulong BaseSeed() => Environment.GetEnvironmentVariable(SeedVariable) is { Length: > 0 } text ? ParseSeed(text, SeedVariable) : DefaultSeed;

    private static ulong ParseSeed(string text, string variable)
    {
        var hex = text.StartsWith("0x", StringComparison.OrdinalIgnoreCase);
        return ulong.TryParse(hex ? text[2..] : text, hex ? NumberStyles.AllowHexSpecifier : NumberStyles.None, CultureInfo.InvariantCulture, out var seed)
            ? seed
            : throw new InvalidOperationException($"{variable} must be a decimal or 0x-hex 64-bit number (got '{text}')");
    }

    // A failing case may be megabytes; the seed replays it whole.
    private static string Shorten(string text) => text.Length <= 2000 ? text : string.Concat(text.AsSpan(0, 2000), $"… ({text.Length} characters)");
}

/// <summary>What a fuzz run covered: cases, the base seed (or the replayed case's) and the slowest case.</summary>
public sealed record FuzzSummary(int Cases, ulong Seed, TimeSpan Slowest)
{
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Cases} cases from seed 0x{Seed:X}, slowest {Slowest.TotalMilliseconds:0.0} ms, 0 failures");
}

/// <summary>A fuzz case failed: the message names its seed and shows the case.</summary>
public sealed class FuzzCaseFailedException : Exception
{
    public FuzzCaseFailedException()
    {
    }

    public FuzzCaseFailedException(string message)
        : base(message)
    {
    }

    public FuzzCaseFailedException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
