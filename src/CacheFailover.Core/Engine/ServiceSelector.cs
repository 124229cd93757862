using CacheFailover.Options;
using CacheFailover.Services;

namespace CacheFailover.Engine;

/// <summary>
/// Ranks failover candidates by a score of health, recent latency, success rate and configured
/// priority. Never offers an unhealthy service.
/// </summary>
internal static class ServiceSelector
{
    /// <summary>The candidates best first, without unhealthy ones.</summary>
    public static List<CacheService> Rank(IEnumerable<CacheService> candidates, FailoverOptions options)
    {
        return candidates
            .Select(service => (service, health: service.Health.Evaluate(options)))
            .Where(c => c.health != ServiceHealth.Unhealthy)
            .Select(c => (c.service, score: Score(c.service, c.health)))
            .OrderByDescending(c => c.score)
            .ThenBy(c => c.service.Priority)
            .Select(c => c.service)
            .ToList();
    }

    /// <summary>
    /// Health dominates (a healthy service beats a degraded one whatever its latency); within a
    /// health class, success rate, then latency (log-scaled, so 0.2 ms vs 0.3 ms matters less than
    /// 1 ms vs 100 ms), then priority decide.
    /// </summary>
    internal static double Score(CacheService service, ServiceHealth health)
    {
        var healthScore = health switch
        {
            ServiceHealth.Healthy => 1000,
            ServiceHealth.Unknown => 600,
            ServiceHealth.Degraded => 300,
            _ => 0,
        };

        var latencyMs = service.Health.LatencyEstimate?.TotalMilliseconds ?? 1;
        var latencyPenalty = Math.Min(Math.Log10(1 + latencyMs) * 40, 200);
        var successScore = service.Health.SuccessRate * 100;
        var priorityPenalty = Math.Min(service.Priority, 100) * 2;
        return healthScore + successScore - latencyPenalty - priorityPenalty;
    }
}
