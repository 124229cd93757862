using System.Globalization;
using System.Text;

namespace CacheFailover.Bench.Report;

/// <summary>Builds GitHub-flavoured Markdown tables.</summary>
internal sealed class Markdown
{
    private readonly StringBuilder _text = new();

    public static string F(double value, string format = "0.0") =>
        double.IsNaN(value) ? "n/a" : double.IsPositiveInfinity(value) ? "∞" : value.ToString(format, CultureInfo.InvariantCulture);

    public static string Met(bool? met) => met switch
    {
        true => "met",
        false => "**not met**",
        null => "not judged (--quick)",
    };

    public Markdown Heading(string text)
    {
        _text.Append("## ").AppendLine(text).AppendLine();
        return this;
    }

    public Markdown Subheading(string text)
    {
        _text.Append("### ").AppendLine(text).AppendLine();
        return this;
    }

    public Markdown Paragraph(string text)
    {
        _text.AppendLine(text).AppendLine();
        return this;
    }

    public Markdown Table(IReadOnlyList<string> header, IEnumerable<IReadOnlyList<string>> rows)
    {
        _text.Append("| ").AppendJoin(" | ", header).AppendLine(" |");
        _text.Append('|').AppendJoin('|', header.Select(_ => "---")).AppendLine("|");
        foreach (var row in rows)
        {
            _text.Append("| ").AppendJoin(" | ", row.Select(cell => cell.Replace("|", "\\|", StringComparison.Ordinal))).AppendLine(" |");
        }

        _text.AppendLine();
        return this;
    }

    public Markdown Targets(IReadOnlyList<TargetCheck> targets) =>
        Table(["target", "measured", "verdict"], targets.Select(t => (IReadOnlyList<string>)[t.Target, t.Measured, Met(t.Met)]));

    public Markdown Bullets(IEnumerable<string> lines)
    {
        foreach (var line in lines)
        {
            _text.Append("- ").AppendLine(line);
        }

        _text.AppendLine();
        return this;
    }

    public override string ToString() => _text.ToString();
}
