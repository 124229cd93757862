using CacheFailover.Core.Tests.Engine;
using CacheFailover.Engine;
using CacheFailover.Options;

namespace CacheFailover.Core.Tests.Options;

public class FailoverOptionsTests
{
    [Fact]
    public void Defaults_AreTheDesignDefaults()
    {
        var options = new FailoverOptions();

        Assert.True(options.EnableFailover);
        Assert.Equal(30, options.HealthCheckIntervalSeconds);
        Assert.Equal(10, options.HealthCheckTimeoutSeconds);
        Assert.Equal(3, options.FailureThreshold);
        Assert.Equal(5, options.RecoveryThreshold);
        Assert.Equal(5000, options.TimeoutThresholdMs);
        Assert.Equal(0.5, options.PerformanceDegradationThreshold);
        Assert.True(options.AutoRecoveryEnabled);
        Assert.Equal(300, options.AutoRecoveryDelaySeconds);
        Assert.False(options.CascadeFailoverEnabled);
        Assert.Equal(3, options.MaxFailoverAttempts);
        Assert.Equal(1_000_000, options.JournalCapacity);
        Assert.Equal(1000, options.InvalidationBatchSize);
        Assert.Equal(256, options.HealthWindowSize);
        Assert.Equal(20, options.DegradationMinimumSamples);
        Assert.Equal(5, options.DegradationMinimumDeltaMs);
        Assert.Equal(500, options.DegradationSustainMs);
        Assert.Equal(5, options.RetryBaseDelayMs);
        Assert.Equal(1000, options.EventHistoryCapacity);
        Assert.Equal(3600, options.MaxHoldDownSeconds);
        Assert.Empty(FailoverOptionsValidator.Validate(options));
    }

    [Fact]
    public void Validate_FastDetectionValues_AreAllowed()
    {
        var options = new FailoverOptions { TimeoutThresholdMs = 10, HealthCheckIntervalSeconds = 0.1, HealthCheckTimeoutSeconds = 0.1 };

        Assert.Empty(FailoverOptionsValidator.Validate(options));
    }

    public static TheoryData<FailoverOptions, string> InvalidOptions => new()
    {
        { new FailoverOptions { HealthCheckIntervalSeconds = 3601 }, "health_check_interval_seconds must be between 0.1 and 3600 (got 3601)." },
        { new FailoverOptions { HealthCheckIntervalSeconds = double.NaN }, "health_check_interval_seconds must be between 0.1 and 3600 (got NaN)." },
        { new FailoverOptions { HealthCheckTimeoutSeconds = 0 }, "health_check_timeout_seconds must be between 0.1 and 300 (got 0)." },
        { new FailoverOptions { FailureThreshold = 0 }, "failure_threshold must be an integer between 1 and 100 (got 0)." },
        { new FailoverOptions { RecoveryThreshold = 101 }, "recovery_threshold must be an integer between 1 and 100 (got 101)." },
        { new FailoverOptions { TimeoutThresholdMs = 9 }, "timeout_threshold_ms must be an integer between 10 and 60000 (got 9)." },
        { new FailoverOptions { PerformanceDegradationThreshold = 0.01 }, "performance_degradation_threshold must be between 0.05 and 10 (got 0.01)." },
        { new FailoverOptions { AutoRecoveryDelaySeconds = -1 }, "auto_recovery_delay_seconds must be between 0 and 86400 (got -1)." },
        { new FailoverOptions { MaxFailoverAttempts = 11 }, "max_failover_attempts must be an integer between 1 and 10 (got 11)." },
        { new FailoverOptions { JournalCapacity = 0 }, "journal_capacity must be an integer between 1 and 100000000 (got 0)." },
        { new FailoverOptions { HealthCheckIntervalSeconds = 5, HealthCheckTimeoutSeconds = 10 }, "health_check_timeout_seconds (10) must not exceed health_check_interval_seconds (5): a probe has to finish before the next one starts." },
    };

    [Theory]
    [MemberData(nameof(InvalidOptions))]
    public void Validate_InvalidValue_NamesOptionValueAndRange(FailoverOptions options, string expected)
    {
        var problems = FailoverOptionsValidator.Validate(options);

        Assert.Equal([expected], problems);
    }

    [Fact]
    public void Validate_SeveralInvalidValues_ListsEveryProblem()
    {
        var options = new FailoverOptions { FailureThreshold = 0, TimeoutThresholdMs = 1, MaxFailoverAttempts = 0 };

        var ex = Assert.Throws<InvalidFailoverOptionsException>(() => FailoverOptionsValidator.ThrowIfInvalid(options));

        Assert.Equal(3, ex.Problems.Count);
        Assert.Contains("failure_threshold", ex.Message, StringComparison.Ordinal);
        Assert.Contains("timeout_threshold_ms", ex.Message, StringComparison.Ordinal);
        Assert.Contains("max_failover_attempts", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Constructor_InvalidOptions_Throws()
    {
        var ex = Assert.Throws<InvalidFailoverOptionsException>(() => new EngineHarness(new FailoverOptions { FailureThreshold = -1 }));
        Assert.Contains("failure_threshold", ex.Message, StringComparison.Ordinal);
        await Task.CompletedTask;
    }

    [Fact]
    public async Task UpdateOptions_ValidChange_AppliesAndReportsEachChange()
    {
        await using var harness = new EngineHarness();

        var result = harness.Engine.UpdateOptions(o => o with { FailureThreshold = 7, CascadeFailoverEnabled = true });

        Assert.True(result.Applied);
        Assert.Equal(7, harness.Engine.Options.FailureThreshold);
        Assert.True(harness.Engine.Options.CascadeFailoverEnabled);
        Assert.Collection(
            result.Changes,
            c => Assert.Equal(new OptionChange("failure_threshold", 3, 7), c),
            c => Assert.Equal(new OptionChange("cascade_failover_enabled", false, true), c));
    }

    [Fact]
    public async Task UpdateOptions_OneInvalidField_ChangesNothing()
    {
        await using var harness = new EngineHarness();
        var before = harness.Engine.Options;

        var ex = Assert.Throws<InvalidFailoverOptionsException>(() =>
            harness.Engine.UpdateOptions(o => o with { FailureThreshold = 9, RecoveryThreshold = 0 }));

        Assert.Equal(["recovery_threshold must be an integer between 1 and 100 (got 0)."], ex.Problems);
        Assert.Same(before, harness.Engine.Options);
        Assert.Equal(3, harness.Engine.Options.FailureThreshold);
    }

    [Fact]
    public async Task UpdateOptions_StartupOnlySetting_IsRejected()
    {
        await using var harness = new EngineHarness();

        var ex = Assert.Throws<InvalidFailoverOptionsException>(() => harness.Engine.UpdateOptions(o => o with { HealthWindowSize = 512 }));

        Assert.Contains("health_window_size can only be set at start-up.", ex.Problems);
    }
}
