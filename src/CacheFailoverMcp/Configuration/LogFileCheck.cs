namespace CacheFailoverMcp.Configuration;

/// <summary>
/// Checks <c>--log-file</c> at start-up. Serilog's file sink reports a file it cannot open only to
/// its own self-log, so a typo would silently lose every line: the directory must exist and be
/// writable now, or start-up stops naming the problem.
/// </summary>
public static class LogFileCheck
{
    /// <summary>The full path of <paramref name="text"/>, or null (with a problem added) when it cannot be written.</summary>
    public static string? Read(string? text, List<string> problems)
    {
        ArgumentNullException.ThrowIfNull(problems);
        if (text is null)
        {
            return null;
        }

        string path;
        try
        {
            path = Path.GetFullPath(text);
        }
        catch (Exception ex) when (ex is ArgumentException or NotSupportedException or PathTooLongException)
        {
            problems.Add($"--log-file '{text}' is not a file path: {ex.Message}");
            return null;
        }

        if (Directory.Exists(path) || path.EndsWith(Path.DirectorySeparatorChar))
        {
            problems.Add($"--log-file '{path}' is a directory: give a file name in it, e.g. {Path.Combine(path, "cachefailover.log")}.");
            return null;
        }

        var directory = Path.GetDirectoryName(path)!;
        if (!Directory.Exists(directory))
        {
            problems.Add($"--log-file '{path}': the directory '{directory}' does not exist; create it first.");
            return null;
        }

        if (!CanCreateFileIn(directory, out var reason))
        {
            problems.Add($"--log-file '{path}': the directory '{directory}' is not writable by this process ({reason}).");
            return null;
        }

        return path;
    }

    private static bool CanCreateFileIn(string directory, out string reason)
    {
        // The rolling sink writes PATH-with-a-date, never PATH itself, so probe the directory with a
        // file of our own that is deleted when closed.
        var probe = Path.Combine(directory, $".cachefailover-log-check-{Environment.ProcessId}-{Guid.NewGuid():N}");
        try
        {
            using (new FileStream(probe, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose))
            {
            }

            reason = string.Empty;
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            reason = ex.Message;
            return false;
        }
    }
}
