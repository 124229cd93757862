namespace CacheFailover.Nemesis.Tests;

public sealed class NemesisSettingsTests
{
    [Fact]
    public void Parse_NoArguments_Defaults()
    {
        var settings = NemesisSettings.Parse([], out var problems);

        Assert.Empty(problems);
        Assert.Equal(1, settings.Seed);
        Assert.Equal(TimeSpan.FromSeconds(60), settings.Duration);
        Assert.Equal(TimeSpan.FromSeconds(45), settings.FaultPhase);
        Assert.Equal(2, settings.Backups);
        Assert.Equal(0, settings.Processes);
    }

    [Fact]
    public void Parse_Processes_ZeroToFour()
    {
        var settings = NemesisSettings.Parse(["--processes", "2", "--backups", "2"], out var problems);
        NemesisSettings.Parse(["--processes", "5"], out var tooMany);

        Assert.Empty(problems);
        Assert.Equal(2, settings.Processes);
        Assert.Equal(["--processes must be a whole number from 0 to 4; got '5'."], tooMany);
    }

    [Fact]
    public void Parse_BadValues_EveryProblemNamedWithWhatIsAllowed()
    {
        NemesisSettings.Parse(["--seconds", "5", "--seed", "x", "--bogus", "--backups", "3"], out var problems);

        Assert.Equal(4, problems.Count);
        Assert.Contains(problems, p => p.Contains("--backups must be a whole number from 1 to 2; got '3'", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("--seconds must be a whole number from 20 to 86400; got '5'", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("--seed must be a whole number from 0", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("Unknown argument '--bogus'", StringComparison.Ordinal));
    }

    [Fact]
    public void Parse_LongRun_QuietPhaseCappedAtThirtySeconds()
    {
        var settings = NemesisSettings.Parse(["--seconds", "1800", "--seed", "9"], out _);

        Assert.Equal(TimeSpan.FromSeconds(30), settings.QuietPhase);
        Assert.Equal(9, settings.Seed);
    }
}
