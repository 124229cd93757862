using System.Diagnostics;
using System.Globalization;

namespace CacheFailover.Bench.Infrastructure;

/// <summary>Progress lines on stderr, stamped with the seconds since start; stdout carries only the tables.</summary>
internal static class Progress
{
    private static readonly long Started = Stopwatch.GetTimestamp();

    public static void Line(string message)
    {
        var elapsed = Stopwatch.GetElapsedTime(Started).TotalSeconds;
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"[{elapsed,7:0.0}s] {message}"));
    }
}
