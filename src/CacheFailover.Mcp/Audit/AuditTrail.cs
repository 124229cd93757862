using System.Text.Json;
using CacheFailover.Mcp.Tools.Results;
using Microsoft.Extensions.Logging;

namespace CacheFailover.Mcp.Audit;

/// <summary>How a mutating tool call ended.</summary>
public static class AuditOutcomes
{
    public const string Succeeded = "succeeded";
    public const string Refused = "refused";
    public const string InvalidArguments = "invalid_arguments";
    public const string Failed = "failed";
}

/// <summary>
/// Every call of a mutating tool: logged as one structured event and kept in a bounded in-memory
/// list (newest last) that <c>get_failover_events</c> can include. Thread-safe; one per process.
/// </summary>
public sealed partial class AuditTrail
{
    private readonly Lock _lock = new();
    private readonly Queue<AuditEntryResult> _entries = new();
    private readonly int _capacity;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private long _nextId;

    public AuditTrail(int capacity, TimeProvider timeProvider, ILogger<AuditTrail> logger)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _capacity = capacity;
        _timeProvider = timeProvider ?? throw new ArgumentNullException(nameof(timeProvider));
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
    }

    /// <summary>Records one call; <paramref name="arguments"/> must already be redacted.</summary>
    public AuditEntryResult Record(string tool, IReadOnlyDictionary<string, JsonElement> arguments, string outcome, string? message, long epochBefore, long epochAfter, AuditCaller? caller = null)
    {
        caller ??= AuditCaller.Unknown;
        AuditEntryResult entry;
        lock (_lock)
        {
            entry = new AuditEntryResult(++_nextId, _timeProvider.GetUtcNow(), tool, arguments, outcome, message, epochBefore, epochAfter, caller.User, caller.Client, caller.RemoteAddress);
            _entries.Enqueue(entry);
            while (_entries.Count > _capacity)
            {
                _entries.Dequeue();
            }
        }

        var by = caller.ToString();
        var argumentsText = JsonSerializer.Serialize(arguments, ToolJsonContext.Default.IReadOnlyDictionaryStringJsonElement);
        if (outcome == AuditOutcomes.Succeeded)
        {
            LogSucceeded(_logger, tool, argumentsText, outcome, epochBefore, epochAfter, by);
        }
        else
        {
            LogNotSucceeded(_logger, tool, argumentsText, outcome, epochBefore, epochAfter, by, message);
        }

        return entry;
    }

    /// <summary>Entries newest first, at most <paramref name="limit"/>, optionally since a time.</summary>
    public IReadOnlyList<AuditEntryResult> Query(int limit, DateTimeOffset? since = null)
    {
        lock (_lock)
        {
            return [.. _entries.Reverse().Where(e => since is null || e.At >= since).Take(limit)];
        }
    }

    [LoggerMessage(EventId = 2001, EventName = "ToolAudit", Level = LogLevel.Information,
        Message = "audit: {Tool} {Arguments} -> {Outcome}; epoch {EpochBefore} -> {EpochAfter}; by {Caller}")]
    private static partial void LogSucceeded(ILogger logger, string tool, string arguments, string outcome, long epochBefore, long epochAfter, string caller);

    [LoggerMessage(EventId = 2002, EventName = "ToolAuditNotSucceeded", Level = LogLevel.Warning,
        Message = "audit: {Tool} {Arguments} -> {Outcome}; epoch {EpochBefore} -> {EpochAfter}; by {Caller}: {Detail}")]
    private static partial void LogNotSucceeded(ILogger logger, string tool, string arguments, string outcome, long epochBefore, long epochAfter, string caller, string? detail);
}
