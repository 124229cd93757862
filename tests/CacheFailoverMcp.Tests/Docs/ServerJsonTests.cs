using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using CacheFailover.Configuration;
using CacheFailover.Options;
using CacheFailoverMcp.Configuration;

namespace CacheFailoverMcp.Tests.Docs;

/// <summary>
/// <c>src/CacheFailoverMcp/.mcp/server.json</c> (packed into the tool package for MCP registries and
/// clients) declares every command-line argument and environment variable, written from
/// <see cref="HostOptionCatalog"/> and <see cref="FailoverOptionCatalog"/>, and the product's version.
/// Its name, title and description are written by hand; everything else is checked here. Run with
/// <c>CACHEFAILOVER_UPDATE_DOCS=1</c> to rewrite it after changing an option or the version.
/// </summary>
public sealed class ServerJsonTests
{
    private const string ServerJsonPath = "src/CacheFailoverMcp/.mcp/server.json";
    private static readonly bool Update = Environment.GetEnvironmentVariable("CACHEFAILOVER_UPDATE_DOCS") == "1";
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    [Fact]
    public void ServerJson_DeclaresEveryOptionAndTheVersion()
    {
        var path = Path.Combine(RepositoryFiles.Root, ServerJsonPath);
        var actual = File.ReadAllText(path).ReplaceLineEndings("\n");
        var expected = Render(JsonNode.Parse(actual)!.AsObject());

        if (Update && actual != expected)
        {
            File.WriteAllText(path, expected);
            return;
        }

        Assert.Equal(expected, actual);
    }

    [Fact]
    public void ServerJson_IsAStdioNuGetPackageInTheCurrentSchema()
    {
        using var document = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepositoryFiles.Root, ServerJsonPath)));
        var root = document.RootElement;
        var package = root.GetProperty("packages").EnumerateArray().Single();

        // The fields follow the registry's 2025-12-11 server schema; its "$schema" address names the
        // registry's host, which this repository does not write (the publishing step adds it).
        Assert.False(root.TryGetProperty("$schema", out _));
        Assert.Matches(@"^[a-zA-Z0-9.-]+/[a-zA-Z0-9._-]+$", root.GetProperty("name").GetString());
        Assert.InRange(root.GetProperty("description").GetString()!.Length, 1, 100);
        Assert.Equal("nuget", package.GetProperty("registryType").GetString());
        Assert.Equal("CacheFailoverMcp", package.GetProperty("identifier").GetString());
        Assert.Equal("stdio", package.GetProperty("transport").GetProperty("type").GetString());
        Assert.Equal(ProductVersion.Text, package.GetProperty("version").GetString());
        // A secret is declared as one, so that clients mask it; a token never has a default.
        var token = package.GetProperty("environmentVariables").EnumerateArray().Single(v => v.GetProperty("name").GetString() == EnvironmentShortcuts.AuthToken);
        Assert.True(token.GetProperty("isSecret").GetBoolean());
        Assert.False(token.TryGetProperty("default", out _));
    }

    /// <summary>The file as it should be: its hand-written name, title and description, the rest from the catalogs.</summary>
    private static string Render(JsonObject current)
    {
        var package = new JsonObject
        {
            ["registryType"] = "nuget",
            ["identifier"] = "CacheFailoverMcp",
            ["version"] = ProductVersion.Text,
            ["transport"] = new JsonObject { ["type"] = "stdio" },
            ["packageArguments"] = new JsonArray([.. HostOptionCatalog.All.Select(HostArgument), .. FailoverOptionCatalog.All.Select(FailoverArgument)]),
            ["environmentVariables"] = new JsonArray([.. HostOptionCatalog.All.Select(HostVariable), .. FailoverOptionCatalog.All.Select(FailoverVariable)]),
        };
        var root = new JsonObject
        {
            ["name"] = current["name"]?.GetValue<string>(),
            ["title"] = current["title"]?.GetValue<string>(),
            ["description"] = current["description"]?.GetValue<string>(),
            ["version"] = ProductVersion.Text,
            ["packages"] = new JsonArray(package),
        };
        return root.ToJsonString(Indented) + "\n";
    }

    private static JsonObject HostArgument(HostOption option)
    {
        var argument = new JsonObject
        {
            ["type"] = "named",
            ["name"] = option.Flag,
            ["description"] = Usage.Summary(option),
            ["isRequired"] = false,
        };
        Describe(argument, option);
        if (option.TakesValue)
        {
            argument["valueHint"] = option.ValueName;
        }

        if (option.Repeatable)
        {
            argument["isRepeated"] = true;
        }

        return argument;
    }

    private static JsonObject HostVariable(HostOption option)
    {
        var variable = new JsonObject
        {
            ["name"] = option.Environment,
            ["description"] = Usage.Summary(option),
            ["isRequired"] = false,
        };
        Describe(variable, option);
        return variable;
    }

    /// <summary>Format, secrecy, choices and a default, where giving the default is the same as giving nothing.</summary>
    private static void Describe(JsonObject input, HostOption option)
    {
        input["format"] = option.Format switch
        {
            HostOptionFormat.Switch => "boolean",
            HostOptionFormat.Number => "number",
            HostOptionFormat.FilePath => "filepath",
            _ => "string",
        };
        input["isSecret"] = option.IsSecret;
        // --primary memory://primary alone would drop the embedded backup: a default that changes
        // meaning when written out (DefaultNote) is described, not declared.
        if (option.Default is { } value && option.DefaultNote is null)
        {
            input["default"] = value;
        }

        if (option.Choices.Count > 0)
        {
            input["choices"] = new JsonArray([.. option.Choices.Select(c => JsonValue.Create(c))]);
        }
    }

    private static JsonObject FailoverArgument(FailoverOptionDescriptor descriptor) => new()
    {
        ["type"] = "named",
        ["name"] = "--" + descriptor.Name,
        ["description"] = descriptor.Summary,
        ["isRequired"] = false,
        ["format"] = Format(descriptor.Type),
        ["isSecret"] = false,
        ["default"] = descriptor.DefaultText,
        ["valueHint"] = FailoverOptionsBinder.Placeholder(descriptor.Type),
    };

    private static JsonObject FailoverVariable(FailoverOptionDescriptor descriptor) => new()
    {
        ["name"] = "CacheFailover__Failover__" + descriptor.Name,
        ["description"] = descriptor.Summary,
        ["isRequired"] = false,
        ["format"] = Format(descriptor.Type),
        ["isSecret"] = false,
        ["default"] = descriptor.DefaultText,
    };

    private static string Format(FailoverOptionType type) => type == FailoverOptionType.Switch ? "boolean" : "number";
}
