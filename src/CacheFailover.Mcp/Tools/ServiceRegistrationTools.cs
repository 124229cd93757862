using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Globalization;
using CacheFailover.Engine;
using CacheFailover.Services;
using CacheFailover.Mcp;
using CacheFailover.Mcp.Audit;
using CacheFailover.Mcp.Filters;
using CacheFailover.Mcp.Tools.Results;
using ModelContextProtocol.Server;

namespace CacheFailover.Mcp.Tools;

/// <summary>Adding and removing backup services at runtime.</summary>
#pragma warning disable CA1707 // Identifiers should not contain underscores: parameter names are the tool's wire names.
#pragma warning disable IDE1006
[McpServerToolType]
public sealed class ServiceRegistrationTools(FailoverEngine engine, BackendProvisioner provisioner, DrillCoordinator drills)
{
    [McpServerTool(Name = "register_failover_service", Title = "Register a backup cache",
        ReadOnly = false, Destructive = false, Idempotent = false, OpenWorld = true, UseStructuredContent = true)]
    [Description("Adds a backup cache service at runtime. The service must answer a probe first, or nothing is added. Duplicate service ids are refused. "
        + "Returns the service as get_cache_failover_status shows it (endpoint with secrets redacted).")]
    public async Task<ServiceStatusResult> RegisterFailoverService(
        [Description("A new, unique id: 1 to 64 ASCII letters, digits, '-', '_' or '.'."), ServiceIdPattern] string service_id,
        [Description("Where the cache is: redis://[user:password@]host[:port][/db], rediss://… for TLS, a StackExchange.Redis string such as host:6379,password=…, or memory://name for an in-process cache.")] string connection,
        [Description("Preference among backups, lower is preferred (the primary is 0). 1 to 1000; default: after the existing backups."), Range(1, 1000)] int? priority = null,
        CancellationToken cancellationToken = default)
    {
        var problems = new List<string>();
        if (string.IsNullOrEmpty(service_id) || service_id.Length > 64 || service_id.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')))
        {
            problems.Add("service_id must be 1 to 64 ASCII letters, digits, '-', '_' or '.'");
        }

        if (priority is < 1 or > 1000)
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"priority must be between 1 and 1000 (got {priority}); lower is preferred"));
        }

        if (string.IsNullOrWhiteSpace(connection))
        {
            problems.Add($"connection must not be empty; use {BackendProvisioner.AcceptedForms}");
        }

        if (problems.Count > 0)
        {
            throw new ToolArgumentException(string.Join("; ", problems) + ".");
        }

        if (engine.GetBackend(service_id) is not null)
        {
            throw new FailoverRefusedException($"service_id '{service_id}' is already registered; choose another id or unregister it first.");
        }

        var backend = provisioner.Create(service_id, connection);
        if (engine.GetStatus().Services.FirstOrDefault(s => string.Equals(s.Endpoint, backend.Endpoint, StringComparison.OrdinalIgnoreCase)) is { } same)
        {
            await backend.DisposeAsync();
            throw new FailoverRefusedException($"connection '{backend.Endpoint}' is the same endpoint as service '{same.ServiceId}' ({same.Endpoint}); a backup must be another cache");
        }

        var service = await engine.RegisterServiceAsync(new CacheServiceRegistration(service_id, backend, priority), cancellationToken);
        return ResultMapper.ToService(service, drills.ActiveFault(service.ServiceId));
    }

    [McpServerTool(Name = "unregister_failover_service", Title = "Unregister a backup cache",
        ReadOnly = false, Destructive = true, Idempotent = true, OpenWorld = false, UseStructuredContent = true)]
    [Description("Removes a backup service and closes its connection. Refused, changing nothing, for the primary and for the service that is serving now "
        + "(fail over or recover away from it first).")]
    public async Task<UnregisterResult> UnregisterFailoverService(
        [Description("The id of the backup to remove, as get_cache_failover_status lists it."), ServiceIdPattern] string service_id)
    {
        if (string.IsNullOrEmpty(service_id))
        {
            throw new ToolArgumentException("service_id must not be empty; use an id from get_cache_failover_status.");
        }

        await engine.UnregisterServiceAsync(service_id);
        return new UnregisterResult(service_id, true, [.. engine.GetStatus().Services.Select(s => s.ServiceId)]);
    }
}
