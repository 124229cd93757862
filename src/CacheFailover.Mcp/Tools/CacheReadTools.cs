using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using CacheFailover.Engine;
using CacheFailover.Mcp.Tools.Results;
using ModelContextProtocol.Server;

namespace CacheFailover.Mcp.Tools;

/// <summary>Read-only cache operations, routed through the failover engine like application traffic.</summary>
[McpServerToolType]
public sealed class CacheReadTools(FailoverEngine engine)
{
    [McpServerTool(Name = "cache_get", Title = "Read a cache key",
        ReadOnly = true, Destructive = false, Idempotent = true, OpenWorld = false, UseStructuredContent = true)]
    [Description("Reads a key through the failover engine (from whichever service is serving now) and returns its value as UTF-8 text, "
        + "whether it was found, and which service answered. Use it to check what the application would read, e.g. after a failover.")]
    public async Task<CacheGetResult> CacheGet(
        [Description("The cache key, 1 to 1024 characters."), StringLength(CacheKeys.MaxKeyLength, MinimumLength = 1)] string key,
        CancellationToken cancellationToken)
    {
        CacheKeys.Check(key);
        var result = await engine.GetWithResultAsync(key, cancellationToken);
        return new CacheGetResult(key, result.Value is not null, result.Value is { } bytes ? CacheKeys.Decode(bytes) : null, result.ServedBy, result.Epoch);
    }

    [McpServerTool(Name = "cache_exists", Title = "Check a cache key",
        ReadOnly = true, Destructive = false, Idempotent = true, OpenWorld = false, UseStructuredContent = true)]
    [Description("Checks whether a key exists (and has not expired) on the service that is serving now, without reading its value.")]
    public async Task<CacheExistsResult> CacheExists(
        [Description("The cache key, 1 to 1024 characters."), StringLength(CacheKeys.MaxKeyLength, MinimumLength = 1)] string key,
        CancellationToken cancellationToken)
    {
        CacheKeys.Check(key);
        var result = await engine.ExistsWithResultAsync(key, cancellationToken);
        return new CacheExistsResult(key, result.Value, result.ServedBy, result.Epoch);
    }
}
