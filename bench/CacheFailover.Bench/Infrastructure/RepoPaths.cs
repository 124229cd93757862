namespace CacheFailover.Bench.Infrastructure;

/// <summary>Finds the repository (the directory with CacheFailoverMcp.sln) from the working directory or the binary.</summary>
internal static class RepoPaths
{
    /// <summary>The repository's root directory.</summary>
    public static string Root()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var directory = new DirectoryInfo(start); directory is not null; directory = directory.Parent)
            {
                if (File.Exists(Path.Combine(directory.FullName, "CacheFailoverMcp.sln")))
                {
                    return directory.FullName;
                }
            }
        }

        throw new InvalidOperationException("the repository (CacheFailoverMcp.sln) was not found above the working directory or the bench binary");
    }

    public static string ResultsDirectory()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var directory = new DirectoryInfo(start); directory is not null; directory = directory.Parent)
            {
                if (File.Exists(Path.Combine(directory.FullName, "CacheFailoverMcp.sln")))
                {
                    return Path.Combine(directory.FullName, "bench", "results");
                }
            }
        }

        return Path.Combine(Directory.GetCurrentDirectory(), "bench-results");
    }
}
