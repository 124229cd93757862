using System.Globalization;
using System.Text;
using System.Text.Json;
using CsCheck;

namespace CacheFailoverMcp.Tests.Fuzz;

/// <summary>One tool call to send as it is written, and what its answer must name.</summary>
/// <param name="Tool">The tool called.</param>
/// <param name="ArgumentsJson">The <c>arguments</c> member exactly as sent (lone surrogates and all).</param>
/// <param name="MustName">Fragments the isError text must contain: the arguments that were wrong.</param>
/// <param name="Poisons">What was wrong, in words (for a failure's message).</param>
internal sealed record ToolCallCase(string Tool, string ArgumentsJson, string[] MustName, string Poisons)
{
    public override string ToString() => $"{Tool} [{Poisons}] arguments={ArgumentsJson}";
}

/// <summary>One argument of a tool as its input schema declares it.</summary>
internal sealed record ToolParameter(string Name, string Type, bool Required, JsonElement Schema)
{
    public double? Minimum => Number("minimum");

    public double? Maximum => Number("maximum");

    public int? MaxLength => (int?)Number("maxLength");

    public int? MinLength => (int?)Number("minLength");

    public string[] Enum => Schema.TryGetProperty("enum", out var values) ? [.. values.EnumerateArray().Select(v => v.GetString()!)] : [];

    public bool HasPattern => Schema.TryGetProperty("pattern", out _);

    public bool IsDateTime => Schema.TryGetProperty("format", out var f) && f.GetString() == "date-time";

    private double? Number(string name) => Schema.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : null;
}

/// <summary>A tool's name, whether it only reads, and its arguments, from the server's own tools/list.</summary>
internal sealed record ToolShape(string Name, bool ReadOnly, IReadOnlyList<ToolParameter> Parameters)
{
    public static ToolShape From(string name, bool readOnly, JsonElement schema)
    {
        var required = schema.TryGetProperty("required", out var list) ? list.EnumerateArray().Select(r => r.GetString()).ToHashSet() : [];
        var parameters = schema.TryGetProperty("properties", out var properties)
            ? properties.EnumerateObject().Select(p => new ToolParameter(
                p.Name,
                p.Value.TryGetProperty("type", out var t) ? t.GetString() ?? "any" : "any",
                required.Contains(p.Name),
                p.Value.Clone())).ToList()
            : [];
        return new ToolShape(name, readOnly, parameters);
    }
}

/// <summary>
/// CsCheck generators of tool calls that must be refused (every one carries at least one argument
/// that is wrong by the tool's own schema) and of arbitrary calls to the read-only tools.
/// </summary>
internal static class ToolCallCases
{
    /// <summary>Valid values for required arguments, so that a case's only problems are the ones it was given.</summary>
    private static readonly Dictionary<string, string> ValidRequired = new(StringComparer.Ordinal)
    {
        ["key"] = "\"fuzz-key\"",
        ["value"] = "\"fuzz-value\"",
        ["service_id"] = "\"fuzz-service\"",
        ["connection"] = "\"memory://fuzz-service\"",
        ["scenario"] = "\"primary_down\"",
        ["reason"] = "\"fuzz\"",
    };

    private static readonly string[] HugeNumbers =
    [
        "1e400", "-1e400", "1e308", "-1e308", "123456789012345678901234567890", "-123456789012345678901234567890",
        "9223372036854775808", "2147483648", "-2147483649", "4.9e-324", "1e-400",
    ];

    private static readonly Gen<string> Number = Gen.Frequency(
        (3, Gen.Int.Select(i => i.ToString(CultureInfo.InvariantCulture))),
        (2, Gen.OneOf(HugeNumbers)),
        (1, Gen.OneOf("0", "-0", "1.5", "-1.5", "3.0", "1E2", "0.1", "2e1", "-0.0")));

    /// <summary>Text, including what JSON can carry but UTF-16 strings cannot (lone surrogates), escapes, and long strings.</summary>
    private static readonly Gen<string> Text = Gen.Frequency(
        (3, Gen.String[Gen.Char.AlphaNumeric, 0, 12].Select(s => Quote(s))),
        (1, Gen.OneOf("\"\\ud800\"", "\"a\\udc00b\"", "\"\\ud83d\\ude00\"", "\"\\u0000\"", "\"line\\nbreak\"", "\"\\\"quoted\\\"\"", "\"redis://:hunter2@x:1\"")),
        (1, Gen.Int[1000, 6000].Select(n => Quote(new string('x', n)))));

    private static readonly Gen<string> Scalar = Gen.Frequency(
        (3, Number),
        (3, Text),
        (1, Gen.OneOf("true", "false", "null")));

    /// <summary>Any JSON value, nested up to <paramref name="depth"/> deep.</summary>
    private static Gen<string> AnyValue(int depth) => depth == 0
        ? Scalar
        : Gen.Frequency(
            (4, Scalar),
            (1, AnyValue(depth - 1).Array[0, 3].Select(items => "[" + string.Join(",", items) + "]")),
            (1, Gen.Select(Gen.String[Gen.Char.AlphaNumeric, 1, 8], AnyValue(depth - 1)).Array[0, 3]
                .Select(members => "{" + string.Join(",", members.DistinctBy(m => m.Item1).Select(m => Quote(m.Item1) + ":" + m.Item2)) + "}")));

    /// <summary>Arrays or objects nested 10 to 50 deep (the client's serializer stops at 64).</summary>
    private static readonly Gen<string> DeepValue = Gen.Select(Gen.Int[10, 50], Gen.Bool, (depth, arrays) =>
        arrays ? new string('[', depth) + "1" + new string(']', depth) : string.Concat(Enumerable.Repeat("{\"a\":", depth)) + "1" + new string('}', depth));

    public static readonly Gen<string> RandomValue = Gen.Frequency((6, AnyValue(3)), (1, DeepValue));

    private enum Poison
    {
        UnknownArgument,
        WrongType,
        LoneSurrogate,
        MissingRequired,
        NotAnObject,
    }

    /// <summary>Calls every one of which carries one to three arguments that are wrong by the schema's types, names or required list (what the validator checks).</summary>
    public static Gen<ToolCallCase> StructurallyWrong(IReadOnlyList<ToolShape> tools) =>
        Gen.Int[0, tools.Count - 1].SelectMany(i => StructurallyWrong(tools[i]));

    private static Gen<ToolCallCase> StructurallyWrong(ToolShape tool) =>
        Gen.Select(
            Gen.Enum<Poison>().Array[1, 3],
            Gen.Int[0, 1000].Array[3],
            Gen.String[Gen.Char["abcdefghijklmnopqrstuvwxyz_"], 1, 20],
            WrongValue,
            Gen.Select(Gen.Int[0, 1000], RandomValue).Array[0, 3],
            (poisons, picks, unknownName, wrongValues, extras) => Build(tool, poisons, picks, unknownName, wrongValues, extras));

    /// <summary>Values of each JSON kind, to put where another kind is declared.</summary>
    private static readonly Gen<Dictionary<string, string>> WrongValue = Gen.Select(
        Gen.OneOf("\"5\"", "\"true\"", "\"\"", "\"1e400\""),
        Gen.OneOf("1", "0", "1e400", "-7", "1.5"),
        Gen.OneOf("true", "false"),
        Gen.OneOf("[]", "[\"a\"]", "[[1]]"),
        Gen.OneOf("{}", "{\"a\":1}"),
        (text, number, boolean, array, obj) => new Dictionary<string, string>
        {
            ["string"] = text,
            ["number"] = number,
            ["boolean"] = boolean,
            ["array"] = array,
            ["object"] = obj,
        });

    private static ToolCallCase Build(ToolShape tool, Poison[] poisons, int[] picks, string unknownName, Dictionary<string, string> wrongValues, (int Pick, string Value)[] extras)
    {
        var arguments = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var p in tool.Parameters.Where(p => p.Required))
        {
            arguments[p.Name] = ValidRequired.GetValueOrDefault(p.Name, "\"x\"");
        }

        var mustName = new List<string>();
        var applied = new List<string>();
        var poisoned = new HashSet<string>(StringComparer.Ordinal);
        foreach (var poison in poisons)
        {
            var pick = picks[applied.Count % picks.Length];
            switch (poison)
            {
                case Poison.UnknownArgument when tool.Parameters.All(p => p.Name != unknownName):
                    arguments[unknownName] = "1";
                    mustName.Add($"unknown argument '{unknownName}'");
                    applied.Add("unknown " + unknownName);
                    poisoned.Add(unknownName);
                    break;
                case Poison.WrongType when tool.Parameters.Any(p => p.Type != "any" && !poisoned.Contains(p.Name)):
                {
                    var typed = tool.Parameters.Where(p => p.Type != "any" && !poisoned.Contains(p.Name)).ToArray();
                    var p = typed[pick % typed.Length];
                    var kinds = wrongValues.Keys.Where(k => !Accepts(p.Type, k)).ToArray();
                    arguments[p.Name] = wrongValues[kinds[pick % kinds.Length]];
                    mustName.Add($"argument '{p.Name}'");
                    applied.Add($"{p.Name} as {kinds[pick % kinds.Length]}");
                    poisoned.Add(p.Name);
                    break;
                }

                case Poison.LoneSurrogate when tool.Parameters.Any(p => p.Type == "string" && !poisoned.Contains(p.Name)):
                {
                    var strings = tool.Parameters.Where(p => p.Type == "string" && !poisoned.Contains(p.Name)).ToArray();
                    var p = strings[pick % strings.Length];
                    arguments[p.Name] = pick % 2 == 0 ? "\"\\ud800\"" : "\"ok\\udfffok\"";
                    mustName.Add($"argument '{p.Name}' is not valid text");
                    applied.Add("lone surrogate in " + p.Name);
                    poisoned.Add(p.Name);
                    break;
                }

                case Poison.MissingRequired when tool.Parameters.Any(p => p.Required && !poisoned.Contains(p.Name)):
                {
                    var required = tool.Parameters.Where(p => p.Required && !poisoned.Contains(p.Name)).ToArray();
                    var p = required[pick % required.Length];
                    arguments.Remove(p.Name);
                    mustName.Add($"missing required argument '{p.Name}'");
                    applied.Add("missing " + p.Name);
                    poisoned.Add(p.Name);
                    break;
                }

                case Poison.NotAnObject:
                    var shape = (pick % 3) switch { 0 => "[\"a\",1]", 1 => "\"key=value\"", _ => "42" };
                    return new ToolCallCase(tool.Name, shape, ["arguments must be an object"], "arguments not an object");
            }
        }

        if (mustName.Count == 0)
        {
            // None of the poisons fitted this tool (no parameters): an unknown argument always does.
            var name = "not_an_argument_" + unknownName;
            arguments[name] = "true";
            mustName.Add($"unknown argument '{name}'");
            applied.Add("unknown " + name);
        }

        // Other declared arguments with any value: more problems may be reported, the poisons must be among them.
        foreach (var (pick, value) in extras)
        {
            if (tool.Parameters.Count > 0 && tool.Parameters[pick % tool.Parameters.Count] is { } p && !poisoned.Contains(p.Name) && !p.Required)
            {
                arguments[p.Name] = value;
            }
        }

        return new ToolCallCase(tool.Name, Object(arguments), [.. mustName], string.Join(", ", applied));
    }

    /// <summary>
    /// Calls with one argument of the right JSON type but outside what its schema allows (below its
    /// minimum, above its maximum, 1e400, too long or too short, not in its enum, not its pattern, not
    /// a date) and every required argument valid: the tool's own checks must refuse it by name.
    /// </summary>
    public static Gen<ToolCallCase> OutOfRange(IReadOnlyList<ToolShape> tools)
    {
        var targets = tools.SelectMany(t => t.Parameters.Select(p => (Tool: t, Parameter: p)))
            .Where(x => OutOfRangeValues(x.Parameter).Length > 0)
            .ToArray();
        return Gen.Int[0, targets.Length - 1].SelectMany(i =>
        {
            var (tool, parameter) = targets[i];
            return Gen.OneOf(OutOfRangeValues(parameter)).Select(value =>
            {
                var arguments = tool.Parameters.Where(p => p.Required).ToDictionary(p => p.Name, p => ValidRequired.GetValueOrDefault(p.Name, "\"x\""), StringComparer.Ordinal);
                arguments[parameter.Name] = value;
                var shown = value.Length > 40 ? value[..40] + "…" : value;
                return new ToolCallCase(tool.Name, Object(arguments), [parameter.Name], $"{parameter.Name} = {shown}");
            });
        });
    }

    private static string[] OutOfRangeValues(ToolParameter p)
    {
        var values = new List<string>();
        if (p.Type is "integer" or "number")
        {
            if (p.Minimum is { } min)
            {
                values.AddRange([Format(min - 1), Format(min - 0.001 * Math.Max(1, Math.Abs(min))), "-1e400", "-1e308"]);
            }

            if (p.Maximum is { } max)
            {
                values.AddRange([Format(max + 1), "1e400", "1e308", "123456789012345678901234567890"]);
            }
        }

        if (p.Type == "string")
        {
            if (p.MaxLength is { } maxLength)
            {
                values.Add(Quote(new string('k', maxLength + 1)));
            }

            if (p.MinLength is > 0)
            {
                values.Add("\"\"");
            }

            if (p.Enum.Length > 0)
            {
                // Not another case or surrounding spaces: the tools take enum values in any case, trimmed, on purpose.
                values.AddRange(["\"meteor\"", Quote(p.Enum[0] + "_x"), Quote("x" + p.Enum[0])]);
            }

            if (p.HasPattern)
            {
                values.AddRange(["\"has space\"", "\"semi;colon\"", Quote(new string('a', 65)), "\"\""]);
            }

            if (p.IsDateTime)
            {
                values.AddRange(["\"yesterday\"", "\"2026-13-45T99:99:99Z\"", "\"\""]);
            }
        }

        return [.. values];
    }

    /// <summary>Calls to the read-only tools with arbitrary arguments: any declared or unknown name, any value.</summary>
    public static Gen<ToolCallCase> AnyReadOnlyCall(IReadOnlyList<ToolShape> tools)
    {
        var readOnly = tools.Where(t => t.ReadOnly).ToArray();
        return Gen.Int[0, readOnly.Length - 1].SelectMany(i =>
        {
            var tool = readOnly[i];
            var names = tool.Parameters.Select(p => p.Name).Append("extra").Append("_").ToArray();
            return Gen.Select(Gen.OneOf(names), RandomValue).Array[0, 4].Select(members =>
            {
                var arguments = members.DistinctBy(m => m.Item1).ToDictionary(m => m.Item1, m => m.Item2, StringComparer.Ordinal);
                return new ToolCallCase(tool.Name, Object(arguments), [], "arbitrary");
            });
        });
    }

    private static bool Accepts(string declared, string kind) => declared switch
    {
        "integer" or "number" => kind == "number",
        "any" => true,
        _ => declared == kind,
    };

    private static string Object(Dictionary<string, string> members) =>
        "{" + string.Join(",", members.Select(m => Quote(m.Key) + ":" + m.Value)) + "}";

    private static string Quote(string text) => JsonSerializer.Serialize(text);

    private static string Format(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}

/// <summary>Builds the raw text of a call.</summary>
internal static class RawCall
{
    public static string Params(ToolCallCase c) => new StringBuilder("{\"name\":").Append(JsonSerializer.Serialize(c.Tool)).Append(",\"arguments\":").Append(c.ArgumentsJson).Append('}').ToString();
}
