using CacheFailoverMcp.Hosting;
using Serilog;
using Serilog.Core;
using Serilog.Events;

namespace CacheFailoverMcp.Tests.Hosting;

public sealed class SingleLineFormatterTests
{
    [Fact]
    public void Format_ValueWithNewlinesAndControls_StaysOnOneLine()
    {
        using var output = new StringWriter();
        using (var logger = new LoggerConfiguration().WriteTo.Sink(new FormattingSink(output)).CreateLogger())
        {
            logger.Information("refused {Id}", "zz\n[19:00:00.000 INF] forged\r\u001b[31m");
            logger.Error(new InvalidOperationException("boom\nsecond line"), "with {Count} exception", 1);
        }

        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.Contains("zz\\n[19:00:00.000 INF] forged\\r\\u001b[31m", lines[0], StringComparison.Ordinal);
        Assert.DoesNotContain(lines, l => l.StartsWith("[19:00:00.000 INF] forged", StringComparison.Ordinal));
        Assert.Contains("boom\\nsecond line", lines[1], StringComparison.Ordinal);
    }

    [Fact]
    public void Format_SecretInAMessage_IsRedacted()
    {
        using var output = new StringWriter();
        using (var logger = new LoggerConfiguration().WriteTo.Sink(new FormattingSink(output)).CreateLogger())
        {
            logger.Warning("could not use {Connection}", "redis://ops:S3CRETpw@10.0.0.7:6379");
        }

        Assert.DoesNotContain("S3CRETpw", output.ToString(), StringComparison.Ordinal);
        Assert.Contains("redis://ops:***@10.0.0.7:6379", output.ToString(), StringComparison.Ordinal);
    }
}

/// <summary>Writes each event through the product's formatter, as the console sink does.</summary>
internal sealed class FormattingSink(TextWriter output) : ILogEventSink
{
    private readonly SingleLineFormatter _formatter = new();

    public void Emit(LogEvent logEvent) => _formatter.Format(logEvent, output);
}
