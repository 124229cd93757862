using CacheFailoverMcp.Configuration;

namespace CacheFailoverMcp.Tests.Configuration;

/// <summary>--otlp-endpoint, the OTEL_* variables and --log-file as the settings loader reads them.</summary>
public sealed class MonitoringSettingsTests
{
    private static SettingsLoadResult Load(string[] args, Dictionary<string, string>? environment = null)
        => HostSettingsLoader.Load(args, environment ?? [], settingsFile: null);

    [Fact]
    public void Load_NothingGiven_ExportsNoOtlpAndLogsToStderrOnly()
    {
        var result = Load([], new() { ["OTEL_SERVICE_NAME"] = "only-a-name" });

        Assert.Empty(result.Problems);
        Assert.False(result.Settings.ExportsOtlp);
        Assert.Null(result.Settings.OtlpEndpoint);
        Assert.Null(result.Settings.LogFile);
        Assert.Equal("only-a-name", result.Settings.OpenTelemetryEnvironment["OTEL_SERVICE_NAME"]);
    }

    [Theory]
    [InlineData("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318")]
    [InlineData("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", "http://collector:4318/v1/metrics")]
    [InlineData("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf")]
    public void Load_AnyOtlpExporterVariable_SwitchesOtlpOn(string variable, string value)
    {
        var result = Load([], new() { [variable] = value });

        Assert.Empty(result.Problems);
        Assert.True(result.Settings.ExportsOtlp);
        Assert.Equal(value, result.Settings.OpenTelemetryEnvironment[variable]);
    }

    [Fact]
    public void Load_OtlpEndpointOptionOrShortcut_SwitchesOtlpOn()
    {
        var fromOption = Load(["--otlp-endpoint", "http://127.0.0.1:4317"]);
        var fromShortcut = Load([], new() { [EnvironmentShortcuts.OtlpEndpoint] = "https://otel.internal:4318" });

        Assert.Empty(fromOption.Problems);
        Assert.Equal(new Uri("http://127.0.0.1:4317"), fromOption.Settings.OtlpEndpoint);
        Assert.True(fromOption.Settings.ExportsOtlp);
        Assert.Equal(new Uri("https://otel.internal:4318"), fromShortcut.Settings.OtlpEndpoint);
    }

    [Theory]
    [InlineData("collector:4317")]
    [InlineData("ftp://collector:4317")]
    [InlineData("http://user:hunter2secret@collector:4318")]
    [InlineData("not a url")]
    public void Load_BadOtlpEndpoint_IsOneProblemNamingTheOptionAndWhatIsAllowed(string value)
    {
        var result = Load(["--otlp-endpoint", value]);

        var problem = Assert.Single(result.Problems);
        Assert.StartsWith("--otlp-endpoint '", problem, StringComparison.Ordinal);
        Assert.Contains("use http://HOST:PORT or https://HOST:PORT", problem, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2secret", problem, StringComparison.Ordinal);
        Assert.Null(result.Settings.OtlpEndpoint);
    }

    [Fact]
    public void Load_LogFileInAWritableDirectory_IsItsFullPath()
    {
        var directory = Directory.CreateTempSubdirectory("cachefailover-log-").FullName;
        try
        {
            var result = Load(["--log-file", Path.Combine(directory, "server.log")]);

            Assert.Empty(result.Problems);
            Assert.Equal(Path.Combine(directory, "server.log"), result.Settings.LogFile);
            // The writability check leaves nothing behind.
            Assert.Empty(Directory.EnumerateFileSystemEntries(directory));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void Load_LogFileInAMissingDirectory_IsAProblemNamingTheDirectory()
    {
        var missing = Path.Combine(Path.GetTempPath(), "cachefailover-no-such-dir-" + Guid.NewGuid().ToString("N"));

        var result = Load(["--log-file", Path.Combine(missing, "server.log")]);

        var problem = Assert.Single(result.Problems);
        Assert.Equal($"--log-file '{Path.Combine(missing, "server.log")}': the directory '{missing}' does not exist; create it first.", problem);
        Assert.Null(result.Settings.LogFile);
    }

    [Fact]
    public void Load_LogFileThatIsADirectory_IsAProblem()
    {
        var result = Load(["--log-file", Path.GetTempPath()]);

        var problem = Assert.Single(result.Problems);
        Assert.Contains("is a directory: give a file name in it", problem, StringComparison.Ordinal);
    }
}
