using System.ComponentModel.DataAnnotations;
using CacheFailover.Drills;
using CacheFailover.Engine;

namespace CacheFailover.Mcp.Tools;

/// <summary>
/// The failover triggers' wire names as the parameter's <c>enum</c> in the input schema (the schema
/// generator reads <see cref="AllowedValuesAttribute"/>), taken from the engine's own list so the
/// schema cannot drift from what the tool accepts.
/// </summary>
[AttributeUsage(AttributeTargets.Parameter)]
internal sealed class TriggerNamesAttribute() : AllowedValuesAttribute([.. Enum.GetValues<FailoverTrigger>().Select(t => (object?)t.ToWireName())]);

/// <summary>The drill scenarios' wire names as the parameter's <c>enum</c>, from the drills' own list.</summary>
[AttributeUsage(AttributeTargets.Parameter)]
internal sealed class DrillScenarioNamesAttribute() : AllowedValuesAttribute([.. DrillScenarios.WireNames.Select(n => (object?)n)]);

/// <summary>
/// A service id's shape as the parameter's <c>pattern</c>: 1 to 64 ASCII letters, digits, '-', '_'
/// or '.' (the rule the registration tools check).
/// </summary>
[AttributeUsage(AttributeTargets.Parameter)]
internal sealed class ServiceIdPatternAttribute() : RegularExpressionAttribute(IdPattern)
{
    public const string IdPattern = "^[A-Za-z0-9._-]{1,64}$";
}
