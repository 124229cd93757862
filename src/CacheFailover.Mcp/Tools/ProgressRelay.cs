using CacheFailover.Drills;
using CacheFailover.Engine;
using ModelContextProtocol;

namespace CacheFailover.Mcp.Tools;

/// <summary>
/// Forwards an engine's or a drill's steps as MCP progress notifications (the SDK sends them only to clients
/// that asked with a progress token). Synchronous, unlike <see cref="Progress{T}"/>, so that the steps
/// arrive in order and all of them before the tool's result.
/// </summary>
internal sealed class ProgressRelay(IProgress<ProgressNotificationValue> mcp) : IProgress<RecoveryProgress>, IProgress<DrillProgress>
{
    public static ProgressRelay? For(IProgress<ProgressNotificationValue>? mcp) => mcp is null ? null : new ProgressRelay(mcp);

    public void Report(RecoveryProgress value) => mcp.Report(new ProgressNotificationValue { Progress = value.Step, Message = value.Message });

    public void Report(DrillProgress value) => mcp.Report(new ProgressNotificationValue { Progress = value.Step, Total = value.TotalSteps, Message = value.Message });
}
