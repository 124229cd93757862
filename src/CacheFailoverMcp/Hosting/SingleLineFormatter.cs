using System.Globalization;
using System.Text;
using CacheFailover.Security;
using Serilog.Events;
using Serilog.Formatting;
using Serilog.Formatting.Display;

namespace CacheFailoverMcp.Hosting;

/// <summary>
/// Formats every log event as exactly one line: control characters anywhere in it (a newline in a
/// service id, a stack trace) are escaped, so a value can never forge a line of its own; and any
/// secret that reached a message is redacted by what it looks like. The one place for both, so every
/// message and property is covered whoever logged it.
/// </summary>
public sealed class SingleLineFormatter : ITextFormatter
{
    /// <summary>The line layout: time, level, source, message, and the exception (escaped) at the end.</summary>
    public const string Template = "[{Timestamp:HH:mm:ss.fff} {Level:u3}] {SourceContext}: {Message:lj}{Exception}";

    private readonly MessageTemplateTextFormatter _inner = new(Template, CultureInfo.InvariantCulture);

    public void Format(LogEvent logEvent, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(output);
        using var buffer = new StringWriter(CultureInfo.InvariantCulture);
        _inner.Format(logEvent, buffer);
        output.Write(Escape(SecretRedactor.Redact(buffer.ToString().TrimEnd('\r', '\n'))));
        output.Write('\n');
    }

    /// <summary>The text with every control character written as an escape (<c>\n</c>, <c>\u001b</c>…).</summary>
    public static string Escape(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (!text.Any(IsEscaped))
        {
            return text;
        }

        var result = new StringBuilder(text.Length + 16);
        foreach (var c in text)
        {
            switch (c)
            {
                case '\n': result.Append("\\n"); break;
                case '\r': result.Append("\\r"); break;
                case '\t': result.Append("\\t"); break;
                default:
                    if (IsEscaped(c))
                    {
                        result.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        result.Append(c);
                    }

                    break;
            }
        }

        return result.ToString();
    }

    // C0 and C1 controls and the Unicode line/paragraph separators: each can start a new line on some terminal.
    private static bool IsEscaped(char c) => char.IsControl(c) || c is '\u2028' or '\u2029';
}
