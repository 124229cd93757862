using System.Globalization;
using CacheFailover.Options;

namespace CacheFailover.Configuration;

/// <summary>
/// Reads failover options from configuration text by the wire names of
/// <see cref="FailoverOptionCatalog"/>, without reflection (the door stays open for Native AOT),
/// with one message per bad value that names the option and what it allows — and never quotes
/// back text that could be a secret.
/// </summary>
public static class FailoverOptionsBinder
{
    /// <summary>How a type is written in help texts.</summary>
    public static string Placeholder(FailoverOptionType type) => type switch
    {
        FailoverOptionType.Switch => "true|false",
        FailoverOptionType.WholeNumber => "integer",
        _ => "number",
    };

    /// <summary>Finds an option by wire name; hyphens are accepted for underscores and case is ignored.</summary>
    public static FailoverOptionDescriptor? Find(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var normalized = name.Replace('-', '_');
        return FailoverOptionCatalog.Find(normalized)
            ?? FailoverOptionCatalog.All.FirstOrDefault(d => string.Equals(d.Name, normalized, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>
    /// Parses one option's text into a value of the option's type; returns null and a problem
    /// naming the option and what it allows when the text is not of that type. Whether the value is
    /// in range is left to <see cref="FailoverOptionsValidator"/>, which judges the whole set.
    /// </summary>
    public static object? Parse(FailoverOptionDescriptor descriptor, string text, out string? problem)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        ArgumentNullException.ThrowIfNull(text);
        problem = null;
        var trimmed = text.Trim();
        switch (descriptor.Type)
        {
            case FailoverOptionType.Switch when bool.TryParse(trimmed, out var flag):
                return flag;
            case FailoverOptionType.WholeNumber when int.TryParse(trimmed, NumberStyles.Integer, CultureInfo.InvariantCulture, out var integer):
                return integer;
            case FailoverOptionType.Number when double.TryParse(trimmed, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) && double.IsFinite(number):
                return number;
            default:
                problem = $"{descriptor.Name} must be {Expected(descriptor)} (got {SafeEcho.NumberOrSwitch(trimmed)}).";
                return null;
        }
    }

    private static string Expected(FailoverOptionDescriptor descriptor) => descriptor.Type switch
    {
        FailoverOptionType.Switch => "true or false",
        FailoverOptionType.WholeNumber => $"a whole number {Between(descriptor)}",
        _ => $"a number {Between(descriptor)} (use '.' for decimals)",
    };

    private static string Between(FailoverOptionDescriptor descriptor) =>
        $"between {FailoverOptionDescriptor.Format(descriptor.Minimum!.Value)} and {FailoverOptionDescriptor.Format(descriptor.Maximum!.Value)}";
}
