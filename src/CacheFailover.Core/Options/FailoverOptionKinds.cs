using System.Globalization;

namespace CacheFailover.Options;

/// <summary>A true/false option: no range.</summary>
internal sealed class BooleanOptionDescriptor(
    string name,
    string propertyName,
    Func<FailoverOptions, bool> get,
    Func<FailoverOptions, bool, FailoverOptions> set,
    bool runtimeChangeable,
    string meaning)
    : FailoverOptionDescriptor(name, propertyName, runtimeChangeable, null, meaning)
{
    public override FailoverOptionType Type => FailoverOptionType.Switch;

    public override double? Minimum => null;

    public override double? Maximum => null;

    public override object Read(FailoverOptions options) => get(options);

    public override FailoverOptions Write(FailoverOptions options, object value) =>
        value is bool flag ? set(options, flag) : throw new ArgumentException($"{Name} takes true or false.", nameof(value));

    public override bool Differs(FailoverOptions first, FailoverOptions second) => get(first) != get(second);

    public override string? RangeProblem(FailoverOptions options) => null;
}

/// <summary>A whole-number option with an inclusive range.</summary>
internal sealed class IntegerOptionDescriptor(
    string name,
    string propertyName,
    Func<FailoverOptions, int> get,
    Func<FailoverOptions, int, FailoverOptions> set,
    int minimum,
    int maximum,
    bool runtimeChangeable,
    string? unit,
    string meaning)
    : FailoverOptionDescriptor(name, propertyName, runtimeChangeable, unit, meaning)
{
    public override FailoverOptionType Type => FailoverOptionType.WholeNumber;

    public override double? Minimum => minimum;

    public override double? Maximum => maximum;

    public override object Read(FailoverOptions options) => get(options);

    public override FailoverOptions Write(FailoverOptions options, object value) =>
        value is int number ? set(options, number) : throw new ArgumentException($"{Name} takes a whole number.", nameof(value));

    public override bool Differs(FailoverOptions first, FailoverOptions second) => get(first) != get(second);

    public override string? RangeProblem(FailoverOptions options)
    {
        var value = get(options);
        return value < minimum || value > maximum
            ? string.Create(CultureInfo.InvariantCulture, $"{Name} must be an integer between {minimum} and {maximum} (got {value}).")
            : null;
    }
}

/// <summary>A real-number option with an inclusive range; NaN and infinities are never in range.</summary>
internal sealed class NumberOptionDescriptor(
    string name,
    string propertyName,
    Func<FailoverOptions, double> get,
    Func<FailoverOptions, double, FailoverOptions> set,
    double minimum,
    double maximum,
    bool runtimeChangeable,
    string? unit,
    string meaning)
    : FailoverOptionDescriptor(name, propertyName, runtimeChangeable, unit, meaning)
{
    public override FailoverOptionType Type => FailoverOptionType.Number;

    public override double? Minimum => minimum;

    public override double? Maximum => maximum;

    public override object Read(FailoverOptions options) => get(options);

    // A whole number is a number too: JSON and configuration do not tell 30 from 30.0.
    public override FailoverOptions Write(FailoverOptions options, object value) => value switch
    {
        double number => set(options, number),
        int whole => set(options, whole),
        _ => throw new ArgumentException($"{Name} takes a number.", nameof(value)),
    };

    // Equals, not ==, so that NaN (rejected by validation anyway) does not count as a change forever.
    public override bool Differs(FailoverOptions first, FailoverOptions second) => !get(first).Equals(get(second));

    public override string? RangeProblem(FailoverOptions options)
    {
        var value = get(options);
        return !double.IsFinite(value) || value < minimum || value > maximum
            ? string.Create(CultureInfo.InvariantCulture, $"{Name} must be between {minimum} and {maximum} (got {value}).")
            : null;
    }
}
