using System.Globalization;
using System.Reflection;
using System.Text;
using CacheFailover.Core.Tests.Engine;
using CacheFailover.Options;

namespace CacheFailover.Core.Tests.Options;

public class FailoverOptionCatalogTests
{
    private static readonly PropertyInfo[] Properties = typeof(FailoverOptions).GetProperties(BindingFlags.Public | BindingFlags.Instance);

    /// <summary>The catalog's facts, pinned: wire name, type, default, minimum, maximum, runtime-changeable.</summary>
    public static readonly TheoryData<string, FailoverOptionType, string, double?, double?, bool> Pinned = new()
    {
        { "enable_failover", FailoverOptionType.Switch, "true", null, null, true },
        { "health_check_interval_seconds", FailoverOptionType.Number, "30", 0.1, 3600, true },
        { "health_check_timeout_seconds", FailoverOptionType.Number, "10", 0.1, 300, true },
        { "failure_threshold", FailoverOptionType.WholeNumber, "3", 1, 100, true },
        { "recovery_threshold", FailoverOptionType.WholeNumber, "5", 1, 100, true },
        { "timeout_threshold_ms", FailoverOptionType.WholeNumber, "5000", 10, 60000, true },
        { "performance_degradation_threshold", FailoverOptionType.Number, "0.5", 0.05, 10, true },
        { "auto_recovery_enabled", FailoverOptionType.Switch, "true", null, null, true },
        { "auto_recovery_delay_seconds", FailoverOptionType.Number, "300", 0, 86400, true },
        { "cascade_failover_enabled", FailoverOptionType.Switch, "false", null, null, true },
        { "max_failover_attempts", FailoverOptionType.WholeNumber, "3", 1, 10, true },
        { "journal_capacity", FailoverOptionType.WholeNumber, "1000000", 1, 100_000_000, true },
        { "invalidation_batch_size", FailoverOptionType.WholeNumber, "1000", 1, 100_000, true },
        { "health_window_size", FailoverOptionType.WholeNumber, "256", 16, 65536, false },
        { "degradation_minimum_samples", FailoverOptionType.WholeNumber, "20", 5, 10000, false },
        { "degradation_minimum_delta_ms", FailoverOptionType.Number, "5", 0, 10000, true },
        { "degradation_sustain_ms", FailoverOptionType.Number, "500", 0, 600_000, true },
        { "retry_base_delay_ms", FailoverOptionType.Number, "5", 0, 10000, true },
        { "event_history_capacity", FailoverOptionType.WholeNumber, "1000", 10, 100_000, true },
        { "max_hold_down_seconds", FailoverOptionType.Number, "3600", 0, 86400, true },
    };

    public static TheoryData<string> Names => [.. FailoverOptionCatalog.All.Select(d => d.Name)];

    public static TheoryData<string> RuntimeNames => [.. FailoverOptionCatalog.All.Where(d => d.RuntimeChangeable).Select(d => d.Name)];

    [Theory]
    [MemberData(nameof(Pinned))]
    public void Catalog_EveryOption_HasItsPinnedTypeDefaultRangeAndRuntimeDecision(string name, FailoverOptionType type, string defaultText, double? min, double? max, bool runtime)
    {
        var descriptor = FailoverOptionCatalog.Get(name);

        Assert.Equal(type, descriptor.Type);
        Assert.Equal(defaultText, descriptor.DefaultText);
        Assert.Equal(min, descriptor.Minimum);
        Assert.Equal(max, descriptor.Maximum);
        Assert.Equal(runtime, descriptor.RuntimeChangeable);
    }

    [Fact]
    public void Catalog_ListsExactlyThePinnedOptions_InDocumentationOrder()
    {
        Assert.Equal(Pinned.Select(row => (string)row[0]), FailoverOptionCatalog.All.Select(d => d.Name));
    }

    [Fact]
    public void Catalog_CoversEveryFailoverOptionsProperty_ExactlyOnce()
    {
        Assert.Equal(
            Properties.Select(p => p.Name).Order(StringComparer.Ordinal),
            FailoverOptionCatalog.All.Select(d => d.PropertyName).Order(StringComparer.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Descriptor_Name_IsTheSnakeCaseOfItsProperty(string name)
    {
        var descriptor = FailoverOptionCatalog.Get(name);

        Assert.Equal(SnakeCase(descriptor.PropertyName), descriptor.Name);
        Assert.False(string.IsNullOrWhiteSpace(descriptor.Meaning));
        Assert.EndsWith(".", descriptor.Meaning, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Descriptor_ReadAndWrite_UseItsOwnPropertyAndNoOther(string name)
    {
        var descriptor = FailoverOptionCatalog.Get(name);
        var property = Properties.Single(p => p.Name == descriptor.PropertyName);
        var before = new FailoverOptions();
        var value = OtherValue(descriptor, before);

        var after = descriptor.Write(before, value);

        Assert.Equal(property.GetValue(before), descriptor.Read(before));
        Assert.Equal(value, descriptor.Read(after));
        Assert.Equal(value, property.GetValue(after));
        Assert.True(descriptor.Differs(before, after));
        foreach (var other in Properties.Where(p => p != property))
        {
            Assert.Equal(other.GetValue(before), other.GetValue(after));
        }
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Descriptor_Write_ValueOfTheWrongType_Throws(string name)
    {
        var descriptor = FailoverOptionCatalog.Get(name);

        Assert.Throws<ArgumentException>(() => descriptor.Write(new FailoverOptions(), "3"));
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Validate_EachBoundIsAllowed_AndJustBeyondItIsRefusedWithTheCatalogRange(string name)
    {
        var descriptor = FailoverOptionCatalog.Get(name);
        if (descriptor.Minimum is not { } min || descriptor.Maximum is not { } max)
        {
            Assert.Equal(FailoverOptionType.Switch, descriptor.Type);
            return;
        }

        var whole = descriptor.Type == FailoverOptionType.WholeNumber;
        object Value(double v) => whole ? (object)(int)v : v;
        var step = whole ? 1 : Math.Max(min, 0.01) / 10;

        Assert.Null(descriptor.RangeProblem(descriptor.Write(new FailoverOptions(), Value(min))));
        Assert.Null(descriptor.RangeProblem(descriptor.Write(new FailoverOptions(), Value(max))));
        foreach (var outside in new[] { min - step, max + step })
        {
            var problems = FailoverOptionsValidator.Validate(descriptor.Write(new FailoverOptions(), Value(outside)));
            var expected = whole
                ? string.Create(CultureInfo.InvariantCulture, $"{name} must be an integer between {min} and {max} (got {outside}).")
                : string.Create(CultureInfo.InvariantCulture, $"{name} must be between {min} and {max} (got {outside}).");
            Assert.Contains(expected, problems);
        }
    }

    [Fact]
    public void ValidateChange_RuntimeOptionsChanged_HasNoProblems()
    {
        var current = new FailoverOptions();
        var next = current with { FailureThreshold = 4, JournalCapacity = 10, EventHistoryCapacity = 50, RetryBaseDelayMs = 1, HealthCheckIntervalSeconds = 60 };

        Assert.Empty(FailoverOptionsValidator.ValidateChange(current, next));
    }

    [Fact]
    public void ValidateChange_StartupOnlyOptionsAndARangeProblem_ListsEveryOne()
    {
        var current = new FailoverOptions();
        var next = current with { HealthWindowSize = 512, DegradationMinimumSamples = 30, FailureThreshold = 0 };

        Assert.Equal(
            [
                "failure_threshold must be an integer between 1 and 100 (got 0).",
                "health_window_size can only be set at start-up.",
                "degradation_minimum_samples can only be set at start-up.",
            ],
            FailoverOptionsValidator.ValidateChange(current, next));
    }

    [Fact]
    public void ValidateChange_StartupOnlyOptionUnchanged_IsNoProblem()
    {
        var current = new FailoverOptions { HealthWindowSize = 512 };

        Assert.Empty(FailoverOptionsValidator.ValidateChange(current, current with { FailureThreshold = 5 }));
    }

    [Theory]
    [MemberData(nameof(RuntimeNames))]
    public async Task UpdateOptions_EveryRuntimeOption_IsAppliedAndReported(string name)
    {
        await using var harness = new EngineHarness();
        var descriptor = FailoverOptionCatalog.Get(name);
        var current = harness.Engine.Options;
        var value = OtherValue(descriptor, current);

        var result = harness.Engine.UpdateOptions(o => descriptor.Write(o, value));

        Assert.True(result.Applied);
        var change = Assert.Single(result.Changes);
        Assert.Equal(name, change.Name);
        Assert.Equal(descriptor.Read(current), change.OldValue);
        Assert.Equal(value, change.NewValue);
        Assert.Equal(value, descriptor.Read(harness.Engine.Options));
    }

    [Theory]
    [InlineData("health_window_size", 512)]
    [InlineData("degradation_minimum_samples", 30)]
    public async Task UpdateOptions_StartupOnlyOption_IsRefusedByNameAndChangesNothing(string name, int value)
    {
        await using var harness = new EngineHarness();
        var before = harness.Engine.Options;

        var ex = Assert.Throws<InvalidFailoverOptionsException>(() => harness.Engine.UpdateOptions(o => FailoverOptionCatalog.Get(name).Write(o, value)));

        Assert.Equal([$"{name} can only be set at start-up."], ex.Problems);
        Assert.Same(before, harness.Engine.Options);
    }

    /// <summary>A value other than the current one that <see cref="FailoverOptionsValidator.ValidateChange"/> accepts next to the rest of <paramref name="current"/>.</summary>
    private static object OtherValue(FailoverOptionDescriptor descriptor, FailoverOptions current)
    {
        if (descriptor.Type == FailoverOptionType.Switch)
        {
            return !(bool)descriptor.Read(current);
        }

        var min = descriptor.Minimum!.Value;
        var max = descriptor.Maximum!.Value;
        var whole = descriptor.Type == FailoverOptionType.WholeNumber;
        foreach (var candidate in new[] { min, max, Math.Round((min + max) / 2), min * 2, min + 1 })
        {
            var value = whole ? (object)(int)candidate : candidate;
            var next = descriptor.Write(current, value);
            if (descriptor.Differs(current, next) && FailoverOptionsValidator.Validate(next).Count == 0)
            {
                return value;
            }
        }

        throw new InvalidOperationException($"no valid other value for {descriptor.Name}");
    }

    private static string SnakeCase(string pascal)
    {
        var result = new StringBuilder();
        foreach (var c in pascal)
        {
            if (char.IsUpper(c) && result.Length > 0)
            {
                result.Append('_');
            }

            result.Append(char.ToLowerInvariant(c));
        }

        return result.ToString();
    }
}
