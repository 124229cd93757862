using CacheFailover.Testing.Topologies;
using CacheFailoverMcp.Tests.Docs;

namespace CacheFailoverMcp.Tests.Process;

/// <summary>The README's one-session example is reproducible: its script, run against the built server, prints what the README shows.</summary>
[Collection(ProcessTestGroup.Name)]
public sealed class ReadmeSessionTests
{
    [Fact]
    public async Task HttpSessionScript_PrintsTheReadmesCallsAndOutcomes()
    {
        var output = await ExternalTool.RunAsync("bash", ["samples/http-session.sh", ServerExecutable.Command, .. ServerExecutable.Arguments()], TimeSpan.FromSeconds(120), RepositoryFiles.Root);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var readme = File.ReadAllText(Path.Combine(RepositoryFiles.Root, "README.md"));

        // The same calls, in the same order, as the README's transcript.
        var callLines = Enumerable.Range(0, lines.Length).Where(i => lines[i].StartsWith("> ", StringComparison.Ordinal)).ToList();
        Assert.Equal(7, callLines.Count);
        Assert.All(callLines, i => Assert.Contains(lines[i] + "\n", readme, StringComparison.Ordinal));
        string After(int call) => lines[callLines[call] + 1];

        Assert.Contains("\"served_by\":\"primary\",\"epoch\":0", After(0), StringComparison.Ordinal);
        Assert.Contains("\"to_service_id\":\"backup-1\",\"epoch\":1", After(1), StringComparison.Ordinal);
        Assert.Contains("\"found\":false,\"value\":null,\"served_by\":\"backup-1\"", After(2), StringComparison.Ordinal);
        Assert.Contains("\"served_by\":\"backup-1\",\"epoch\":1", After(3), StringComparison.Ordinal);
        Assert.Contains("\"reconciled_keys\":1,\"flushed\":false,\"epoch\":2", After(4), StringComparison.Ordinal);
        // No stale read after failing back: cart=3 from before the failover was invalidated on the primary.
        Assert.Equal("{\"key\":\"session:42\",\"found\":false,\"value\":null,\"served_by\":\"primary\",\"epoch\":2}", After(5));
        Assert.StartsWith("{\"count\":2,", After(6), StringComparison.Ordinal);
    }
}
