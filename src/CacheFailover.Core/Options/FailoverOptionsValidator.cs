using System.Globalization;

namespace CacheFailover.Options;

/// <summary>
/// Checks a whole <see cref="FailoverOptions"/> and lists every problem, each naming the option by
/// its wire name, the value given and what is allowed. Ranges come from
/// <see cref="FailoverOptionCatalog"/>; the rules that relate two options are kept here.
/// </summary>
public static class FailoverOptionsValidator
{
    /// <summary>Every problem with the options; empty when they are valid.</summary>
    public static IReadOnlyList<string> Validate(FailoverOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = new List<string>();
        foreach (var descriptor in FailoverOptionCatalog.All)
        {
            if (descriptor.RangeProblem(options) is { } problem)
            {
                problems.Add(problem);
            }
        }

        if (IsFinite(options.HealthCheckTimeoutSeconds) && IsFinite(options.HealthCheckIntervalSeconds)
            && options.HealthCheckTimeoutSeconds > options.HealthCheckIntervalSeconds)
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture,
                $"{FailoverOptionNames.HealthCheckTimeoutSeconds} ({options.HealthCheckTimeoutSeconds}) must not exceed {FailoverOptionNames.HealthCheckIntervalSeconds} ({options.HealthCheckIntervalSeconds}): a probe has to finish before the next one starts."));
        }

        if (options.DegradationMinimumSamples > options.HealthWindowSize)
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture,
                $"{FailoverOptionNames.DegradationMinimumSamples} ({options.DegradationMinimumSamples}) must not exceed {FailoverOptionNames.HealthWindowSize} ({options.HealthWindowSize})."));
        }

        return problems;
    }

    /// <summary>
    /// Every problem with changing a running engine from <paramref name="current"/> to
    /// <paramref name="next"/>: those of <see cref="Validate"/> for the new set, then one for each
    /// start-up-only option (<see cref="FailoverOptionDescriptor.RuntimeChangeable"/> false) whose value differs.
    /// </summary>
    public static IReadOnlyList<string> ValidateChange(FailoverOptions current, FailoverOptions next)
    {
        ArgumentNullException.ThrowIfNull(current);
        ArgumentNullException.ThrowIfNull(next);
        var problems = new List<string>(Validate(next));
        foreach (var descriptor in FailoverOptionCatalog.All)
        {
            if (!descriptor.RuntimeChangeable && descriptor.Differs(current, next))
            {
                problems.Add(FailoverOptionCatalog.StartupOnlyMessage(descriptor));
            }
        }

        return problems;
    }

    /// <summary>Throws <see cref="InvalidFailoverOptionsException"/> listing every problem when the options are invalid.</summary>
    public static void ThrowIfInvalid(FailoverOptions options)
    {
        var problems = Validate(options);
        if (problems.Count > 0)
        {
            throw new InvalidFailoverOptionsException(problems);
        }
    }

    private static bool IsFinite(double value) => double.IsFinite(value);
}

/// <summary>Options were rejected; <see cref="Problems"/> lists every reason.</summary>
public sealed class InvalidFailoverOptionsException : ArgumentException
{
    public InvalidFailoverOptionsException()
        : this(Array.Empty<string>())
    {
    }

    public InvalidFailoverOptionsException(string message)
        : base(message)
    {
        Problems = [message];
    }

    public InvalidFailoverOptionsException(string message, Exception innerException)
        : base(message, innerException)
    {
        Problems = [message];
    }

    public InvalidFailoverOptionsException(IReadOnlyList<string> problems)
        : base("Invalid failover options: " + string.Join(" ", problems))
    {
        Problems = problems;
    }

    /// <summary>Every problem, one sentence each.</summary>
    public IReadOnlyList<string> Problems { get; }
}
