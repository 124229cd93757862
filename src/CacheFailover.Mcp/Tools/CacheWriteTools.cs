using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using CacheFailover.Engine;
using CacheFailover.Mcp.Tools.Results;
using ModelContextProtocol.Server;

namespace CacheFailover.Mcp.Tools;

/// <summary>Cache writes through the failover engine (journaled while a backup serves, so failback never reads stale data).</summary>
#pragma warning disable CA1707 // Identifiers should not contain underscores: parameter names are the tool's wire names.
#pragma warning disable IDE1006
[McpServerToolType]
public sealed class CacheWriteTools(FailoverEngine engine)
{
    [McpServerTool(Name = "cache_set", Title = "Write a cache key",
        ReadOnly = false, Destructive = true, Idempotent = true, OpenWorld = false, UseStructuredContent = true)]
    [Description("Writes a UTF-8 string value under a key on the service that is serving now, replacing any previous value. "
        + "While a backup serves, the key is recorded so the primary cannot serve an older value after recovery.")]
    public async Task<CacheSetResult> CacheSet(
        [Description("The cache key, 1 to 1024 characters."), StringLength(CacheKeys.MaxKeyLength, MinimumLength = 1)] string key,
        [Description("The value, stored as UTF-8; at most 1 MiB.")] string value,
        [Description("Seconds until the key expires. 1 to 31536000; omit for no expiry."), Range(1, CacheKeys.MaxTtlSeconds)] int? ttl_seconds = null,
        CancellationToken cancellationToken = default)
    {
        CacheKeys.Check(key);
        var bytes = CacheKeys.Encode(value);
        var ttl = CacheKeys.Ttl(ttl_seconds);
        var result = await engine.SetWithResultAsync(key, bytes, ttl, cancellationToken);
        return new CacheSetResult(key, true, result.ServedBy, result.Epoch, ttl_seconds);
    }

    [McpServerTool(Name = "cache_delete", Title = "Delete a cache key",
        ReadOnly = false, Destructive = true, Idempotent = true, OpenWorld = false, UseStructuredContent = true)]
    [Description("Deletes a key on the service that is serving now. deleted is true when the key existed there and was removed, false when there was nothing to delete. "
        + "A delete made while a backup serves stays deleted after recovery.")]
    public async Task<CacheDeleteResult> CacheDelete(
        [Description("The cache key, 1 to 1024 characters."), StringLength(CacheKeys.MaxKeyLength, MinimumLength = 1)] string key,
        CancellationToken cancellationToken = default)
    {
        CacheKeys.Check(key);
        var result = await engine.DeleteWithResultAsync(key, cancellationToken);
        return new CacheDeleteResult(key, result.Value, result.ServedBy, result.Epoch);
    }
}
