using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using CacheFailover.Engine;
using CacheFailover.Mcp;
using CacheFailover.Mcp.Audit;
using CacheFailover.Mcp.Filters;
using CacheFailover.Mcp.Tools.Results;
using ModelContextProtocol;
using ModelContextProtocol.Server;

namespace CacheFailover.Mcp.Tools;

/// <summary>Operator-requested failover and recovery.</summary>
#pragma warning disable CA1707 // Identifiers should not contain underscores: parameter names are the tool's wire names.
#pragma warning disable IDE1006
[McpServerToolType]
public sealed class FailoverControlTools(FailoverEngine engine)
{
    private const int MaxReasonLength = 500;

    [McpServerTool(Name = "trigger_manual_failover", Title = "Fail over now",
        ReadOnly = false, Destructive = true, Idempotent = false, OpenWorld = false, UseStructuredContent = true)]
    [Description("Moves cache traffic away from the serving service now, to target_service_id or to the best healthy backup (verified by a probe first). "
        + "Use it before maintenance on the primary. Refused, changing nothing, when the target is unknown, unhealthy, already serving or the primary. "
        + "After a manual failover, automatic recovery waits for trigger_manual_recovery. Returns the recorded event (success, from/to service, duration, new epoch) once every live member of the failover group follows it, or names those that do not.")]
    public async Task<FailoverEventResult> TriggerManualFailover(
        [Description("Why, in words; kept in the event history and audit trail (1 to 500 characters)."), StringLength(MaxReasonLength, MinimumLength = 1)] string reason,
        [Description("The backup to switch to (a service_id from get_cache_failover_status); omit to let the engine choose the best healthy backup."), ServiceIdPattern] string? target_service_id = null,
        CancellationToken cancellationToken = default)
    {
        CheckReason(reason, required: true);
        if (target_service_id is { Length: 0 })
        {
            throw new ToolArgumentException("target_service_id must not be empty; omit it to let the engine choose.");
        }

        var failoverEvent = await engine.TriggerManualFailoverAsync(reason.Trim(), target_service_id, cancellationToken);
        return ResultMapper.ToEvent(failoverEvent) with { MembersNotFollowing = await NotFollowingAsync(cancellationToken) };
    }

    [McpServerTool(Name = "trigger_manual_recovery", Title = "Recover to the primary",
        ReadOnly = false, Destructive = true, Idempotent = false, OpenWorld = false, UseStructuredContent = true)]
    [Description("Switches traffic back to the primary after a failover: probes the primary, invalidates on it every key written while a backup served "
        + "(so no stale value is read), then switches. Refused with the reason, changing nothing, when the primary is not healthy, already serving, "
        + "or dirty (its journal overflowed) unless flush_dirty_primary is true — which empties the primary first.")]
    public async Task<RecoveryToolResult> TriggerManualRecovery(
        [Description("Why, in words; kept in the event history (up to 500 characters). Default 'manual recovery'."), StringLength(MaxReasonLength)] string? reason = null,
        [Description("When the primary is dirty, flush (empty) it before it serves again. Default false. Destroys every key on the primary.")] bool flush_dirty_primary = false,
        IProgress<ProgressNotificationValue>? progress = null,
        CancellationToken cancellationToken = default)
    {
        CheckReason(reason, required: false);

        // A client that sent a progress token hears each step: probes, journals read, every invalidation batch, the switch.
        var result = await engine.TriggerManualRecoveryAsync(reason?.Trim(), flush_dirty_primary, ProgressRelay.For(progress), cancellationToken);
        if (result.RefusalReason is { } refusal)
        {
            throw new ToolRefusedException(refusal);
        }

        return new RecoveryToolResult(
            result.Success,
            [.. result.Verification.Select(p => new ProbeResultItem(p.Attempt, p.Success, ResultMapper.Round(p.LatencyMs), p.Error))],
            result.ReconciledKeys,
            result.Flushed,
            engine.Epoch,
            result.Event is { } e ? ResultMapper.ToEvent(e) : null,
            await NotFollowingAsync(cancellationToken));
    }

    /// <summary>The members of the group that have not followed this member's decision yet (waits up to 2 s for them).</summary>
    private async Task<IReadOnlyList<string>> NotFollowingAsync(CancellationToken cancellationToken)
        => [.. (await engine.WaitForGroupToFollowAsync(cancellationToken: cancellationToken)).Select(m => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{m.Identity.MemberId} ({m.Identity.Host}, pid {m.Identity.Pid})"))];

    private static void CheckReason(string? reason, bool required)
    {
        if (reason is null && !required)
        {
            return;
        }

        if (string.IsNullOrWhiteSpace(reason) || reason.Length > MaxReasonLength)
        {
            throw new ToolArgumentException($"reason must be 1 to {MaxReasonLength} characters (got {(string.IsNullOrWhiteSpace(reason) ? "only whitespace" : reason.Length + " characters")}).");
        }
    }
}
