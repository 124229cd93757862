using System.Reflection;
using CacheFailoverMcp.Configuration;

namespace CacheFailoverMcp.Tests.Configuration;

/// <summary>
/// Every setting the host reads is in <see cref="HostOptionCatalog"/>, so that --help, the README and
/// .mcp/server.json (all written from it) cannot leave one out.
/// </summary>
public sealed class HostOptionCatalogTests
{
    [Fact]
    public void Catalog_HasEveryConfigurationKeyTheHostReads()
    {
        // The section itself and the failover options (FailoverOptionCatalog) are not host options.
        var keys = Constants(typeof(ConfigurationKeys)).Except([ConfigurationKeys.Section, ConfigurationKeys.Failover]);

        Assert.Equal(keys.Order(StringComparer.Ordinal), HostOptionCatalog.All.Select(o => o.ConfigurationKey).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Catalog_HasEveryEnvironmentShortcut()
    {
        Assert.Equal(Constants(typeof(EnvironmentShortcuts)).Order(StringComparer.Ordinal), HostOptionCatalog.All.Select(o => o.Environment).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Catalog_FlagsAndVariablesAreUniqueAndWellFormed()
    {
        Assert.Equal(HostOptionCatalog.All.Count, HostOptionCatalog.All.Select(o => o.Flag).Distinct(StringComparer.Ordinal).Count());
        Assert.All(HostOptionCatalog.All, o =>
        {
            Assert.Matches("^--[a-z]+(-[a-z]+)*$", o.Flag);
            Assert.Matches("^CACHEFAILOVER_[A-Z_]+$", o.Environment);
            Assert.Equal(o.TakesValue, o.ValueName is not null);
            Assert.EndsWith(".", o.Meaning, StringComparison.Ordinal);
        });
    }

    [Theory]
    [InlineData("--transport", "carrier-pigeon", "--transport must be 'stdio' or 'http'")]
    [InlineData("--log-level", "loud", "--log-level must be one of verbose, debug, information, warning, error, fatal")]
    public void Load_ValueOutsideTheCatalogsChoices_IsRefusedNamingThem(string flag, string value, string expected)
    {
        var result = HostSettingsLoader.Load([flag, value], new Dictionary<string, string>(), null);

        var problem = Assert.Single(result.Problems);
        Assert.StartsWith(expected, problem, StringComparison.Ordinal);
        Assert.All(HostOptionCatalog.Get(flag).Choices.Take(2), c => Assert.Contains(c, problem, StringComparison.Ordinal));
    }

    private static IEnumerable<string> Constants(Type type) =>
        type.GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral && f.FieldType == typeof(string))
            .Select(f => (string)f.GetRawConstantValue()!);
}
