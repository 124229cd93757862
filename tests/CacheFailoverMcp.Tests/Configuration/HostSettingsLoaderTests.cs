using CacheFailover.Drills.Chaos;
using CacheFailoverMcp.Configuration;
using CacheFailoverMcp.Hosting;
using Serilog.Events;

namespace CacheFailoverMcp.Tests.Configuration;

public sealed class HostSettingsLoaderTests
{
    private static readonly Dictionary<string, string> NoEnvironment = [];

    private static SettingsLoadResult Load(string[] args, Dictionary<string, string>? environment = null, string? settingsFile = null)
        => HostSettingsLoader.Load(args, environment ?? NoEnvironment, settingsFile);

    [Fact]
    public void Load_NothingGiven_UsesTheEmbeddedInMemoryPairOverStdio()
    {
        var result = Load([]);

        Assert.Empty(result.Problems);
        Assert.False(result.ShowHelp);
        Assert.True(result.Settings.UsesEmbeddedDefault);
        Assert.Equal("memory://primary", result.Settings.PrimaryConnection);
        Assert.Equal(["memory://backup"], result.Settings.BackupConnections);
        Assert.Equal(McpTransportKind.Stdio, result.Settings.Transport);
        Assert.False(result.Settings.ReadOnly);
        Assert.Equal(["http://127.0.0.1:3001/"], result.Settings.Urls.Select(u => u.ToString()));
        Assert.True(result.Settings.BindsOnlyLoopback);
        Assert.Equal(["localhost", "127.0.0.1", "[::1]"], result.Settings.AllowedHosts);
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("-h")]
    [InlineData("-?")]
    public void Load_Help_AsksForHelpEvenWithOtherProblems(string flag)
    {
        var result = Load(["--bogus", flag]);

        Assert.True(result.ShowHelp);
    }

    [Fact]
    public void Load_CommandLineShortcuts_SetEverything()
    {
        var result = Load([
            "--primary", "redis://cache-a:6379", "--backup", "redis://cache-b:6379", "--backup=cache-c:6380,password=x",
            "--read-only", "--transport", "http", "--urls", "http://127.0.0.1:4000", "--legacy-sse", "--log-level", "debug",
            "--failure_threshold", "5", "--health-check-interval-seconds=2.5", "--health_check_timeout_seconds", "1", "--CacheFailover:AuditCapacity=7",
        ]);

        Assert.Empty(result.Problems);
        var settings = result.Settings;
        Assert.False(settings.UsesEmbeddedDefault);
        Assert.Equal("redis://cache-a:6379", settings.PrimaryConnection);
        Assert.Equal(["redis://cache-b:6379", "cache-c:6380,password=x"], settings.BackupConnections);
        Assert.True(settings.ReadOnly);
        Assert.Equal(McpTransportKind.Http, settings.Transport);
        Assert.Equal(4000, settings.Urls.Single().Port);
        Assert.True(settings.LegacySse);
        Assert.Equal(LogEventLevel.Debug, settings.LogLevel);
        Assert.Equal(5, settings.Failover.FailureThreshold);
        Assert.Equal(2.5, settings.Failover.HealthCheckIntervalSeconds);
        Assert.Equal(7, settings.AuditCapacity);
    }

    [Fact]
    public void Load_NothingGiven_LiveDrillsAreNotAllowed()
    {
        Assert.False(Load([]).Settings.AllowLiveDrills);
    }

    [Fact]
    public void Load_AllowLiveDrillsFlag_AllowsThem()
    {
        var result = Load(["--allow-live-drills"]);

        Assert.Empty(result.Problems);
        Assert.True(result.Settings.AllowLiveDrills);
    }

    [Theory]
    [InlineData("CACHEFAILOVER_ALLOW_LIVE_DRILLS", "true")]
    [InlineData("CACHEFAILOVER_ALLOW_LIVE_DRILLS", "1")]
    [InlineData("CacheFailover__AllowLiveDrills", "true")]
    public void Load_AllowLiveDrillsFromTheEnvironment_AllowsThem(string variable, string value)
    {
        var result = Load([], new Dictionary<string, string> { [variable] = value });

        Assert.Empty(result.Problems);
        Assert.True(result.Settings.AllowLiveDrills);
    }

    [Fact]
    public void Load_AllowLiveDrillsNotABoolean_IsAProblemNamingTheOption()
    {
        var result = Load(["--allow-live-drills=maybe"]);

        Assert.Equal(["--allow-live-drills must be true or false (got 'maybe')."], result.Problems);
        Assert.False(result.Settings.AllowLiveDrills);
    }

    [Fact]
    public void Load_EnvironmentShortcuts_SetServicesReadOnlyAndToken()
    {
        var result = Load([], new Dictionary<string, string>
        {
            ["CACHEFAILOVER_PRIMARY"] = "redis://a:6379",
            ["CACHEFAILOVER_BACKUPS"] = "redis://b:6379, b2:6380,password=p,ssl=true ,memory://m",
            ["CACHEFAILOVER_READ_ONLY"] = "true",
            ["CACHEFAILOVER_TRANSPORT"] = "http",
            ["CACHEFAILOVER_URLS"] = "http://0.0.0.0:3001",
            ["CACHEFAILOVER_AUTH_TOKEN"] = "0123456789abcdef0123",
            ["CacheFailover__Failover__recovery_threshold"] = "9",
        });

        Assert.Empty(result.Problems);
        Assert.Equal("redis://a:6379", result.Settings.PrimaryConnection);
        Assert.Equal(["redis://b:6379", "b2:6380,password=p,ssl=true", "memory://m"], result.Settings.BackupConnections);
        Assert.True(result.Settings.ReadOnly);
        Assert.Equal("0123456789abcdef0123", result.Settings.AuthToken);
        Assert.False(result.Settings.BindsOnlyLoopback);
        Assert.Equal(["*"], result.Settings.AllowedHosts);
        Assert.Equal(9, result.Settings.Failover.RecoveryThreshold);
    }

    [Fact]
    public void Load_CommandLineAndEnvironment_CommandLineWinsAndBackupListsAreNotMerged()
    {
        var result = Load(
            ["--primary", "memory://cli", "--backup", "memory://cli-backup", "--transport", "stdio"],
            new Dictionary<string, string>
            {
                ["CACHEFAILOVER_PRIMARY"] = "memory://env",
                ["CACHEFAILOVER_BACKUPS"] = "memory://env-1,memory://env-2",
                ["CACHEFAILOVER_TRANSPORT"] = "http",
            });

        Assert.Empty(result.Problems);
        Assert.Equal("memory://cli", result.Settings.PrimaryConnection);
        Assert.Equal(["memory://cli-backup"], result.Settings.BackupConnections);
        Assert.Equal(McpTransportKind.Stdio, result.Settings.Transport);
    }

    [Fact]
    public void Load_SettingsFile_IsTheLowestLayer()
    {
        var file = Path.Combine(Path.GetTempPath(), $"cachefailover-{Guid.NewGuid():N}.json");
        File.WriteAllText(file, """
            { "CacheFailover": { "Primary": "memory://file", "Backups": [ "memory://f1", "memory://f2" ], "Failover": { "failure_threshold": 4, "max_failover_attempts": 2 } } }
            """);
        try
        {
            var result = Load(["--max_failover_attempts", "5"], settingsFile: file);

            Assert.Empty(result.Problems);
            Assert.Equal("memory://file", result.Settings.PrimaryConnection);
            Assert.Equal(["memory://f1", "memory://f2"], result.Settings.BackupConnections);
            Assert.Equal(4, result.Settings.Failover.FailureThreshold);
            Assert.Equal(5, result.Settings.Failover.MaxFailoverAttempts);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void Load_ManyProblems_ListsEveryOne()
    {
        var result = Load([
            "--backup", "memory://b", "--transport", "http", "--urls", "http://0.0.0.0:3001;ftp://x", "--bogus", "stray",
            "--failure_threshold", "zero", "--recovery_threshold", "0", "--log-level", "loud", "--read-only=maybe", "--auth-token",
        ]);

        Assert.Equal(
            [
                "unknown option '--bogus'; run with --help for the list.",
                "unexpected argument 'stray': options start with '--'; run with --help for the list.",
                "--auth-token needs a value (--auth-token <value> or --auth-token=<value>).",
                "1 backup(s) given but no primary: set --primary or CACHEFAILOVER_PRIMARY (or give neither to use the embedded in-memory pair).",
                "--urls entry 'ftp://x' is not valid: use http://HOST:PORT or https://HOST:PORT with no path (e.g. http://127.0.0.1:3001).",
                "--read-only must be true or false (got 'maybe').",
                // Names what is allowed (the range) and, as 'zero' is no number, does not quote it back.
                "failure_threshold must be a whole number between 1 and 100 (got a value that is not shown: only numbers and true/false are quoted back).",
                "recovery_threshold must be an integer between 1 and 100 (got 0).",
                "--log-level must be one of verbose, debug, information, warning, error, fatal (got 'loud').",
                "--urls http://0.0.0.0:3001/ is not a loopback address, so HTTP clients must authenticate: set a bearer token with CACHEFAILOVER_AUTH_TOKEN or --auth-token-file PATH (at least 16 characters; --auth-token also works but is visible in ps), or bind 127.0.0.1.",
            ],
            result.Problems);
    }

    [Theory]
    [InlineData("http://127.0.0.1:3001", true)]
    [InlineData("http://localhost:3001", true)]
    [InlineData("http://[::1]:3001", true)]
    [InlineData("http://127.0.0.2:3001", true)]
    [InlineData("http://0.0.0.0:3001", false)]
    [InlineData("http://*:3001", false)]
    [InlineData("http://[::]:3001", false)]
    [InlineData("http://192.168.1.10:3001", false)]
    [InlineData("http://cache-admin.example:3001", false)]
    public void Load_HttpWithoutToken_RefusesEveryNonLoopbackBind(string url, bool loopback)
    {
        var result = Load(["--transport", "http", "--urls", url]);

        Assert.Equal(loopback, result.Problems.Count == 0);
        Assert.Equal(loopback, result.Settings.BindsOnlyLoopback);
    }

    [Fact]
    public void Load_ShortToken_IsAProblem()
    {
        var result = Load(["--transport", "http", "--auth-token", "short"]);

        Assert.Equal(["the auth token is too short (5 characters): use at least 16 random characters."], result.Problems);
    }

    [Fact]
    public void Load_UnknownFailoverOptionInSettings_NamesTheKnownOnes()
    {
        var result = Load([], new Dictionary<string, string> { ["CacheFailover__Failover__failure_treshold"] = "3" });

        var problem = Assert.Single(result.Problems);
        Assert.StartsWith("unknown failover option 'failure_treshold'; known options: enable_failover, health_check_interval_seconds", problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("a:1,b:2", new[] { "a:1", "b:2" })]
    [InlineData("a:1,password=x,b:2,password=y", new[] { "a:1,password=x", "b:2,password=y" })]
    [InlineData("redis://u:p@a:1,redis://b:2", new[] { "redis://u:p@a:1", "redis://b:2" })]
    [InlineData("s1:26379,s2:26379,serviceName=m; memory://x", new[] { "s1:26379,s2:26379,serviceName=m", "memory://x" })]
    public void SplitConnectionList_CommasAndSemicolons_KeepConfigurationStringsWhole(string text, string[] expected)
    {
        Assert.Equal(expected, HostSettingsLoader.SplitConnectionList(text));
    }

    [Fact]
    public async Task PrepareAsync_BadConnectionsAndBadOptions_OneMessageNamesEveryProblemWithoutSecrets()
    {
        var stderr = new StringWriter();

        var startup = await HostStartup.PrepareAsync(
            ["--primary", "redis://admin:hunter2secret@localhost:99999", "--backup", "gopher://old", "--failure_threshold", "0"],
            NoEnvironment,
            null,
            TextWriter.Null,
            stderr);

        Assert.Equal(2, startup.ExitCode);
        var text = stderr.ToString();
        Assert.StartsWith("CacheFailoverMcp cannot start: the configuration has 3 problems:", text, StringComparison.Ordinal);
        Assert.Contains("failure_threshold must be an integer between 1 and 100 (got 0).", text, StringComparison.Ordinal);
        Assert.Contains("--primary: ", text, StringComparison.Ordinal);
        Assert.Contains("--backup #1 (backup-1): 'gopher://old' is not a connection this server understands", text, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2secret", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PrepareAsync_Help_WritesUsageToStdoutAndExitsZero()
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();

        var startup = await HostStartup.PrepareAsync(["--help"], NoEnvironment, null, stdout, stderr);

        Assert.Equal(0, startup.ExitCode);
        Assert.Contains("--primary <connection>", stdout.ToString(), StringComparison.Ordinal);
        Assert.Contains("--failure_threshold <integer>", stdout.ToString(), StringComparison.Ordinal);
        Assert.Empty(stderr.ToString());
    }

    [Fact]
    public async Task PrepareAsync_VersionWithAnInvalidConfiguration_PrintsTheVersionAndExitsZero()
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();

        var startup = await HostStartup.PrepareAsync(["--failure_threshold", "0", "--version"], NoEnvironment, null, stdout, stderr);

        Assert.Equal(0, startup.ExitCode);
        Assert.Equal($"CacheFailoverMcp {ProductVersion.Text}\n", stdout.ToString());
        Assert.Empty(stderr.ToString());
    }

    [Theory]
    [InlineData("true", true)]
    [InlineData("false", false)]
    public void Load_SwitchFollowedByTrueOrFalse_TakesTheWordAsItsValue(string word, bool expected)
    {
        var result = Load(["--read-only", word, "--legacy-sse", word]);

        Assert.Empty(result.Problems);
        Assert.Equal(expected, result.Settings.ReadOnly);
        Assert.Equal(expected, result.Settings.LegacySse);
    }

    [Fact]
    public void Load_AuditCapacityOutOfRange_NamesTheOptionAndTheRange()
    {
        var result = Load(["--audit-capacity", "0"]);

        Assert.Equal(["--audit-capacity (CacheFailover:AuditCapacity) must be a whole number between 1 and 100000 (got '0')."], result.Problems);
    }

    [Fact]
    public void Load_EveryEnvironmentShortcutOfTheCatalog_SetsItsConfigurationKey()
    {
        var environment = new Dictionary<string, string>
        {
            [EnvironmentShortcuts.ReadOnly] = "true",
            [EnvironmentShortcuts.AuditCapacity] = "42",
            [EnvironmentShortcuts.LogLevel] = "warning",
        };

        var result = Load([], environment);

        Assert.Empty(result.Problems);
        Assert.True(result.Settings.ReadOnly);
        Assert.Equal(42, result.Settings.AuditCapacity);
        Assert.Equal(LogEventLevel.Warning, result.Settings.LogLevel);
        Assert.All(HostOptionCatalog.All.Where(o => !o.Repeatable), o => Assert.Equal(o.ConfigurationKey, EnvironmentShortcuts.Scalars[o.Environment]));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task PrepareAsync_AllowLiveDrills_DecidesWhetherTheBackendsAreWrappedForFaultInjection(bool allow)
    {
        var startup = await HostStartup.PrepareAsync(allow ? ["--allow-live-drills"] : [], NoEnvironment, null, TextWriter.Null, new StringWriter());
        await using var topology = startup.Topology;

        Assert.Null(startup.ExitCode);
        Assert.Equal(allow, startup.Settings.AllowLiveDrills);
        Assert.Equal(allow, startup.Provisioner.FaultInjection);
        Assert.Equal(allow, startup.Topology.Primary is FaultInjectingBackend);
        Assert.All(startup.Topology.Backups, b => Assert.Equal(allow, b.Backend is FaultInjectingBackend));
        await startup.Logger.DisposeAsync();
    }

    [Theory]
    [InlineData("--urls", "http://u:s3cretPW@127.0.0.1:3001/p")]
    [InlineData("--transport", "redis://u:s3cretPW@x")]
    [InlineData("--log-level", "s3cretPW")]
    [InlineData("--read-only=s3cretPW", null)]
    [InlineData("--auth-token", "--s3cretPWtoken1234567")]
    [InlineData("-auth-token", "MySecretToken12345s3cretPW")]
    public void Load_SecretInAMisplacedOrInvalidValue_IsNeverEchoed(string first, string? second)
    {
        var result = Load(second is null ? [first] : [first, second]);

        Assert.NotEmpty(result.Problems);
        Assert.All(result.Problems, p => Assert.DoesNotContain("s3cretPW", p, StringComparison.Ordinal));
    }

    [Fact]
    public void Load_BackupSameAsPrimary_IsAProblemNamingBoth()
    {
        var result = Load(["--primary", "memory://primary", "--backup", "memory://other", "--backup", "memory://primary"]);

        var problem = Assert.Single(result.Problems);
        Assert.Contains("--backup #2 (backup-2) 'memory://primary' is the same endpoint as --primary 'memory://primary'", problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--failure_threshold", "redis://:S3CRETpw@h", "failure_threshold must be a whole number between 1 and 100")]
    [InlineData("--enable_failover", "S3CRETpw", "enable_failover must be true or false")]
    [InlineData("--health-check-interval-seconds=S3CRETpw", null, "health_check_interval_seconds must be a number between 0.1 and 3600")]
    [InlineData("--max_failover_attempts", "correcthorseS3CRETpw", "max_failover_attempts must be a whole number between 1 and 10")]
    public void Load_SecretGivenAsAFailoverOptionOnTheCommandLine_IsNamedButNeverEchoed(string first, string? second, string expected)
    {
        var result = Load(second is null ? [first] : [first, second]);

        var problem = Assert.Single(result.Problems);
        Assert.DoesNotContain("S3CRETpw", problem, StringComparison.Ordinal);
        Assert.StartsWith(expected, problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_SecretGivenAsAFailoverOptionInTheEnvironment_IsNamedButNeverEchoed()
    {
        var result = Load([], new Dictionary<string, string> { ["CacheFailover__Failover__failure_threshold"] = "hunter2Pass" });

        var problem = Assert.Single(result.Problems);
        Assert.DoesNotContain("hunter2Pass", problem, StringComparison.Ordinal);
        Assert.StartsWith("failure_threshold must be a whole number between 1 and 100", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_AllLettersWordForANumericOption_IsNotEchoedEither()
    {
        // A password can be letters only: for an option that takes a number or true/false, only
        // text that looks like one is quoted back.
        var result = Load(["--failure_threshold", "hunterpass"]);

        Assert.Equal(["failure_threshold must be a whole number between 1 and 100 (got a value that is not shown: only numbers and true/false are quoted back)."], result.Problems);
    }

    [Theory]
    [InlineData("--failure_threshold", "2.5", "failure_threshold must be a whole number between 1 and 100 (got '2.5').")]
    [InlineData("--health_check_interval_seconds", "2,5", "health_check_interval_seconds must be a number between 0.1 and 3600 (use '.' for decimals) (got '2,5').")]
    [InlineData("--enable_failover", "yes", "enable_failover must be true or false (got 'yes').")]
    public void Load_MistypedNumberOrSwitch_IsQuotedBackWithWhatIsAllowed(string option, string value, string expected)
    {
        var result = Load([option, value]);

        Assert.Equal([expected], result.Problems);
    }
}
