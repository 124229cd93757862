
namespace CacheFailover.Drills.Tests;

public sealed class DrillScenariosTests
{
    [Theory]
    [InlineData(DrillScenario.PrimaryDown, "primary_down")]
    [InlineData(DrillScenario.PrimaryTimeout, "primary_timeout")]
    [InlineData(DrillScenario.PrimarySlow, "primary_slow")]
    [InlineData(DrillScenario.PrimaryFlapping, "primary_flapping")]
    [InlineData(DrillScenario.BackupDown, "backup_down")]
    [InlineData(DrillScenario.AllDown, "all_down")]
    public void ToWireName_EachScenario_IsItsSnakeCaseName(DrillScenario scenario, string wire)
    {
        Assert.Equal(wire, scenario.ToWireName());
        Assert.True(DrillScenarios.TryParse(wire, out var parsed));
        Assert.Equal(scenario, parsed);
    }

    [Fact]
    public void WireNames_Always_ListsEveryScenarioInDeclarationOrder()
    {
        Assert.Equal(["primary_down", "primary_timeout", "primary_slow", "primary_flapping", "backup_down", "all_down"], DrillScenarios.WireNames);
    }

    [Theory]
    [InlineData("PRIMARY_DOWN")]
    [InlineData(" primary_down ")]
    public void TryParse_OtherCaseOrSurroundingSpaces_Accepted(string text)
    {
        Assert.True(DrillScenarios.TryParse(text, out var parsed));
        Assert.Equal(DrillScenario.PrimaryDown, parsed);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("primary-down")]
    [InlineData("PrimaryDown")]
    [InlineData("0")]
    public void TryParse_NotAWireName_ReturnsFalse(string? text)
    {
        Assert.False(DrillScenarios.TryParse(text, out _));
    }

    [Fact]
    public void ToWireName_UndefinedValue_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => ((DrillScenario)99).ToWireName());
    }
}
