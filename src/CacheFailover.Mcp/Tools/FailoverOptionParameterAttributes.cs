using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using CacheFailover.Options;

namespace CacheFailover.Mcp.Tools;

/// <summary>
/// A tool parameter's description, written from the option's <see cref="FailoverOptionDescriptor"/>:
/// attributes take only constants, so the text is computed here rather than copied into the
/// tool, where it could drift from the catalog.
/// </summary>
[AttributeUsage(AttributeTargets.Parameter)]
internal sealed class FailoverOptionDescriptionAttribute(string name) : DescriptionAttribute(Describe(FailoverOptionCatalog.Get(name)))
{
    /// <summary>The text the tool shows for the option.</summary>
    public static string Describe(FailoverOptionDescriptor descriptor) => descriptor.RuntimeChangeable
        ? descriptor.Summary
        : $"Start-up only: refused here (set it with --{descriptor.Name} when the server starts). {descriptor.Summary}";
}

/// <summary>
/// The option's range as the parameter's <c>minimum</c>/<c>maximum</c> in the input schema, from
/// the catalog (the schema generator reads <see cref="RangeAttribute"/>).
/// </summary>
[AttributeUsage(AttributeTargets.Parameter)]
internal sealed class FailoverOptionRangeAttribute(string name)
    : RangeAttribute(FailoverOptionCatalog.Get(name).Minimum ?? double.MinValue, FailoverOptionCatalog.Get(name).Maximum ?? double.MaxValue);
