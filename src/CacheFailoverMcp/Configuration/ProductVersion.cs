using System.Reflection;

namespace CacheFailoverMcp.Configuration;

/// <summary>The product's version, as <c>--version</c>, the MCP handshake and the tool package give it.</summary>
public static class ProductVersion
{
    /// <summary>
    /// The version the project file sets (<c>Version</c>), without the source revision the SDK
    /// appends after a '+', so that it equals the package's version and CHANGELOG.md's entry.
    /// </summary>
    public static string Text { get; } = Read();

    private static string Read()
    {
        var informational = typeof(ProductVersion).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
        if (string.IsNullOrEmpty(informational))
        {
            return typeof(ProductVersion).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";
        }

        var plus = informational.IndexOf('+', StringComparison.Ordinal);
        return plus < 0 ? informational : informational[..plus];
    }
}
