using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using CacheFailover.Security;

namespace CacheFailover.Mcp.Audit;

/// <summary>
/// What the audit trail keeps of a call: arguments with secrets redacted by what they look like (at
/// every depth, whatever the argument is called), cache values as their size only, and everything
/// bounded — a caller must not be able to grow the trail or the log by sending large arguments.
/// </summary>
internal static class AuditPayload
{
    /// <summary>Characters kept of any one string inside an argument.</summary>
    public const int MaxStringChars = 256;

    /// <summary>Characters (as JSON) kept of any one argument.</summary>
    public const int MaxArgumentChars = 1024;

    /// <summary>Characters (as JSON) kept of all the arguments of one entry.</summary>
    public const int MaxEntryChars = 4096;

    /// <summary>Characters kept of an entry's message.</summary>
    public const int MaxMessageChars = 1024;

    /// <summary>The entry key that stands for the arguments cut over <see cref="MaxEntryChars"/> (no tool argument has this name).</summary>
    public const string CutMarkerName = "(cut)";

    /// <summary>The arguments as the audit keeps them.</summary>
    public static Dictionary<string, JsonElement> Arguments(IDictionary<string, JsonElement>? arguments)
    {
        var result = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        if (arguments is null)
        {
            return result;
        }

        var total = 0;
        var cutArguments = 0;
        var cutChars = 0L;
        foreach (var (rawName, value) in arguments)
        {
            var name = Cut(SecretRedactor.Redact(rawName), MaxStringChars);
            JsonNode? kept;
            if (rawName == "value" && value.ValueKind == JsonValueKind.String)
            {
                // Cache values are user data (possibly sensitive): the audit keeps their size only.
                kept = JsonValue.Create(string.Create(CultureInfo.InvariantCulture, $"<{Encoding.UTF8.GetByteCount(SecretRedactor.SafeString(value))} bytes>"));
            }
            else if (SecretRedactor.IsSecretName(rawName) && value.ValueKind != JsonValueKind.Null)
            {
                kept = JsonValue.Create(SecretRedactor.Mask);
            }
            else
            {
                kept = CutStrings(SecretRedactor.Redact(value));
            }

            var json = kept?.ToJsonString() ?? "null";
            if (json.Length > MaxArgumentChars)
            {
                kept = JsonValue.Create(Cut(json, MaxArgumentChars));
                json = kept.ToJsonString();
            }

            if (total + json.Length > MaxEntryChars)
            {
                cutArguments++;
                cutChars += json.Length;
                continue;
            }

            total += json.Length;
            result[name] = JsonSerializer.SerializeToElement(kept, Tools.Results.ToolJsonContext.Default.JsonNode);
        }

        if (cutArguments > 0)
        {
            result[CutMarkerName] = JsonSerializer.SerializeToElement(
                string.Create(CultureInfo.InvariantCulture, $"<{cutArguments} more argument(s) cut: {cutChars} characters over the entry's limit of {MaxEntryChars}>"),
                Tools.Results.ToolJsonContext.Default.String);
        }

        return result;
    }

    /// <summary>A message as the audit keeps it: redacted and bounded.</summary>
    public static string? Message(string? message) => message is null ? null : Cut(SecretRedactor.Redact(message), MaxMessageChars);

    /// <summary>The text, or its first <paramref name="max"/> characters and a marker saying how many were cut.</summary>
    public static string Cut(string text, int max)
    {
        if (text.Length <= max)
        {
            return text;
        }

        // Never split a surrogate pair: the kept half would be invalid text.
        var keep = char.IsHighSurrogate(text[max - 1]) ? max - 1 : max;
        return string.Create(CultureInfo.InvariantCulture, $"{text[..keep]}…[{text.Length - keep} more characters cut]");
    }

    private static JsonNode? CutStrings(JsonNode? node)
    {
        switch (node)
        {
            case JsonValue value when value.TryGetValue<string>(out var text):
                return text.Length > MaxStringChars ? JsonValue.Create(Cut(text, MaxStringChars)) : value;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++)
                {
                    var item = array[i];
                    var cut = CutStrings(item);
                    if (!ReferenceEquals(cut, item))
                    {
                        array[i] = cut;
                    }
                }

                return array;
            case JsonObject obj:
                foreach (var key in obj.Select(p => p.Key).ToList())
                {
                    var item = obj[key];
                    var cut = CutStrings(item);
                    if (!ReferenceEquals(cut, item))
                    {
                        obj[key] = cut;
                    }
                }

                return obj;
            default:
                return node;
        }
    }
}
