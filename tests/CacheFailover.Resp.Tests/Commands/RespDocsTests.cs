using CacheFailover.Resp.Commands;
using CacheFailover.Resp.Tests.Support;

namespace CacheFailover.Resp.Tests.Commands;

public class RespDocsTests
{
    [Fact]
    public void DocsRespMd_ListsExactlyTheCommandTable()
    {
        var path = Path.Combine(RespDocsRoot.Repository, "docs", "resp.md");
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
}
