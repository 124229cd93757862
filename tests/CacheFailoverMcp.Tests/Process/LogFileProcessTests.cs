using CacheFailover.Testing;

namespace CacheFailoverMcp.Tests.Process;

/// <summary>--log-file on the built executable: the lines land in the rolling file as well as on stderr, never on stdout.</summary>
[Collection(ProcessTestGroup.Name)]
public sealed class LogFileProcessTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task LogFile_StdioServer_WritesTheSameRedactedLinesToTheFileAndStderr()
    {
        var directory = Directory.CreateTempSubdirectory("cachefailover-logfile-").FullName;
        try
        {
            await using (var server = ServerProcess.Start(
                "--log-file", Path.Combine(directory, "server.log"),
                "--primary", "redis://:Hunter2-LogFile-Secret@127.0.0.1:1", "--backup", "memory://log-backup"))
            {
                await server.WaitForStderrAsync("Failover engine started", Timeout);
                var written = await RealTimePoll.UntilAsync(() => ReadLog(directory).Contains("Failover engine started", StringComparison.Ordinal), Timeout);

                Assert.True(written, $"the log file never got the start line; files: {string.Join(", ", Directory.EnumerateFiles(directory))}");
                Assert.Empty(server.StdoutLines);
                Assert.Contains("Failover engine started", server.Stderr, StringComparison.Ordinal);
            }

            // Rolled daily: server<yyyyMMdd>.log next to the path given.
            var file = Assert.Single(Directory.EnumerateFiles(directory));
            Assert.Matches(@"server\d{8}\.log$", file);
            var log = ReadLog(directory);
            Assert.Contains("redis://:***@127.0.0.1:1", log, StringComparison.Ordinal);
            Assert.DoesNotContain("Hunter2-LogFile-Secret", log, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task LogFile_InAMissingDirectory_StopsStartUpNamingIt()
    {
        var missing = Path.Combine(Path.GetTempPath(), "cachefailover-missing-" + Guid.NewGuid().ToString("N"));
        await using var server = ServerProcess.Start("--log-file", Path.Combine(missing, "server.log"));

        var exitCode = await server.WaitForExitAsync(Timeout);

        Assert.Equal(2, exitCode);
        Assert.Contains($"--log-file '{Path.Combine(missing, "server.log")}': the directory '{missing}' does not exist", server.Stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(missing));
    }

    /// <summary>Every log file's text, read while the server may still be writing it.</summary>
    private static string ReadLog(string directory) => string.Concat(Directory.EnumerateFiles(directory).Select(path =>
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }));
}
