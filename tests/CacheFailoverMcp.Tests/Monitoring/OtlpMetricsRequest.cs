using System.Buffers.Binary;
using System.Text;

namespace CacheFailoverMcp.Tests.Monitoring;

/// <summary>One data point of an OTLP sum: its attributes and its integer value.</summary>
internal sealed record OtlpPoint(IReadOnlyDictionary<string, string> Attributes, long Value);

/// <summary>One metric of an OTLP export: the scope (meter) it came from, its name and unit, and the points of a sum.</summary>
internal sealed record OtlpMetric(string Scope, string Name, string Unit, IReadOnlyList<OtlpPoint> SumPoints);

/// <summary>
/// Reads the parts of an OTLP/HTTP protobuf <c>ExportMetricsServiceRequest</c> a test asserts on, by
/// walking the protobuf wire format with the field numbers of opentelemetry-proto's
/// <c>metrics/v1/metrics.proto</c>: resource_metrics(1) → scope_metrics(2) → scope(1).name(1) and
/// metrics(2) → name(1), unit(3), sum(7) → data_points(1) → attributes(7), as_int(6).
/// </summary>
internal static class OtlpMetricsRequest
{
    public static IReadOnlyList<OtlpMetric> Parse(ReadOnlyMemory<byte> body)
    {
        var metrics = new List<OtlpMetric>();
        foreach (var resourceMetrics in Fields(body, 1))
        {
            foreach (var scopeMetrics in Fields(resourceMetrics, 2))
            {
                var scope = Fields(scopeMetrics, 1).Select(s => String(s, 1)).FirstOrDefault() ?? string.Empty;
                foreach (var metric in Fields(scopeMetrics, 2))
                {
                    var points = Fields(metric, 7).SelectMany(sum => Fields(sum, 1)).Select(Point).ToList();
                    metrics.Add(new OtlpMetric(scope, String(metric, 1) ?? string.Empty, String(metric, 3) ?? string.Empty, points));
                }
            }
        }

        return metrics;
    }

    private static OtlpPoint Point(ReadOnlyMemory<byte> point)
    {
        var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var keyValue in Fields(point, 7))
        {
            // KeyValue { key = 1; AnyValue value = 2 { string_value = 1; bool_value = 2; int_value = 3 } }
            var value = Fields(keyValue, 2).FirstOrDefault();
            attributes[String(keyValue, 1) ?? string.Empty] = String(value, 1) ?? (Varints(value, 2).Select(v => v != 0 ? "true" : "false").FirstOrDefault()) ?? string.Empty;
        }

        var asInt = Fixed64(point, 6).FirstOrDefault();
        return new OtlpPoint(attributes, asInt);
    }

    private static string? String(ReadOnlyMemory<byte> message, int field) =>
        Fields(message, field).Select(bytes => Encoding.UTF8.GetString(bytes.Span)).FirstOrDefault();

    /// <summary>The length-delimited fields numbered <paramref name="field"/>.</summary>
    private static List<ReadOnlyMemory<byte>> Fields(ReadOnlyMemory<byte> message, int field) =>
        [.. Walk(message).Where(f => f.Number == field && f.WireType == 2).Select(f => f.Bytes)];

    private static IEnumerable<long> Fixed64(ReadOnlyMemory<byte> message, int field) =>
        Walk(message).Where(f => f.Number == field && f.WireType == 1).Select(f => BinaryPrimitives.ReadInt64LittleEndian(f.Bytes.Span));

    private static IEnumerable<long> Varints(ReadOnlyMemory<byte> message, int field) =>
        Walk(message).Where(f => f.Number == field && f.WireType == 0).Select(f => f.Varint);

    private static List<(int Number, int WireType, ReadOnlyMemory<byte> Bytes, long Varint)> Walk(ReadOnlyMemory<byte> message)
    {
        var fields = new List<(int, int, ReadOnlyMemory<byte>, long)>();
        var span = message.Span;
        var position = 0;
        while (position < span.Length)
        {
            var tag = ReadVarint(span, ref position);
            var number = (int)(tag >> 3);
            var wireType = (int)(tag & 7);
            switch (wireType)
            {
                case 0:
                    fields.Add((number, wireType, ReadOnlyMemory<byte>.Empty, (long)ReadVarint(span, ref position)));
                    break;
                case 1:
                    fields.Add((number, wireType, message.Slice(position, 8), 0));
                    position += 8;
                    break;
                case 2:
                    var length = (int)ReadVarint(span, ref position);
                    fields.Add((number, wireType, message.Slice(position, length), 0));
                    position += length;
                    break;
                case 5:
                    fields.Add((number, wireType, message.Slice(position, 4), 0));
                    position += 4;
                    break;
                default:
                    throw new FormatException($"protobuf wire type {wireType} (field {number}) at byte {position} is not one OTLP uses");
            }
        }

        if (position != span.Length)
        {
            throw new FormatException("a protobuf field runs past the end of its message");
        }

        return fields;
    }

    private static ulong ReadVarint(ReadOnlySpan<byte> span, ref int position)
    {
        ulong value = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            var b = span[position++];
            value |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                return value;
            }
        }

        throw new FormatException("a protobuf varint is longer than 10 bytes");
    }
}
