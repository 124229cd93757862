using System.ComponentModel;

namespace CacheFailover.Mcp.Tools.Results;

/// <summary>Output of <c>cache_get</c>.</summary>
public sealed record CacheGetResult(
    string Key,
    bool Found,
    [property: Description("The value as UTF-8 text (bytes that are not valid UTF-8 show as U+FFFD); null when not found.")] string? Value,
    [property: Description("The service that answered.")] string ServedBy,
    long Epoch);

/// <summary>Output of <c>cache_exists</c>.</summary>
public sealed record CacheExistsResult(string Key, bool Exists, string ServedBy, long Epoch);

/// <summary>Output of <c>cache_set</c>.</summary>
public sealed record CacheSetResult(string Key, bool Stored, string ServedBy, long Epoch, int? TtlSeconds);

/// <summary>Output of <c>cache_delete</c>; <c>deleted</c> is true when the key existed and was removed.</summary>
public sealed record CacheDeleteResult(
    string Key,
    [property: Description("True when the key existed on the serving service and was removed; false when there was nothing to delete.")] bool Deleted,
    string ServedBy,
    long Epoch);
