using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace CacheFailover.Mcp.Registration;

/// <summary>
/// A tool listed from its recorded description (<see cref="ToolManifest"/>) and built by the SDK
/// only when it is first called. The SDK builds a tool's input and output schemas by reflecting over
/// the method, its parameters and its result type; under Native AOT that reflection was about 40% of
/// the start-up's CPU time for thirteen tools (perf, on this machine), and a client lists the tools at
/// every session start but calls few of them.
/// </summary>
internal sealed class DeferredTool(Tool description, Func<McpServerTool> build) : McpServerTool
{
    private readonly Lazy<McpServerTool> _tool = new(build, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The name, annotations and schemas the client sees: the recorded ones, equal to what the SDK builds (a test keeps them equal).</summary>
    public override Tool ProtocolTool => description;

    /// <summary>No metadata until built: nothing in this server reads a tool's method attributes before calling it.</summary>
    public override IReadOnlyList<object> Metadata => _tool.IsValueCreated ? _tool.Value.Metadata : [];

    /// <summary>True once the SDK's tool has been built (on the first call).</summary>
    internal bool IsBuilt => _tool.IsValueCreated;

    public override ValueTask<CallToolResult> InvokeAsync(RequestContext<CallToolRequestParams> request, CancellationToken cancellationToken = default)
        => _tool.Value.InvokeAsync(request, cancellationToken);
}
