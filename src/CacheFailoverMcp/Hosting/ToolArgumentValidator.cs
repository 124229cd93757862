using System.Collections.Concurrent;
using System.Text.Json;

namespace CacheFailoverMcp.Hosting;

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

            if (!parameter.Accepts(value))
            {
                // The description carries the allowed range (e.g. "1 to 1000"): a whole number too
                // large for the argument is told what is allowed, not only that it is a number.
                problems.Add($"argument '{name}' must be {parameter.Expected} (got {Describe(value)}){(parameter.Description is { } allowed ? ": " + allowed.TrimEnd('.') : string.Empty)}");
            }
        }

        foreach (var parameter in signature.Parameters.Values.Where(p => p.Required && !arguments.ContainsKey(p.Name)))
        {
            problems.Add($"missing required argument '{parameter.Name}' ({parameter.Expected}){(parameter.Description is { } d ? ": " + d.TrimEnd('.') : string.Empty)}");
        }

        return problems;
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

        public bool Accepts(JsonElement value)
        {
            if (Types.Count == 0)
            {
                return true;
            }

            return value.ValueKind switch
            {
                JsonValueKind.String => Types.Contains("string"),
                JsonValueKind.True or JsonValueKind.False => Types.Contains("boolean"),
                JsonValueKind.Null => Types.Contains("null"),
                JsonValueKind.Array => Types.Contains("array"),
                JsonValueKind.Object => Types.Contains("object"),
                // Every integer argument of these tools is a 32-bit int; a larger one would fail to bind.
                JsonValueKind.Number => Types.Contains("number") || (Types.Contains("integer") && value.TryGetInt32(out _)),
                _ => false,
            };
        }
    }
}
