using System.Globalization;
using System.Text;

namespace CacheFailoverMcp.Tests.Monitoring;

/// <summary>One sample line of the Prometheus text format: <c>name{label="value",…} value [timestamp]</c>.</summary>
internal sealed record PrometheusSample(string Name, IReadOnlyDictionary<string, string> Labels, double Value)
{
    public string? Label(string name) => Labels.TryGetValue(name, out var value) ? value : null;
}

/// <summary>
/// A small parser of the Prometheus text exposition format (version 0.0.4): samples, their labels
/// (with the format's escapes) and the <c># TYPE</c> lines. Anything it cannot read is a
/// <see cref="FormatException"/>, so a malformed scrape fails the test instead of being skipped.
/// </summary>
internal sealed class PrometheusText
{
    private PrometheusText(IReadOnlyList<PrometheusSample> samples, IReadOnlyDictionary<string, string> types)
    {
        Samples = samples;
        Types = types;
    }

    public IReadOnlyList<PrometheusSample> Samples { get; }

    /// <summary>Metric family → counter, gauge, histogram, …</summary>
    public IReadOnlyDictionary<string, string> Types { get; }

    /// <summary>The samples of <paramref name="name"/> whose labels include every pair in <paramref name="labels"/>.</summary>
    public IEnumerable<PrometheusSample> Find(string name, params (string Name, string Value)[] labels) =>
        Samples.Where(s => s.Name == name && labels.All(l => s.Label(l.Name) == l.Value));

    /// <summary>The sum over <see cref="Find"/>; 0 when there is none (a counter never incremented is not exposed).</summary>
    public double Sum(string name, params (string Name, string Value)[] labels) => Find(name, labels).Sum(s => s.Value);

    public static PrometheusText Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var samples = new List<PrometheusSample>();
        var types = new Dictionary<string, string>(StringComparer.Ordinal);
        var number = 0;
        foreach (var raw in text.Split('\n'))
        {
            number++;
            var line = raw.TrimEnd('\r');
            if (line.Length == 0)
            {
                continue;
            }

            if (line.StartsWith('#'))
            {
                var parts = line.Split(' ', 4, StringSplitOptions.RemoveEmptyEntries);
                if (parts.Length >= 4 && parts[1] == "TYPE")
                {
                    types[parts[2]] = parts[3];
                }

                continue;
            }

            samples.Add(ParseSample(line, number));
        }

        return new PrometheusText(samples, types);
    }

    private static PrometheusSample ParseSample(string line, int number)
    {
        var position = 0;
        while (position < line.Length && (char.IsAsciiLetterOrDigit(line[position]) || line[position] is '_' or ':'))
        {
            position++;
        }

        if (position == 0)
        {
            throw new FormatException($"line {number}: no metric name in '{line}'");
        }

        var name = line[..position];
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        if (position < line.Length && line[position] == '{')
        {
            position = ParseLabels(line, position + 1, labels, number);
        }

        var rest = line[position..].Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (rest.Length is < 1 or > 2)
        {
            throw new FormatException($"line {number}: expected a value (and an optional timestamp) after the labels in '{line}'");
        }

        return new PrometheusSample(name, labels, ParseValue(rest[0], number));
    }

    private static int ParseLabels(string line, int position, Dictionary<string, string> labels, int number)
    {
        while (true)
        {
            if (position >= line.Length)
            {
                throw new FormatException($"line {number}: labels are not closed");
            }

            if (line[position] == '}')
            {
                return position + 1;
            }

            var equals = line.IndexOf('=', position);
            if (equals < 0 || equals + 1 >= line.Length || line[equals + 1] != '"')
            {
                throw new FormatException($"line {number}: a label has no =\"value\" at column {position}");
            }

            var labelName = line[position..equals];
            var value = new StringBuilder();
            position = equals + 2;
            while (true)
            {
                if (position >= line.Length)
                {
                    throw new FormatException($"line {number}: the value of label {labelName} is not closed");
                }

                var c = line[position++];
                if (c == '"')
                {
                    break;
                }

                if (c == '\\')
                {
                    var escaped = line[position++];
                    value.Append(escaped switch
                    {
                        'n' => '\n',
                        '\\' => '\\',
                        '"' => '"',
                        _ => throw new FormatException($"line {number}: unknown escape \\{escaped} in label {labelName}"),
                    });
                }
                else
                {
                    value.Append(c);
                }
            }

            labels[labelName] = value.ToString();
            if (position < line.Length && line[position] == ',')
            {
                position++;
            }
        }
    }

    private static double ParseValue(string text, int number) => text switch
    {
        "+Inf" => double.PositiveInfinity,
        "-Inf" => double.NegativeInfinity,
        "NaN" => double.NaN,
        _ => double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new FormatException($"line {number}: '{text}' is not a sample value"),
    };
}
