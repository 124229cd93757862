using System.Text.RegularExpressions;
using CacheFailoverMcp.Configuration;
using CacheFailoverMcp.Tests.Docs;

namespace CacheFailoverMcp.Tests.Configuration;

public sealed partial class VersionTests
{
    [Fact]
    public void ProductVersion_IsTheLatestReleaseInTheChangelog()
    {
        var changelog = File.ReadAllText(Path.Combine(RepositoryFiles.Root, "CHANGELOG.md"));

        var latest = ReleaseHeading().Match(changelog);

        Assert.True(latest.Success, "CHANGELOG.md has no '## [x.y.z] - yyyy-mm-dd' heading");
        Assert.Equal(latest.Groups["version"].Value, ProductVersion.Text);
    }

    [Fact]
    public void ProductVersion_HasNoSourceRevision()
    {
        Assert.Matches(@"^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$", ProductVersion.Text);
    }

    [GeneratedRegex(@"^## \[(?<version>[^\]]+)\] - \d{4}-\d{2}-\d{2}$", RegexOptions.Multiline)]
    private static partial Regex ReleaseHeading();
}
