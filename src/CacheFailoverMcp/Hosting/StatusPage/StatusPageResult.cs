using System.Text.Json.Serialization;
using CacheFailover.Mcp.Tools.Results;

namespace CacheFailoverMcp.Hosting.StatusPage;

/// <summary>
/// What <c>GET /status.json</c> answers and the status page draws: the status and the events exactly
/// as the <c>get_cache_failover_status</c> and <c>get_failover_events</c> tools return them, plus
/// the sampled health and latency of each service over the last minutes.
/// </summary>
public sealed record StatusPageResult(
    DateTimeOffset GeneratedAt,
    FailoverStatusResult Status,
    IReadOnlyList<FailoverEventResult> Events,
    SampleHistoryResult History);

/// <summary>The sampler's points, per service.</summary>
public sealed record SampleHistoryResult(double IntervalSeconds, double WindowSeconds, IReadOnlyList<ServiceSeriesResult> Services);

/// <summary>One service's samples, oldest first.</summary>
public sealed record ServiceSeriesResult(string ServiceId, IReadOnlyList<ServiceSample> Points);

/// <summary>
/// Source-generated serialization for the page's JSON (Native AOT has no reflection-based
/// serializer), snake_case and nulls written, like the tools' results.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    NumberHandling = JsonNumberHandling.Strict)]
[JsonSerializable(typeof(StatusPageResult))]
internal sealed partial class StatusPageJsonContext : JsonSerializerContext;
