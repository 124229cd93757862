using System.Diagnostics;

namespace CacheFailover.Testing;

/// <summary>
/// Waiting on real processes (redis-servers, server executables, their connections): polls a
/// condition on the wall clock until it holds or a limit passes. Engine timing in tests uses
/// FakeTimeProvider instead; this is only for what a fake clock cannot drive.
/// </summary>
public static class RealTimePoll
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(5);

    /// <summary>True as soon as <paramref name="condition"/> holds; false when <paramref name="limit"/> passed first.</summary>
    public static Task<bool> UntilAsync(Func<bool> condition, TimeSpan limit) => UntilAsync(() => Task.FromResult(condition()), limit);

    /// <inheritdoc cref="UntilAsync(Func{bool}, TimeSpan)"/>
    public static async Task<bool> UntilAsync(Func<Task<bool>> condition, TimeSpan limit)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var started = Stopwatch.GetTimestamp();
        while (!await condition())
        {
            if (Stopwatch.GetElapsedTime(started) > limit)
            {
                return false;
            }

            await Task.Delay(Interval, TimeProvider.System); // waiting on real processes
        }

        return true;
    }
}
