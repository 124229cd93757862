using System.Globalization;
using System.Text.Json;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace CacheFailover.Mcp.Prompts;

/// <summary>
/// Runbooks as MCP prompts: each one is the sequence of tool calls an on-call engineer would make, with
/// the checks between them, written for the model that runs it. Read-only mode lists only the runbooks
/// that change nothing (their tools are the only ones registered). Registered through list/get handlers,
/// so they stay trim- and AOT-safe.
/// </summary>
public static class RunbookPrompts
{
    public const string Diagnose = "diagnose_cache";
    public const string PlannedMaintenance = "planned_primary_maintenance";
    public const string PostIncidentReview = "post_incident_review";

    private const int MaxTextArgument = 500;

    private static readonly Prompt DiagnosePrompt = new()
    {
        Name = Diagnose,
        Title = "Diagnose the cache",
        Description = "Find out which cache service serves, whether it is healthy or slow, and what happened recently; changes nothing.",
        Arguments =
        [
            new PromptArgument { Name = "symptom", Description = $"What was noticed, in words (e.g. 'checkout is slow'); optional, up to {MaxTextArgument} characters.", Required = false },
        ],
    };

    private static readonly Prompt MaintenancePrompt = new()
    {
        Name = PlannedMaintenance,
        Title = "Planned maintenance of the primary",
        Description = "Move traffic to a backup safely before work on the primary, then back after it, with no stale reads.",
        Arguments =
        [
            new PromptArgument { Name = "reason", Description = $"Why the primary is taken out (kept in the event history and audit); 1 to {MaxTextArgument} characters.", Required = true },
            new PromptArgument { Name = "window_minutes", Description = "How long the maintenance is expected to take, in whole minutes (1 to 1440); optional.", Required = false },
        ],
    };

    private static readonly Prompt ReviewPrompt = new()
    {
        Name = PostIncidentReview,
        Title = "Post-incident review",
        Description = "A timeline of a failover incident from the recorded events, the audit trail and the metrics, with what to change; changes nothing.",
        Arguments =
        [
            new PromptArgument { Name = "since", Description = "Start of the incident, ISO 8601 (e.g. 2026-12-02T14:00:00Z); optional, default the last hour.", Required = false },
        ],
    };

    public static ValueTask<ListPromptsResult> ListAsync(RequestContext<ListPromptsRequestParams> request, CancellationToken cancellationToken) =>
        ValueTask.FromResult(new ListPromptsResult { Prompts = [.. Available(Options(request.Services))] });

    public static ValueTask<GetPromptResult> GetAsync(RequestContext<GetPromptRequestParams> request, CancellationToken cancellationToken)
    {
        var name = request.Params?.Name;
        var available = Available(Options(request.Services));
        var prompt = available.FirstOrDefault(p => p.Name == name) ?? throw new McpProtocolException(
            $"There is no prompt '{name}'; this server has {string.Join(", ", available.Select(p => p.Name))}.", McpErrorCode.InvalidParams);
        var arguments = ReadArguments(prompt, request.Params?.Arguments);
        var text = prompt.Name switch
        {
            Diagnose => DiagnoseText(arguments.GetValueOrDefault("symptom")),
            PlannedMaintenance => MaintenanceText(arguments["reason"]!, arguments.GetValueOrDefault("window_minutes")),
            _ => ReviewText(arguments.GetValueOrDefault("since")),
        };

        return ValueTask.FromResult(new GetPromptResult
        {
            Description = prompt.Description,
            Messages = [new PromptMessage { Role = Role.User, Content = new TextContentBlock { Text = text } }],
        });
    }

    private static CacheFailoverMcpOptions Options(IServiceProvider? services) =>
        (CacheFailoverMcpOptions)services!.GetService(typeof(CacheFailoverMcpOptions))!;

    private static IReadOnlyList<Prompt> Available(CacheFailoverMcpOptions options) =>
        options.ReadOnly ? [DiagnosePrompt, ReviewPrompt] : [DiagnosePrompt, MaintenancePrompt, ReviewPrompt];

    /// <summary>The arguments as trimmed strings, checked against the prompt's own list; every problem is named at once.</summary>
    private static Dictionary<string, string?> ReadArguments(Prompt prompt, IDictionary<string, JsonElement>? given)
    {
        var problems = new List<string>();
        var values = new Dictionary<string, string?>(StringComparer.Ordinal);
        var allowed = prompt.Arguments!.Select(a => a.Name).ToList();
        foreach (var (name, value) in given ?? new Dictionary<string, JsonElement>())
        {
            if (!allowed.Contains(name))
            {
                problems.Add($"'{name}' is not an argument of {prompt.Name} (allowed: {string.Join(", ", allowed)})");
                continue;
            }

            var text = value.ValueKind switch
            {
                JsonValueKind.String => value.GetString()!.Trim(),
                JsonValueKind.Number => value.GetRawText(),
                JsonValueKind.Null => null,
                _ => throw new McpProtocolException($"Argument '{name}' of {prompt.Name} must be a string (got {value.ValueKind.ToString().ToLowerInvariant()}).", McpErrorCode.InvalidParams),
            };
            values[name] = string.IsNullOrEmpty(text) ? null : text;
        }

        foreach (var argument in prompt.Arguments!)
        {
            var value = values.GetValueOrDefault(argument.Name);
            if (value is null)
            {
                if (argument.Required == true)
                {
                    problems.Add($"'{argument.Name}' is required ({argument.Description})");
                }

                continue;
            }

            if (value.Length > MaxTextArgument)
            {
                problems.Add($"'{argument.Name}' is {value.Length} characters long; at most {MaxTextArgument} are allowed");
            }
            else if (argument.Name == "window_minutes" && !(int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var minutes) && minutes is >= 1 and <= 1440))
            {
                problems.Add($"'window_minutes' must be a whole number of minutes from 1 to 1440 (got '{value}')");
            }
            else if (argument.Name == "since" && !DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out _))
            {
                problems.Add($"'since' must be a date and time in ISO 8601, such as 2026-12-02T14:00:00Z (got '{value}')");
            }
        }

        if (problems.Count > 0)
        {
            throw new McpProtocolException($"The arguments of {prompt.Name} were refused: {string.Join("; ", problems)}.", McpErrorCode.InvalidParams);
        }

        return values;
    }

    private static string DiagnoseText(string? symptom) =>
        (symptom is null ? "Diagnose the cache failover setup." : $"Diagnose the cache failover setup. What was noticed: \"{symptom}\".")
        + """

        Change nothing while diagnosing: use only get_cache_failover_status, get_failover_performance_metrics and get_failover_events.

        1. Call get_cache_failover_status. Note the status (active, failing_over, failed_over, recovering, recovered), the epoch, which
           service serves (active_service_id) and whether it is the primary. For every service note its health, consecutive failures,
           last error, and its latency against its baseline. Note whether the failback journal is dirty and whether automatic recovery
           is held down or suspended, and whether every member of the failover group follows the same epoch.
        2. Call get_failover_performance_metrics with window_seconds 300, then 3600 if the last 5 minutes look normal. Compare p95/p99
           latency and failure counts per service; a service several times slower than its baseline is degraded even if it answers.
        3. Call get_failover_events with limit 20 and include_audit true. Read the triggers (health_check_failure, connection_failure,
           timeout_exceeded, performance_degradation, manual, cascade_failure), their detection and switch durations, and who made
           manual changes.
        4. Answer in this order: which service serves now and since when; whether it is healthy; what the evidence says about the
           symptom (cite the numbers); what happened recently; and what you recommend. Recommend a failover or recovery only with the
           reason and the exact tool call, and do not make it unless the operator asks.
        """;

    private static string MaintenanceText(string reason, string? windowMinutes) =>
        $"Take the primary cache out for planned maintenance, then bring it back. Reason: \"{reason}\"."
        + (windowMinutes is null ? string.Empty : $" Expected duration: {windowMinutes} minutes.")
        + $"""


        Stop and report at the first check that fails; do not work around it.

        1. Call get_cache_failover_status. Go on only if the status is active or recovered, the primary serves, at least one backup is
           healthy, and every member of the failover group follows the current epoch. Note the epoch.
        2. Call test_cache_failover_scenario with scenario "primary_down" and mode "simulate" (it touches nothing live). Go on only if it
           passes and names the backup that would take over.
        3. Call trigger_manual_failover with reason "{reason}" (and target_service_id only if the operator named one). Confirm that
           the result says success, the new epoch, and that every group member follows it.
        4. Call get_cache_failover_status again: the status must be failed_over and a backup must serve. Tell the operator the primary
           can now be worked on. Automatic recovery waits for a manual recovery after a manual failover, so nothing moves traffic back
           by itself.
        5. When the operator says the work is done, call get_cache_failover_status: the primary must be healthy again. If the journal
           is dirty, explain that the primary may hold values older than the backup's and ask before calling trigger_manual_recovery
           with flush_dirty_primary true (it empties the primary).
        6. Call trigger_manual_recovery with reason "{reason} (done)". Report how many journaled keys were invalidated on the primary
           before it served again; that is what keeps reads from being stale.
        7. Call get_cache_failover_status and get_failover_events with limit 5 to confirm the primary serves and the failover and
           recovery are recorded with their durations.
        """;

    private static string ReviewText(string? since) =>
        $"Write a post-incident review of cache failover activity since {since ?? "one hour ago"}."
        + $"""


        Change nothing: use only get_failover_events, get_failover_performance_metrics and get_cache_failover_status.

        1. Call get_failover_events with limit 200, include_audit true{(since is null ? string.Empty : $", and since \"{since}\"")}.
        2. Call get_failover_performance_metrics with window_seconds 3600.
        3. Call get_cache_failover_status for the state now and the thresholds in force (options).
        4. Write the review:
           - a timeline in UTC: each failover and recovery with its trigger, from and to service, epoch, detection time and switch
             time, and each manual change from the audit trail with who made it (client and address);
           - impact: how long a backup served, failed and retried operations per service, the worst latency, journaled keys
             invalidated at failback (a failback that invalidated nothing after writes on the backup is a finding);
           - what worked and what did not: detection slower than the thresholds allow, flapping (failover and recovery repeating),
             a recovery refused and why, members of the group that did not follow;
           - what to change: threshold changes as exact configure_cache_failover arguments, with the reason for each. Propose; do not
             apply them.
        """;
}
