using System.Globalization;

namespace CacheFailover.Options;

/// <summary>The kind of value a failover option holds, as it is written on the wire and in configuration.</summary>
public enum FailoverOptionType
{
    /// <summary>true or false.</summary>
    Switch,

    /// <summary>A whole number (32-bit).</summary>
    WholeNumber,

    /// <summary>Any finite number.</summary>
    Number,
}

/// <summary>
/// Everything known about one failover option: its wire name, the <see cref="FailoverOptions"/>
/// property behind it, type, default, range, unit, meaning, and whether it may change while the
/// engine runs. Every reader (validator, diff, configuration binder, <c>--help</c>, the
/// <c>configure_cache_failover</c> tool, the docs' tests) takes these facts from here.
/// </summary>
/// <remarks>
/// The property is read and written through delegates, never by reflection, so that the options
/// stay usable under Native AOT and trimming.
/// </remarks>
public abstract class FailoverOptionDescriptor
{
    private static readonly FailoverOptions Defaults = new();

    private protected FailoverOptionDescriptor(string name, string propertyName, bool runtimeChangeable, string? unit, string meaning)
    {
        Name = name;
        PropertyName = propertyName;
        RuntimeChangeable = runtimeChangeable;
        Unit = unit;
        Meaning = meaning;
    }

    /// <summary>The snake_case wire name (tool argument, <c>--name</c>, <c>CacheFailover__Failover__name</c>).</summary>
    public string Name { get; }

    /// <summary>The <see cref="FailoverOptions"/> property that holds the value.</summary>
    public string PropertyName { get; }

    /// <summary>The kind of value.</summary>
    public abstract FailoverOptionType Type { get; }

    /// <summary>
    /// True when a running engine applies a change (it reads the option afresh, or resizes what
    /// depends on it); false for options that size state created at start-up, which only a restart changes.
    /// </summary>
    public bool RuntimeChangeable { get; }

    /// <summary>The unit of the value (<c>seconds</c>, <c>milliseconds</c>, …), or null for counts and switches.</summary>
    public string? Unit { get; }

    /// <summary>What the option does, in one sentence.</summary>
    public string Meaning { get; }

    /// <summary>The smallest value allowed, or null when the option has no range (a switch).</summary>
    public abstract double? Minimum { get; }

    /// <summary>The largest value allowed, or null when the option has no range (a switch).</summary>
    public abstract double? Maximum { get; }

    /// <summary>The value a new <see cref="FailoverOptions"/> has (the record's initializer is the one source of defaults).</summary>
    public object DefaultValue => Read(Defaults);

    /// <summary>The default as written in configuration and docs (<c>true</c>, <c>30</c>, <c>0.5</c>).</summary>
    public string DefaultText => Format(DefaultValue);

    /// <summary>The range as written in messages and docs (<c>1 to 100</c>), or null for a switch.</summary>
    public string? RangeText => Minimum is { } min && Maximum is { } max ? $"{Format(min)} to {Format(max)}" : null;

    /// <summary>
    /// The meaning followed by the range and the default, e.g. "Consecutive failures … 1 to 100; default 3." —
    /// the text the tool and <c>--help</c> show.
    /// </summary>
    public string Summary => RangeText is { } range
        ? $"{Meaning} {char.ToUpperInvariant(range[0])}{range[1..]}{(Unit is null ? string.Empty : " " + Unit)}; default {DefaultText}."
        : $"{Meaning} Default {DefaultText}.";

    /// <summary>The option's value in <paramref name="options"/>, boxed.</summary>
    public abstract object Read(FailoverOptions options);

    /// <summary>A copy of <paramref name="options"/> with this option set to <paramref name="value"/> (of the option's type).</summary>
    /// <exception cref="ArgumentException">The value is not of the option's type.</exception>
    public abstract FailoverOptions Write(FailoverOptions options, object value);

    /// <summary>True when the option has different values in the two sets.</summary>
    public abstract bool Differs(FailoverOptions first, FailoverOptions second);

    /// <summary>The problem with the option's value in <paramref name="options"/>, or null when it is in range.</summary>
    public abstract string? RangeProblem(FailoverOptions options);

    /// <summary>Writes a value the way messages and docs do: invariant culture, booleans in lower case.</summary>
    public static string Format(object value) => value switch
    {
        bool flag => flag ? "true" : "false",
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? string.Empty,
    };

    /// <inheritdoc />
    public override string ToString() => Name;
}
