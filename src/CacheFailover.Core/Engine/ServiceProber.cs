using CacheFailover.Backends;
using CacheFailover.Options;
using CacheFailover.Services;
using CacheFailover.Telemetry;
using Microsoft.Extensions.Logging;

namespace CacheFailover.Engine;

/// <summary>
/// Asks a service whether it can serve: a probe (the backend's <see cref="ICacheBackend.PingAsync"/>,
/// which exercises the service's database and credentials, on a path not queued behind
/// operations), and before traffic is moved to a service, a check that it takes a write.
/// Every answer is recorded in the service's health.
/// </summary>
internal sealed class ServiceProber(EngineOptions options, TimeProvider time, FailoverMetrics metrics, ILogger logger)
{
    /// <summary>The key a serving check writes and deletes; namespaced so that no user key is touched.</summary>
    internal static string VerificationKey(string serviceId) => "cachefailover:verify:" + serviceId;

    /// <summary>One probe bounded by <c>health_check_timeout_seconds</c>; null when it answered, else why not.</summary>
    public Task<string?> ProbeAsync(CacheService service, CancellationToken cancellationToken = default)
        => ProbeAsync(service, options.Current.HealthCheckTimeout, $"health_check_timeout_seconds = {options.Current.HealthCheckTimeoutSeconds}", cancellationToken);

    /// <summary>One probe bounded by <paramref name="timeout"/> (described by <paramref name="timeoutName"/> in messages), recorded with its latency.</summary>
    public async Task<string?> ProbeAsync(CacheService service, TimeSpan timeout, string timeoutName, CancellationToken cancellationToken = default)
    {
        var current = options.Current;
        var started = time.GetTimestamp();
        try
        {
            // The backend's own measure of the round trip (the Redis client takes it on its reader,
            // before the reply waits for a thread here); this process's elapsed time when it has none.
            var pending = service.Backend.PingAsync(cancellationToken);
            var reported = pending.IsCompletedSuccessfully
                ? pending.Result
                : await WithDeadlineAsync(pending, service, timeout, "the probe within " + timeoutName, cancellationToken);
            var latency = reported > TimeSpan.Zero ? reported : time.GetElapsedTime(started);
            service.Health.RecordProbeSuccess(latency, current);
            metrics.HealthCheck(service.Id, true);
            return null;
        }
        catch (CacheBackendException ex)
        {
            var message = ex.Message;
            service.Health.RecordProbeFailure(started, ex.Kind, message);
            metrics.HealthCheck(service.Id, false);
            Log.ProbeFailed(logger, service.Id, ex.Kind.ToString(), message);
            return message;
        }
    }

    /// <summary>
    /// Whether <paramref name="service"/> can take traffic: a probe, then a write and a delete of a
    /// namespaced key (a service whose PING answers but whose database or user cannot store a
    /// value would turn a failover into an outage). Null when it can, else why not.
    /// </summary>
    public async Task<string?> VerifyCanServeAsync(CacheService service, TimeSpan timeout, string timeoutName, CancellationToken cancellationToken = default)
    {
        return await ProbeAsync(service, timeout, timeoutName, cancellationToken)
            ?? await CanStoreAsync(service, timeout, timeoutName, cancellationToken);
    }

    /// <summary>A write and a delete of a namespaced key; null when both succeeded, else why not.</summary>
    public async Task<string?> CanStoreAsync(CacheService service, TimeSpan timeout, string timeoutName, CancellationToken cancellationToken = default)
    {
        var started = time.GetTimestamp();
        try
        {
            var key = VerificationKey(service.Id);
            var write = service.Backend.SetAsync(key, "1"u8.ToArray(), TimeSpan.FromSeconds(30), cancellationToken);
            if (!write.IsCompletedSuccessfully)
            {
                await WithDeadlineAsync(AsBool(write), service, timeout, "a test write within " + timeoutName, cancellationToken);
            }

            var delete = service.Backend.DeleteAsync(key, cancellationToken);
            if (!delete.IsCompletedSuccessfully)
            {
                await WithDeadlineAsync(delete, service, timeout, "a test delete within " + timeoutName, cancellationToken);
            }

            return null;
        }
        catch (CacheBackendException ex)
        {
            var message = $"{service.Id} answers probes but cannot store a value: {ex.Message}";
            service.Health.RecordProbeFailure(started, ex.Kind, message);
            return message;
        }
    }

    /// <summary>Waits for a backend call (a probe, a verification, an invalidation batch) no longer than <paramref name="timeout"/>; <paramref name="what"/> completes "did not answer …".</summary>
    public async ValueTask<T> WithDeadlineAsync<T>(ValueTask<T> pending, CacheService service, TimeSpan timeout, string what, CancellationToken cancellationToken)
    {
        var task = pending.AsTask();
        try
        {
            return await task.WaitAsync(timeout, time, cancellationToken);
        }
        catch (TimeoutException)
        {
            ObserveLater(task);
            throw new CacheBackendException(CacheFailureKind.Timeout, OperationOutcome.Unknown, $"{service.Id} did not answer {what}");
        }
    }

    /// <summary>The call may still complete or fail later; observe it so its fault is not reported as unobserved.</summary>
    public static void ObserveLater(Task task) =>
        task.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);

    private static async ValueTask<bool> AsBool(ValueTask pending)
    {
        await pending;
        return true;
    }
}
