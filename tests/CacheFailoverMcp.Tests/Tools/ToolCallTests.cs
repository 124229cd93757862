using System.Text.Json;
using CacheFailover.Backends;
using CacheFailover.Drills.Chaos;
using CacheFailover.Engine;
using CacheFailoverMcp.Configuration;
using CacheFailover.Options;
using CacheFailover.Testing;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;

namespace CacheFailoverMcp.Tests.Tools;

/// <summary>Every tool called with valid arguments over a real MCP client, on the embedded in-memory pair.</summary>
public sealed class ToolCallTests
{
    [Fact]
    public async Task GetCacheFailoverStatus_EmbeddedDefault_ShowsPrimaryServingAndBothServices()
    {
        await using var server = await TestServer.StartAsync();

        var status = await server.CallOkAsync("get_cache_failover_status");

        Assert.Equal("active", status.GetProperty("status").GetString());
        Assert.Equal("primary", status.GetProperty("active_service_id").GetString());
        Assert.Equal("primary", status.GetProperty("primary_service_id").GetString());
        Assert.True(status.GetProperty("failover_enabled").GetBoolean());
        Assert.True(status.GetProperty("auto_recovery_enabled").GetBoolean());
        Assert.False(status.GetProperty("read_only").GetBoolean());
        Assert.True(status.TryGetProperty("epoch", out _));
        Assert.True(status.TryGetProperty("status_since", out _));
        var services = status.GetProperty("services").EnumerateArray().ToList();
        Assert.Equal(["primary", "backup-1"], services.Select(s => s.GetProperty("service_id").GetString()));
        Assert.Equal(["primary", "backup"], services.Select(s => s.GetProperty("role").GetString()));
        Assert.Equal(["memory://primary", "memory://backup"], services.Select(s => s.GetProperty("endpoint").GetString()));
        foreach (var field in new[] { "health", "is_active", "consecutive_failures", "consecutive_successes", "success_rate", "avg_response_ms", "p95_response_ms", "baseline_response_ms", "last_check_at", "last_error" })
        {
            Assert.All(services, s => Assert.True(s.TryGetProperty(field, out _), field));
        }

        var journal = status.GetProperty("journal");
        Assert.Equal(0, journal.GetProperty("pending_keys").GetInt32());
        Assert.False(journal.GetProperty("overflowed").GetBoolean());
        Assert.False(journal.GetProperty("primary_dirty").GetBoolean());
        Assert.Equal(JsonValueKind.Array, status.GetProperty("recent_events").ValueKind);
    }

    [Fact]
    public async Task StatusTool_Result_CarriesTheSameJsonAsText()
    {
        await using var server = await TestServer.StartAsync();

        var result = await server.CallAsync("get_cache_failover_status");

        using var text = JsonDocument.Parse(TestServer.Text(result));
        Assert.True(JsonElement.DeepEquals(result.StructuredContent!.Value, text.RootElement));
        Assert.DoesNotContain("\\u002B", TestServer.Text(result), StringComparison.Ordinal);
    }

    [Fact]
    public async Task CacheTools_SetGetExistsDelete_RoundTripThroughThePrimary()
    {
        await using var server = await TestServer.StartAsync();

        var set = await server.CallOkAsync("cache_set", """{"key":"greeting","value":"hello, wörld","ttl_seconds":60}""");
        var get = await server.CallOkAsync("cache_get", """{"key":"greeting"}""");
        var exists = await server.CallOkAsync("cache_exists", """{"key":"greeting"}""");
        var delete = await server.CallOkAsync("cache_delete", """{"key":"greeting"}""");
        var after = await server.CallOkAsync("cache_get", """{"key":"greeting"}""");

        Assert.True(set.GetProperty("stored").GetBoolean());
        Assert.Equal("primary", set.GetProperty("served_by").GetString());
        Assert.True(get.GetProperty("found").GetBoolean());
        Assert.Equal("hello, wörld", get.GetProperty("value").GetString());
        Assert.Equal("primary", get.GetProperty("served_by").GetString());
        Assert.True(exists.GetProperty("exists").GetBoolean());
        Assert.True(delete.GetProperty("deleted").GetBoolean());
        Assert.False(after.GetProperty("found").GetBoolean());
        Assert.Equal(JsonValueKind.Null, after.GetProperty("value").ValueKind);
    }

    [Fact]
    public async Task CallTool_NullForAnOptionalArgument_MeansTheDefault()
    {
        await using var server = await TestServer.StartAsync();

        var set = await server.CallOkAsync("cache_set", """{"key":"k","value":"v","ttl_seconds":null}""");
        var events = await server.CallOkAsync("get_failover_events", """{"limit":null,"include_audit":null,"trigger":null}""");

        Assert.Equal(JsonValueKind.Null, set.GetProperty("ttl_seconds").ValueKind);
        Assert.Equal(JsonValueKind.Null, events.GetProperty("audit").ValueKind);
    }

    [Fact]
    public async Task ListTools_OptionalArguments_AreAdvertisedWithTheirPlainType()
    {
        await using var server = await TestServer.StartAsync();

        var tool = (await server.Client.ListToolsAsync()).Single(t => t.Name == "configure_cache_failover");

        var failureThreshold = tool.JsonSchema.GetProperty("properties").GetProperty("failure_threshold");
        Assert.Equal("integer", failureThreshold.GetProperty("type").GetString());
        Assert.False(failureThreshold.TryGetProperty("default", out _));
    }

    [Fact]
    public async Task GetFailoverPerformanceMetrics_AfterOperations_CountsThemPerService()
    {
        await using var server = await TestServer.StartAsync();
        await server.CallOkAsync("cache_set", """{"key":"k","value":"v"}""");
        await server.CallOkAsync("cache_get", """{"key":"k"}""");

        var metrics = await server.CallOkAsync("get_failover_performance_metrics", """{"window_seconds":60}""");

        Assert.Equal(60, metrics.GetProperty("window_seconds").GetDouble());
        Assert.True(metrics.GetProperty("operations").GetProperty("total").GetInt64() >= 2);
        var primary = metrics.GetProperty("services").EnumerateArray().Single(s => s.GetProperty("service_id").GetString() == "primary");
        Assert.True(primary.GetProperty("succeeded").GetInt64() >= 2);
        foreach (var field in new[] { "failed", "retried", "p50_ms", "p95_ms", "p99_ms", "max_ms" })
        {
            Assert.True(primary.TryGetProperty(field, out _), field);
        }

        foreach (var section in new[] { "failovers", "recoveries", "health_checks", "journal", "seconds_in_status" })
        {
            Assert.True(metrics.TryGetProperty(section, out _), section);
        }

        Assert.True(metrics.GetProperty("failovers").TryGetProperty("by_trigger", out _));
    }

    [Fact]
    public async Task ManualFailoverThenRecovery_WritesDuringFailover_AreNotStaleAfterFailback()
    {
        await using var server = await TestServer.StartAsync();
        await server.CallOkAsync("cache_set", """{"key":"k","value":"old"}""");

        var failover = await server.CallOkAsync("trigger_manual_failover", """{"reason":"patching the primary","target_service_id":"backup-1"}""");
        var duringSet = await server.CallOkAsync("cache_set", """{"key":"k","value":"new"}""");
        var statusDuring = await server.CallOkAsync("get_cache_failover_status");
        var recovery = await server.CallOkAsync("trigger_manual_recovery", """{"reason":"patch done"}""");
        var after = await server.CallOkAsync("cache_get", """{"key":"k"}""");

        Assert.True(failover.GetProperty("success").GetBoolean());
        Assert.Equal("primary", failover.GetProperty("from_service_id").GetString());
        Assert.Equal("backup-1", failover.GetProperty("to_service_id").GetString());
        Assert.Equal("manual", failover.GetProperty("trigger").GetString());
        Assert.True(failover.GetProperty("epoch").GetInt64() > 0);
        Assert.True(failover.TryGetProperty("duration_ms", out _));
        Assert.Equal("backup-1", duringSet.GetProperty("served_by").GetString());
        Assert.Equal("failed_over", statusDuring.GetProperty("status").GetString());
        Assert.Equal(1, statusDuring.GetProperty("journal").GetProperty("pending_keys").GetInt32());
        Assert.True(recovery.GetProperty("success").GetBoolean());
        Assert.Equal(1, recovery.GetProperty("reconciled_keys").GetInt64());
        Assert.NotEmpty(recovery.GetProperty("verification").EnumerateArray());
        Assert.Equal("recovery", recovery.GetProperty("event").GetProperty("kind").GetString());
        Assert.Equal("primary", after.GetProperty("served_by").GetString());
        // I1: the latest value or a miss, never the primary's older value.
        Assert.NotEqual("old", after.GetProperty("value").GetString());
    }

    [Fact]
    public async Task TriggerManualRecovery_DirtyPrimary_IsRefusedWithoutFlushAndFlushesWithIt()
    {
        await using var server = await TestServer.StartAsync();
        await server.CallOkAsync("cache_set", """{"key":"stale","value":"old"}""");
        await server.CallOkAsync("trigger_manual_failover", """{"reason":"maintenance"}""");
        server.Engine.MarkPrimaryDirty("writes bypassed the engine");

        var refused = await server.CallAsync("trigger_manual_recovery");
        var status = await server.CallOkAsync("get_cache_failover_status");
        var flushed = await server.CallOkAsync("trigger_manual_recovery", """{"reason":"reconcile","flush_dirty_primary":true}""");
        var read = await server.CallOkAsync("cache_get", """{"key":"stale"}""");

        Assert.True(refused.IsError);
        Assert.Contains("dirty", TestServer.Text(refused), StringComparison.Ordinal);
        Assert.Contains("flush_dirty_primary", TestServer.Text(refused), StringComparison.Ordinal);
        Assert.True(status.GetProperty("journal").GetProperty("primary_dirty").GetBoolean());
        Assert.Equal("backup-1", status.GetProperty("active_service_id").GetString());
        Assert.True(flushed.GetProperty("success").GetBoolean());
        Assert.True(flushed.GetProperty("flushed").GetBoolean());
        Assert.False(read.GetProperty("found").GetBoolean());
        Assert.Equal("primary", read.GetProperty("served_by").GetString());
    }

    [Fact]
    public async Task GetFailoverEvents_AfterFailoverAndRecovery_ListsThemNewestFirstAndFilters()
    {
        await using var server = await TestServer.StartAsync();
        await server.CallOkAsync("trigger_manual_failover", """{"reason":"drill"}""");
        await server.CallOkAsync("trigger_manual_recovery");

        var all = await server.CallOkAsync("get_failover_events");
        var manual = await server.CallOkAsync("get_failover_events", """{"limit":1,"trigger":"manual","since":"2000-01-01T00:00:00Z"}""");
        var none = await server.CallOkAsync("get_failover_events", """{"trigger":"timeout_exceeded"}""");

        Assert.Equal(["recovery", "failover"], all.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("kind").GetString()));
        Assert.Equal(2, all.GetProperty("count").GetInt32());
        Assert.Equal(JsonValueKind.Null, all.GetProperty("audit").ValueKind);
        Assert.Single(manual.GetProperty("events").EnumerateArray());
        Assert.Empty(none.GetProperty("events").EnumerateArray());
    }

    [Fact]
    public async Task GetFailoverEvents_IncludeAudit_ListsMutatingCallsWithEpochs()
    {
        await using var server = await TestServer.StartAsync();
        await server.CallOkAsync("trigger_manual_failover", """{"reason":"drill"}""");
        await server.CallAsync("configure_cache_failover", """{"failure_threshold":0}""");

        var events = await server.CallOkAsync("get_failover_events", """{"include_audit":true}""");

        var audit = events.GetProperty("audit").EnumerateArray().ToList();
        Assert.Equal(["configure_cache_failover", "trigger_manual_failover"], audit.Select(a => a.GetProperty("tool").GetString()));
        Assert.Equal(["invalid_arguments", "succeeded"], audit.Select(a => a.GetProperty("outcome").GetString()));
        Assert.Equal(0, audit[1].GetProperty("epoch_before").GetInt64());
        Assert.Equal(1, audit[1].GetProperty("epoch_after").GetInt64());
        Assert.Equal("drill", audit[1].GetProperty("arguments").GetProperty("reason").GetString());
    }

    [Fact]
    public async Task ConfigureCacheFailover_ValidChange_AppliesAndReportsOldAndNew()
    {
        await using var server = await TestServer.StartAsync();

        var result = await server.CallOkAsync("configure_cache_failover", """{"failure_threshold":5,"enable_failover":true,"health_check_interval_seconds":15.5}""");

        Assert.True(result.GetProperty("applied").GetBoolean());
        var changed = result.GetProperty("changed");
        Assert.Equal(["health_check_interval_seconds", "failure_threshold"], changed.EnumerateObject().Select(p => p.Name));
        Assert.Equal(3, changed.GetProperty("failure_threshold").GetProperty("old").GetInt32());
        Assert.Equal(5, changed.GetProperty("failure_threshold").GetProperty("new").GetInt32());
        Assert.Equal(15.5, changed.GetProperty("health_check_interval_seconds").GetProperty("new").GetDouble());
        Assert.Equal(5, result.GetProperty("configuration").GetProperty("failure_threshold").GetInt32());
        // Every option in force, by wire name (it listed only the first eleven before the tool could change the others).
        Assert.Equal(FailoverOptionCatalog.All.Select(d => d.Name), result.GetProperty("configuration").EnumerateObject().Select(p => p.Name));
        Assert.Equal(5, server.Engine.Options.FailureThreshold);
    }

    [Fact]
    public async Task ConfigureCacheFailover_NoArguments_ReadsTheConfigurationAndChangesNothing()
    {
        await using var server = await TestServer.StartAsync();

        var result = await server.CallOkAsync("configure_cache_failover");

        Assert.Empty(result.GetProperty("changed").EnumerateObject());
        Assert.Equal(30, result.GetProperty("configuration").GetProperty("health_check_interval_seconds").GetDouble());
    }

    [Fact]
    public async Task RegisterAndUnregisterFailoverService_InMemoryBackup_AppearsInStatusThenGoes()
    {
        await using var server = await TestServer.StartAsync();

        var registered = await server.CallOkAsync("register_failover_service", """{"service_id":"backup-extra","connection":"memory://extra","priority":5}""");
        var status = await server.CallOkAsync("get_cache_failover_status");
        var unregistered = await server.CallOkAsync("unregister_failover_service", """{"service_id":"backup-extra"}""");
        var statusAfter = await server.CallOkAsync("get_cache_failover_status");

        Assert.Equal("backup-extra", registered.GetProperty("service_id").GetString());
        Assert.Equal("backup", registered.GetProperty("role").GetString());
        Assert.Equal("memory://extra", registered.GetProperty("endpoint").GetString());
        Assert.Equal(5, registered.GetProperty("priority").GetInt32());
        Assert.Contains("backup-extra", status.GetProperty("services").EnumerateArray().Select(s => s.GetProperty("service_id").GetString()));
        Assert.True(unregistered.GetProperty("unregistered").GetBoolean());
        Assert.Equal(["primary", "backup-1"], unregistered.GetProperty("remaining_service_ids").EnumerateArray().Select(s => s.GetString()));
        Assert.Equal(2, statusAfter.GetProperty("services").GetArrayLength());
    }

    [Fact]
    public async Task RegisterFailoverService_LiveDrillsAllowed_EveryServiceIsBehindFaultInjection_SoLiveDrillsCanReachIt()
    {
        await using var server = await TestServer.StartAsync(new HostSettings { AllowLiveDrills = true });

        await server.CallOkAsync("register_failover_service", """{"service_id":"b2","connection":"memory"}""");

        Assert.IsType<FaultInjectingBackend>(server.Engine.GetBackend("primary"));
        Assert.IsType<FaultInjectingBackend>(server.Engine.GetBackend("backup-1"));
        Assert.IsType<FaultInjectingBackend>(server.Engine.GetBackend("b2"));
    }

    [Fact]
    public async Task RegisterFailoverService_LiveDrillsNotAllowed_NoServiceIsWrappedForFaultInjection()
    {
        await using var server = await TestServer.StartAsync();

        await server.CallOkAsync("register_failover_service", """{"service_id":"b2","connection":"memory"}""");

        Assert.IsType<InMemoryCacheBackend>(server.Engine.GetBackend("primary"));
        Assert.IsType<InMemoryCacheBackend>(server.Engine.GetBackend("backup-1"));
        Assert.IsType<InMemoryCacheBackend>(server.Engine.GetBackend("b2"));
    }

    [Fact]
    public async Task GetCacheFailoverStatus_FaultInjectedIntoABackup_ShowsItOnThatServiceOnly()
    {
        await using var server = await TestServer.StartAsync(new HostSettings { AllowLiveDrills = true });
        ((FaultInjectingBackend)server.Engine.GetBackend("backup-1")!).AddLatency(TimeSpan.FromMilliseconds(5));

        var status = await server.CallOkAsync("get_cache_failover_status");

        var services = status.GetProperty("services").EnumerateArray().ToDictionary(s => s.GetProperty("service_id").GetString()!, s => s.GetProperty("injected_fault"));
        Assert.Equal("latency 5 ms", services["backup-1"].GetString());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, services["primary"].ValueKind);
    }

    [Fact]
    public async Task TestCacheFailoverScenario_LiveWithAFaultAlreadyInjected_RefusedNamingTheServiceAndChangesNothing()
    {
        await using var server = await TestServer.StartAsync(new HostSettings { AllowLiveDrills = true });
        var injector = (FaultInjectingBackend)server.Engine.GetBackend("backup-1")!;
        injector.AddLatency(TimeSpan.FromMilliseconds(5));

        var result = await server.CallAsync("test_cache_failover_scenario", """{"scenario":"primary_down","mode":"live","confirm":true}""");

        var text = TestServer.Text(result);
        Assert.True(result.IsError, text);
        Assert.Contains("'test_cache_failover_scenario' was refused: A fault is already injected into 'backup-1' (latency 5 ms)", text, StringComparison.Ordinal);
        Assert.DoesNotContain("internal error", text, StringComparison.Ordinal);
        Assert.Equal("latency 5 ms", injector.ActiveFault);
        Assert.Null(((FaultInjectingBackend)server.Engine.GetBackend("primary")!).ActiveFault);
        Assert.Equal(0, server.Engine.Epoch);
    }

    [Fact]
    public async Task TestCacheFailoverScenario_LiveWhileFailedOver_RefusedNamingWhyAndChangesNothing()
    {
        await using var server = await TestServer.StartAsync(new HostSettings { AllowLiveDrills = true });
        await server.CallOkAsync("trigger_manual_failover", """{"reason":"patching the primary"}""");
        var epoch = server.Engine.Epoch;

        var result = await server.CallAsync("test_cache_failover_scenario", """{"scenario":"primary_down","mode":"live","confirm":true}""");

        var text = TestServer.Text(result);
        Assert.True(result.IsError, text);
        Assert.Contains("'test_cache_failover_scenario' was refused: A live drill needs the primary serving, but the engine is failed_over ('backup-1' serves)", text, StringComparison.Ordinal);
        Assert.Contains("recover", text, StringComparison.Ordinal);
        Assert.Contains("Nothing was changed.", text, StringComparison.Ordinal);
        Assert.DoesNotContain("internal error", text, StringComparison.Ordinal);
        Assert.DoesNotContain("InvalidOperationException", text, StringComparison.Ordinal);
        Assert.Equal(epoch, server.Engine.Epoch);
        Assert.Equal(FailoverStatus.FailedOver, server.Engine.Status);
        Assert.Equal("backup-1", server.Engine.ActiveServiceId);
        Assert.Null(((FaultInjectingBackend)server.Engine.GetBackend("primary")!).ActiveFault);
        Assert.Equal("refused", server.Audit.Query(1).Single().Outcome);
    }

    [Fact]
    public async Task TestCacheFailoverScenario_LiveNotAllowed_RefusedAndTheEngineIsUntouched()
    {
        await using var server = await TestServer.StartAsync();

        var result = await server.CallAsync("test_cache_failover_scenario", """{"scenario":"primary_down","mode":"live","confirm":true}""");

        var text = TestServer.Text(result);
        Assert.True(result.IsError, text);
        Assert.Contains("live drills are not allowed on this server", text, StringComparison.Ordinal);
        Assert.Contains("--allow-live-drills", text, StringComparison.Ordinal);
        Assert.Equal(0, server.Engine.Epoch);
        Assert.Empty(server.Engine.GetEvents());
        Assert.Equal("primary", server.Engine.ActiveServiceId);
    }

    [Fact]
    public async Task TestCacheFailoverScenario_SimulateOnAServerWithNoBackup_ReportsThatFailoverCannotWork()
    {
        await using var server = await TestServer.StartAsync(new HostSettings { PrimaryConnection = "memory://solo", BackupConnections = [], UsesEmbeddedDefault = false });

        var report = await server.CallOkAsync("test_cache_failover_scenario", """{"scenario":"primary_down"}""");

        Assert.False(report.GetProperty("passed").GetBoolean(), report.GetProperty("summary").GetString());
        Assert.Contains("no backup, so failover cannot work", report.GetProperty("summary").GetString(), StringComparison.Ordinal);
        Assert.Contains(report.GetProperty("timeline").EnumerateArray(), t => t.GetProperty("event").GetString()!.StartsWith("sandbox: primary 'primary' and no backup", StringComparison.Ordinal));
        Assert.Equal(0, server.Engine.Epoch);
    }

    [Theory]
    [InlineData("primary_down")]
    [InlineData("primary_timeout")]
    [InlineData("primary_slow")]
    [InlineData("primary_flapping")]
    [InlineData("backup_down")]
    [InlineData("all_down")]
    public async Task TestCacheFailoverScenario_Simulate_ReportsADrillAndTouchesNothingLive(string scenario)
    {
        await using var server = await TestServer.StartAsync();
        var epoch = server.Engine.Epoch;

        var report = await server.CallOkAsync("test_cache_failover_scenario", $$"""{"scenario":"{{scenario}}"}""");

        Assert.Equal(scenario, report.GetProperty("scenario").GetString());
        Assert.Equal("simulate", report.GetProperty("mode").GetString());
        Assert.True(report.GetProperty("passed").GetBoolean(), report.GetProperty("summary").GetString());
        Assert.NotEmpty(report.GetProperty("timeline").EnumerateArray());
        Assert.All(report.GetProperty("timeline").EnumerateArray(), t =>
        {
            Assert.True(t.TryGetProperty("t_ms", out _));
            Assert.True(t.TryGetProperty("event", out _));
        });
        foreach (var field in new[] { "detection_ms", "failover_ms", "recovery_ms", "operations", "errors_seen", "stale_reads", "expected", "summary" })
        {
            Assert.True(report.TryGetProperty(field, out _), field);
        }

        Assert.Equal(0, report.GetProperty("stale_reads").GetInt32());
        Assert.Equal(epoch, server.Engine.Epoch);
        Assert.Equal("primary", server.Engine.ActiveServiceId);
    }

    [Fact]
    public async Task TestCacheFailoverScenario_WithAProgressToken_SendsProgressNotifications()
    {
        await using var server = await TestServer.StartAsync();
        var updates = new List<ProgressNotificationValue>();
        var progress = new SynchronousProgress(updates);

        var result = await server.CallAsync("test_cache_failover_scenario", """{"scenario":"primary_down","mode":"simulate"}""", progress);

        Assert.True(result.IsError != true, TestServer.Text(result));
        // Notifications are delivered asynchronously; they are all sent before the result.
        Assert.NotEmpty(updates);
        Assert.All(updates, u => Assert.False(string.IsNullOrEmpty(u.Message)));
    }

    [Fact]
    public async Task TriggerManualRecovery_WithAProgressToken_ReportsEachStepOfTheReconciliationInOrder()
    {
        await using var server = await TestServer.StartAsync();
        await server.CallOkAsync("configure_cache_failover", """{"invalidation_batch_size":2}""");
        await server.CallOkAsync("trigger_manual_failover", """{"reason":"progress test"}""");
        for (var i = 0; i < 5; i++)
        {
            await server.CallOkAsync("cache_set", $$"""{"key":"k{{i}}","value":"v"}""");
        }

        // The client drops progress that reaches it after the call's result (its per-call handler is gone by
        // then), so every notifications/progress is collected by a handler of the session's own.
        var updates = new List<ProgressNotificationValue>();
        await using var collecting = server.Client.RegisterNotificationHandler(NotificationMethods.ProgressNotification, (n, _) =>
        {
            var value = n.Params!["progress"]!.GetValue<float>();
            lock (updates)
            {
                updates.Add(new ProgressNotificationValue { Progress = value, Message = n.Params["message"]?.GetValue<string>() });
            }

            return ValueTask.CompletedTask;
        });
        var result = await server.CallAsync("trigger_manual_recovery", """{"reason":"progress test done"}""", new SynchronousProgress([]));

        Assert.True(result.IsError != true, TestServer.Text(result));
        // Wait until every step up to the switch (its number is the count) has arrived.
        await RealTimePoll.UntilAsync(() =>
        {
            lock (updates)
            {
                var switchStep = updates.Where(u => u.Message!.Contains("serves again", StringComparison.Ordinal)).Select(u => (float?)u.Progress).FirstOrDefault();
                return switchStep is { } step && updates.Count >= step;
            }
        }, TimeSpan.FromSeconds(10));
        List<ProgressNotificationValue> seen;
        lock (updates)
        {
            seen = [.. updates.OrderBy(u => u.Progress)];
        }

        var messages = seen.Select(u => u.Message!).ToList();
        Assert.Equal(Enumerable.Range(1, seen.Count).Select(i => (float)i), seen.Select(u => u.Progress));
        Assert.StartsWith("verification probe 1 of", messages[0], StringComparison.Ordinal);
        Assert.Contains(messages, m => m.StartsWith("read the group's failback journals", StringComparison.Ordinal));
        // Five keys in batches of two: three batches, the last one after the group's record said "recovering".
        var batches = messages.Where(m => m.StartsWith("invalidated ", StringComparison.Ordinal)).ToList();
        Assert.Equal(3, batches.Count);
        Assert.StartsWith("invalidated 5 journaled key(s)", batches[^1], StringComparison.Ordinal);
        Assert.True(messages.FindIndex(m => m.Contains("says recovering", StringComparison.Ordinal)) < messages.IndexOf(batches[^1]));
        Assert.Equal("the primary 'primary' serves again at epoch 2; 5 journaled key(s) invalidated on it first", messages[^1]);
    }

    [Fact]
    public async Task TestCacheFailoverScenario_LiveConfirmed_FailsOverAndRecoversTheRealEngine()
    {
        await using var server = await TestServer.StartAsync(new HostSettings { AllowLiveDrills = true });
        await server.CallOkAsync("configure_cache_failover", """{"health_check_interval_seconds":0.2,"health_check_timeout_seconds":0.1,"recovery_threshold":1,"auto_recovery_delay_seconds":0,"timeout_threshold_ms":200}""");

        var report = await server.CallOkAsync("test_cache_failover_scenario", """{"scenario":"primary_down","mode":"live","confirm":true}""");

        Assert.Equal("live", report.GetProperty("mode").GetString());
        Assert.True(report.GetProperty("passed").GetBoolean(), report.GetProperty("summary").GetString());
        Assert.True(server.Engine.Epoch >= 2, "a live drill switches away and back");
        Assert.Null(((FaultInjectingBackend)server.Engine.GetBackend("primary")!).ActiveFault);
        var status = await server.CallOkAsync("get_cache_failover_status");
        Assert.All(status.GetProperty("services").EnumerateArray(), s => Assert.Equal(System.Text.Json.JsonValueKind.Null, s.GetProperty("injected_fault").ValueKind));
    }

    private sealed class SynchronousProgress(List<ProgressNotificationValue> updates) : IProgress<ProgressNotificationValue>
    {
        public void Report(ProgressNotificationValue value)
        {
            lock (updates)
            {
                updates.Add(value);
            }
        }
    }
}
