using System.Text.Json;
using CacheFailover.Engine;
using CacheFailover.Options;
using CacheFailover.Security;
using CacheFailover.Mcp.Audit;
using Microsoft.Extensions.Logging;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace CacheFailover.Mcp.Filters;

/// <summary>
/// Runs around every tool call (an MCP call-tool filter): checks the arguments against the tool's
/// schema before it runs, turns every failure into an <c>isError</c> result a model can act on
/// (never a stack trace, never a connection secret), and writes the audit event of every call of a
/// mutating tool.
/// </summary>
public sealed partial class ToolCallGuard(
    ToolArgumentValidator validator,
    FailoverEngine engine,
    AuditTrail audit,
    ILogger<ToolCallGuard> logger)
{
    /// <summary>The filter to register with <c>AddCallToolFilter</c>.</summary>
    public static McpRequestHandler<CallToolRequestParams, CallToolResult> Filter(McpRequestHandler<CallToolRequestParams, CallToolResult> next) =>
        async (context, cancellationToken) =>
        {
            if (context.MatchedPrimitive is not McpServerTool tool || context.Services?.GetService(typeof(ToolCallGuard)) is not ToolCallGuard guard)
            {
                return await next(context, cancellationToken);
            }

            return await guard.InvokeAsync(tool, context, next, cancellationToken);
        };

    private async ValueTask<CallToolResult> InvokeAsync(
        McpServerTool tool,
        RequestContext<CallToolRequestParams> context,
        McpRequestHandler<CallToolRequestParams, CallToolResult> next,
        CancellationToken cancellationToken)
    {
        var name = tool.ProtocolTool.Name;
        var mutating = tool.ProtocolTool.Annotations?.ReadOnlyHint != true;
        var arguments = context.Params?.Arguments;
        var epochBefore = engine.Epoch;
        if (context.Params is { } parameters && arguments is not null && arguments.Any(a => a.Value.ValueKind == JsonValueKind.Null && validator.IsOptional(name, tool.ProtocolTool.InputSchema, a.Key)))
        {
            // null for an optional argument means "use the default", as if it were omitted.
            arguments = arguments.Where(a => a.Value.ValueKind != JsonValueKind.Null || !validator.IsOptional(name, tool.ProtocolTool.InputSchema, a.Key))
                .ToDictionary(a => a.Key, a => a.Value, StringComparer.Ordinal);
            parameters.Arguments = arguments;
        }

        IReadOnlyList<string> problems = context.Items.TryGetValue(ArgumentsShapeFilter.NotAnObjectKey, out var shape) && shape is string got
            ? [$"arguments must be an object with one property per argument (got {got})"]
            : context.Items.TryGetValue(ArgumentsShapeFilter.InvalidTextKey, out var invalid) && invalid is string[] names
                // Every problem, as for any other call: the text ones, then the rest (not those of the
                // same arguments, whose text the shape filter replaced by an empty string).
                ? [.. names.Select(ToolArgumentValidator.InvalidTextProblem),
                    .. validator.Validate(name, tool.ProtocolTool.InputSchema, arguments).Where(p => !names.Any(n => p.Contains($"'{n}'", StringComparison.Ordinal)))]
                : validator.Validate(name, tool.ProtocolTool.InputSchema, arguments);
        if (problems.Count > 0)
        {
            var message = $"Invalid arguments for '{name}': {string.Join("; ", problems)}.{(mutating ? " Nothing was changed." : string.Empty)}";
            return Finish(context, name, mutating, arguments, AuditOutcomes.InvalidArguments, message, epochBefore, Error(message));
        }

        if (context.Params is { } normalizedParameters && validator.NormalizeIntegers(name, tool.ProtocolTool.InputSchema, arguments) is { } normalized)
        {
            arguments = normalized;
            normalizedParameters.Arguments = normalized;
        }

        CallToolResult result;
        try
        {
            result = await next(context, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            Finish(context, name, mutating, arguments, AuditOutcomes.Failed, "cancelled by the client", epochBefore, null);
            throw;
        }
#pragma warning disable CA1031 // Every failure must reach the client as a clean isError result; unknown ones are logged in full here.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            var (outcome, message) = Describe(name, mutating, ex);
            message = SecretRedactor.Redact(message);
            return Finish(context, name, mutating, arguments, outcome, message, epochBefore, Error(message));
        }

        var failed = result.IsError == true || ReportsFailure(result);
        return Finish(context, name, mutating, arguments, failed ? AuditOutcomes.Failed : AuditOutcomes.Succeeded, failed ? FirstText(result) : null, epochBefore, result);
    }

    private CallToolResult Finish(RequestContext<CallToolRequestParams> context, string tool, bool mutating, IDictionary<string, JsonElement>? arguments, string outcome, string? message, long epochBefore, CallToolResult? result)
    {
        if (mutating)
        {
            audit.Record(tool, AuditPayload.Arguments(arguments), outcome, AuditPayload.Message(message), epochBefore, engine.Epoch, AuditCaller.Of(context));
        }

        return result!;
    }

    private (string Outcome, string Message) Describe(string tool, bool mutating, Exception ex)
    {
        var unchanged = mutating ? " Nothing was changed." : string.Empty;
        switch (ex)
        {
            case InvalidFailoverOptionsException options:
                return (AuditOutcomes.InvalidArguments, $"Invalid configuration for '{tool}': {string.Join(" ", options.Problems)} Nothing was changed.");
            case ToolArgumentException argument:
                return (AuditOutcomes.InvalidArguments, $"Invalid arguments for '{tool}': {argument.Message}{unchanged}");
            case ArgumentException argument:
                return (AuditOutcomes.InvalidArguments, $"Invalid arguments for '{tool}': {ArgumentMessages.WithoutParameterSuffix(argument)}{unchanged}");
            case FailoverRefusedException or ToolRefusedException:
                return (AuditOutcomes.Refused, $"'{tool}' was refused: {ex.Message}{(ex.Message.EndsWith('.') ? string.Empty : ".")} Nothing was changed.");
            case CacheUnavailableException unavailable:
                return (AuditOutcomes.Failed, $"'{tool}' failed: no cache service could take the operation ({unavailable.Message}){(unavailable.Outcome == CacheFailover.Backends.OperationOutcome.Unknown ? " It may or may not have been applied." : string.Empty)}");
            case CacheOperationException operation:
                return (AuditOutcomes.Failed, $"'{tool}' failed: {operation.Message}{(operation.Outcome == CacheFailover.Backends.OperationOutcome.Unknown ? " It may or may not have been applied." : " It was not applied.")}");
            case OperationCanceledException or TimeoutException:
                return (AuditOutcomes.Failed, $"'{tool}' did not finish in time; the operation may or may not have been applied.");
            default:
                LogUnexpected(logger, tool, ex);
                return (AuditOutcomes.Failed, $"'{tool}' failed with an internal error ({ex.GetType().Name}); the server log (stderr) has the details.");
        }
    }

    /// <summary>A structured result that says <c>"success": false</c> (e.g. a failover that found no candidate) is a failed call.</summary>
    private static bool ReportsFailure(CallToolResult result) =>
        result.StructuredContent is { } content
        && content.ValueKind == JsonValueKind.Object
        && content.TryGetProperty("success", out var success)
        && success.ValueKind == JsonValueKind.False;

    private static string? FirstText(CallToolResult result) => result.Content.OfType<TextContentBlock>().FirstOrDefault()?.Text;

    private static CallToolResult Error(string message) => new()
    {
        IsError = true,
        Content = [new TextContentBlock { Text = message }],
    };

    [LoggerMessage(EventId = 2010, EventName = "ToolFailedUnexpectedly", Level = LogLevel.Error, Message = "Tool {Tool} failed unexpectedly")]
    private static partial void LogUnexpected(ILogger logger, string tool, Exception exception);
}
