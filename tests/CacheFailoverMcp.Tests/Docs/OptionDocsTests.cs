using CacheFailover.Options;
using CacheFailoverMcp.Configuration;

namespace CacheFailoverMcp.Tests.Docs;

/// <summary>
/// The option tables of README.md and tools.md are the catalog written out: each row is checked
/// against <see cref="FailoverOptionCatalog"/>, so that the docs cannot drift from the code. After
/// changing the catalog, run these tests with <c>CACHEFAILOVER_UPDATE_DOCS=1</c> to rewrite the tables.
/// </summary>
public sealed class OptionDocsTests
{
    private static readonly bool Update = Environment.GetEnvironmentVariable("CACHEFAILOVER_UPDATE_DOCS") == "1";

    [Fact]
    public void Readme_FailoverOptionsTable_IsTheCatalog()
    {
        CheckTable(
            "README.md",
            "| Option | Default | Range | Unit | Changeable at runtime | Meaning |",
            ["|---|---|---|---|---|---|", .. FailoverOptionCatalog.All.Select(ReadmeRow)]);
    }

    [Fact]
    public void Readme_HostSettingsTable_IsTheHostCatalog()
    {
        CheckTable(
            "README.md",
            "| Command line | Environment | `appsettings.json` | Allowed | Default | Meaning |",
            ["|---|---|---|---|---|---|", .. HostOptionCatalog.All.Select(HostRow)]);
    }

    [Fact]
    public void ToolsMd_ConfigureCacheFailoverArguments_AreTheCatalog()
    {
        CheckTable(
            "tools.md",
            "| Name | Type | Range | Default at start | Meaning |",
            ["|---|---|---|---|---|", .. FailoverOptionCatalog.All.Select(ToolsRow)]);
    }

    [Fact]
    public void Rows_StateStartupOnlyExactlyForTheStartupOnlyOptions()
    {
        // A guard on the row format itself: the docs' word for "start-up only" follows the catalog.
        foreach (var descriptor in FailoverOptionCatalog.All)
        {
            Assert.Equal(!descriptor.RuntimeChangeable, ReadmeRow(descriptor).Contains("start-up only", StringComparison.Ordinal));
            Assert.Equal(!descriptor.RuntimeChangeable, ToolsRow(descriptor).Contains("Start-up only", StringComparison.Ordinal));
        }
    }

    private static string ReadmeRow(FailoverOptionDescriptor d) =>
        $"| `{d.Name}` | `{d.DefaultText}` | {d.RangeText} | {d.Unit} | {(d.RuntimeChangeable ? "yes" : "no: start-up only")} | {d.Meaning} |";

    private static string HostRow(HostOption o) =>
        $"| `{Cell(o.TakesValue ? $"{o.Flag} <{o.ValueName}>" : o.Flag)}`{(o.Repeatable ? " (repeat)" : string.Empty)} | `{o.Environment}` | `{o.ConfigurationKey}` | {Cell(o.AllowedText ?? string.Empty)} | {Cell(o.DefaultText)} | {Cell(o.Meaning)} |";

    // A '|' inside a Markdown table cell must be escaped, or it ends the cell.
    private static string Cell(string text) => text.Replace("|", "\\|", StringComparison.Ordinal);

    private static string ToolsRow(FailoverOptionDescriptor d) =>
        $"| `{d.Name}` | {TypeName(d.Type)} | {d.RangeText}{(d.Unit is null ? string.Empty : " " + d.Unit)} | {d.DefaultText} | {(d.RuntimeChangeable ? string.Empty : "**Start-up only: refused here.** ")}{d.Meaning} |";

    private static string TypeName(FailoverOptionType type) => type switch
    {
        FailoverOptionType.Switch => "boolean",
        FailoverOptionType.WholeNumber => "integer",
        _ => "number",
    };

    /// <summary>The table that starts with <paramref name="header"/> must consist of exactly <paramref name="rows"/>.</summary>
    private static void CheckTable(string file, string header, string[] rows)
    {
        var path = Path.Combine(RepositoryFiles.Root, file);
        var lines = File.ReadAllLines(path).ToList();
        var start = lines.FindIndex(l => l == header);
        Assert.True(start >= 0, $"{file} has no table headed '{header}'");
        var end = lines.FindIndex(start + 1, l => !l.StartsWith('|'));
        end = end < 0 ? lines.Count : end;
        var actual = lines.GetRange(start + 1, end - start - 1);

        if (Update && !actual.SequenceEqual(rows))
        {
            lines.RemoveRange(start + 1, end - start - 1);
            lines.InsertRange(start + 1, rows);
            File.WriteAllText(path, string.Join('\n', lines) + "\n");
            return;
        }

        Assert.Equal(rows, actual);
    }
}

/// <summary>Files of the repository this test assembly was built from.</summary>
internal static class RepositoryFiles
{
    /// <summary>The directory that holds CacheFailoverMcp.sln, above this test assembly.</summary>
    public static string Root { get; } = Find();

    private static string Find()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "CacheFailoverMcp.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("the repository root (CacheFailoverMcp.sln) was not found above " + AppContext.BaseDirectory);
    }
}
