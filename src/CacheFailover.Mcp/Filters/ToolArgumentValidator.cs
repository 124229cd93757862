using System.Collections.Concurrent;
using System.Text.Json;

namespace CacheFailover.Mcp.Filters;

/// <summary>
/// Checks a call's arguments against the tool's declared input schema before the tool runs: unknown
/// names, wrong JSON types and missing required arguments each get a message that names the argument
/// and what is allowed (the SDK's own answer to these is a bare "An error occurred invoking …").
/// Ranges and formats are checked by the tools themselves.
/// </summary>
public sealed class ToolArgumentValidator
{
    private readonly ConcurrentDictionary<string, ToolSignature> _signatures = new(StringComparer.Ordinal);

    /// <summary>True when <paramref name="argument"/> is a declared, optional argument of the tool.</summary>
    public bool IsOptional(string toolName, JsonElement inputSchema, string argument)
    {
        var signature = _signatures.GetOrAdd(toolName, static (_, schema) => ToolSignature.From(schema), inputSchema);
        return signature.Parameters.TryGetValue(argument, out var parameter) && !parameter.Required;
    }

    /// <summary>Every problem with <paramref name="arguments"/>; empty when they fit the schema.</summary>
    public IReadOnlyList<string> Validate(string toolName, JsonElement inputSchema, IDictionary<string, JsonElement>? arguments)
    {
        var signature = _signatures.GetOrAdd(toolName, static (_, schema) => ToolSignature.From(schema), inputSchema);
        var problems = new List<string>();
        arguments ??= new Dictionary<string, JsonElement>();
        foreach (var (name, value) in arguments)
        {
            if (!signature.Parameters.TryGetValue(name, out var parameter))
            {
                problems.Add(signature.Parameters.Count == 0
                    ? $"unknown argument '{name}': this tool takes no arguments"
                    : $"unknown argument '{name}'; allowed: {signature.Describe()}");
                continue;
            }

            var allowed = parameter.Description is { } description ? ": " + description.TrimEnd('.') : string.Empty;
            switch (parameter.Check(value))
            {
                case Fit.WrongType:
                    problems.Add($"argument '{name}' must be {parameter.Expected} (got {Describe(value)}){allowed}");
                    break;
                case Fit.OutOfRange:
                    // A whole number too large for the argument is told what is allowed (the description carries the range).
                    problems.Add($"argument '{name}' is out of range (got {Describe(value)}){allowed}");
                    break;
                case Fit.InvalidText:
                    problems.Add(InvalidTextProblem(name));
                    break;
            }
        }

        foreach (var parameter in signature.Parameters.Values.Where(p => p.Required && !arguments.ContainsKey(p.Name)))
        {
            problems.Add($"missing required argument '{parameter.Name}' ({parameter.Expected}){(parameter.Description is { } d ? ": " + d.TrimEnd('.') : string.Empty)}");
        }

        return problems;
    }

    /// <summary>
    /// The arguments with every whole number written in another form (<c>1e2</c>, <c>3.0</c>) rewritten
    /// as a plain integer, so the tool binds it; <see langword="null"/> when nothing needed rewriting.
    /// JSON Schema counts those forms as integers, so they are accepted. Call after <see cref="Validate"/> found no problem.
    /// </summary>
    public Dictionary<string, JsonElement>? NormalizeIntegers(string toolName, JsonElement inputSchema, IDictionary<string, JsonElement>? arguments)
    {
        if (arguments is null)
        {
            return null;
        }

        var signature = _signatures.GetOrAdd(toolName, static (_, schema) => ToolSignature.From(schema), inputSchema);
        Dictionary<string, JsonElement>? result = null;
        foreach (var (name, value) in arguments)
        {
            if (signature.Parameters.TryGetValue(name, out var parameter) && parameter.AsPlainInteger(value) is { } plain)
            {
                result ??= new Dictionary<string, JsonElement>(arguments, StringComparer.Ordinal);
                result[name] = JsonSerializer.SerializeToElement(plain, Tools.Results.ToolJsonContext.Default.Int32);
            }
        }

        return result;
    }

    /// <summary>The problem of an argument whose text is not valid UTF-16.</summary>
    public static string InvalidTextProblem(string name) =>
        $"argument '{name}' is not valid text: it contains a lone UTF-16 surrogate (an unpaired \\ud800-\\udfff escape); send well-formed Unicode";

    private enum Fit
    {
        Ok,
        WrongType,
        OutOfRange,
        InvalidText,
    }

    private static string Describe(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => "a string",
        // Numbers are safe to echo (strings are not: a misplaced one may be a connection string).
        JsonValueKind.Number => "the number " + value.GetRawText(),
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        JsonValueKind.Array => "an array",
        JsonValueKind.Object => "an object",
        _ => "nothing",
    };

    private sealed record ToolSignature(IReadOnlyDictionary<string, Parameter> Parameters)
    {
        public static ToolSignature From(JsonElement schema)
        {
            var required = new HashSet<string>(StringComparer.Ordinal);
            if (schema.ValueKind == JsonValueKind.Object && schema.TryGetProperty("required", out var list) && list.ValueKind == JsonValueKind.Array)
            {
                foreach (var item in list.EnumerateArray())
                {
                    if (item.GetString() is { } name)
                    {
                        required.Add(name);
                    }
                }
            }

            var parameters = new Dictionary<string, Parameter>(StringComparer.Ordinal);
            if (schema.ValueKind == JsonValueKind.Object && schema.TryGetProperty("properties", out var properties) && properties.ValueKind == JsonValueKind.Object)
            {
                foreach (var property in properties.EnumerateObject())
                {
                    var types = new HashSet<string>(StringComparer.Ordinal);
                    if (property.Value.TryGetProperty("type", out var type))
                    {
                        if (type.ValueKind == JsonValueKind.String)
                        {
                            types.Add(type.GetString()!);
                        }
                        else if (type.ValueKind == JsonValueKind.Array)
                        {
                            types.UnionWith(type.EnumerateArray().Select(t => t.GetString()).OfType<string>());
                        }
                    }

                    var description = property.Value.TryGetProperty("description", out var d) && d.ValueKind == JsonValueKind.String ? d.GetString() : null;
                    parameters[property.Name] = new Parameter(property.Name, types, required.Contains(property.Name), description);
                }
            }

            return new ToolSignature(parameters);
        }

        public string Describe() => string.Join(", ", Parameters.Values.Select(p => $"{p.Name} ({p.Expected}{(p.Required ? ", required" : string.Empty)})"));
    }

    private sealed record Parameter(string Name, IReadOnlySet<string> Types, bool Required, string? Description)
    {
        /// <summary>The JSON types allowed, in words (null is allowed for optional arguments but not named).</summary>
        public string Expected
        {
            get
            {
                var words = Types.Where(t => t != "null").Select(t => t switch
                {
                    "integer" => "a whole number",
                    "number" => "a number",
                    "boolean" => "true or false",
                    "string" => "a string",
                    "array" => "an array",
                    "object" => "an object",
                    _ => t,
                }).ToList();
                return words.Count == 0 ? "any value" : string.Join(" or ", words);
            }
        }

        public Fit Check(JsonElement value)
        {
            if (value.ValueKind == JsonValueKind.String && !IsWellFormed(value))
            {
                return Fit.InvalidText;
            }

            if (Types.Count == 0)
            {
                return Fit.Ok;
            }

            var fits = value.ValueKind switch
            {
                JsonValueKind.String => Types.Contains("string"),
                JsonValueKind.True or JsonValueKind.False => Types.Contains("boolean"),
                JsonValueKind.Null => Types.Contains("null"),
                JsonValueKind.Array => Types.Contains("array"),
                JsonValueKind.Object => Types.Contains("object"),
                JsonValueKind.Number => Types.Contains("number") || Types.Contains("integer"),
                _ => false,
            };
            if (!fits)
            {
                return Fit.WrongType;
            }

            if (value.ValueKind != JsonValueKind.Number || Types.Contains("number") || value.TryGetInt32(out _))
            {
                return Fit.Ok;
            }

            // Every integer argument of these tools is a 32-bit int. JSON Schema counts 1e2 and 3.0 as
            // integers; a whole number beyond 32 bits is out of range, not of the wrong type.
            if (value.TryGetDecimal(out var exact))
            {
                return exact != decimal.Truncate(exact) ? Fit.WrongType : exact is >= int.MinValue and <= int.MaxValue ? Fit.Ok : Fit.OutOfRange;
            }

            return value.TryGetDouble(out var approximate) && double.IsFinite(approximate) && Math.Floor(approximate) == approximate ? Fit.OutOfRange : Fit.WrongType;
        }

        /// <summary>The value as a plain int when it is a whole number written another way (1e2, 3.0); else null.</summary>
        public int? AsPlainInteger(JsonElement value)
        {
            if (value.ValueKind != JsonValueKind.Number || !Types.Contains("integer") || Types.Contains("number") || value.TryGetInt32(out _))
            {
                return null;
            }

            return value.TryGetDecimal(out var exact) && exact == decimal.Truncate(exact) && exact is >= int.MinValue and <= int.MaxValue ? (int)exact : null;
        }

        private static bool IsWellFormed(JsonElement value)
        {
            try
            {
                _ = value.GetString();
                return true;
            }
            catch (InvalidOperationException)
            {
                // System.Text.Json refuses to transcode a lone surrogate.
                return false;
            }
        }
    }
}
