using CacheFailover.Resp.Commands;

namespace CacheFailover.Resp.Tests.Commands;

public class RespDocsTests
{
    [Fact]
    public void DocsRespMd_ListsExactlyTheCommandTable()
    {
        var path = Path.Combine(RepositoryRoot(), "docs", "resp.md");
        var docs = File.ReadAllText(path).ReplaceLineEndings("\n");
        var expected = RespCommandDocs.Markdown(new RespCommandTable());
        var start = docs.IndexOf(RespCommandDocs.Begin, StringComparison.Ordinal);
        var end = docs.IndexOf(RespCommandDocs.End, StringComparison.Ordinal);
        Assert.True(start >= 0 && end > start, $"docs/resp.md has no generated command table between '{RespCommandDocs.Begin}' and '{RespCommandDocs.End}'.");
        var actual = docs[start..(end + RespCommandDocs.End.Length + 1)];

        if (actual != expected && Environment.GetEnvironmentVariable("CACHEFAILOVER_WRITE_DOCS") == "1")
        {
            // Regenerate on request: CACHEFAILOVER_WRITE_DOCS=1 dotnet test --filter DocsRespMd
            File.WriteAllText(path, docs.Replace(actual, expected, StringComparison.Ordinal));
            return;
        }

        Assert.Equal(expected, actual);
    }

    private static string RepositoryRoot()
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
