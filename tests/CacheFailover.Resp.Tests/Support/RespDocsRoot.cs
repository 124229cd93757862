namespace CacheFailover.Resp.Tests.Support;

/// <summary>Where the repository is, found from the test output (for docs and the Node client's folder).</summary>
internal static class RespDocsRoot
{
    public static string Repository { get; } = Find();

    private static string Find()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "CacheFailoverMcp.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("The repository root (CacheFailoverMcp.sln) was not found above the test output.");
    }
}
