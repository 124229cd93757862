using CacheFailover.Backends;
using CacheFailover.Drills.Chaos;
using CacheFailover.Options;
using CacheFailoverMcp.Configuration;

namespace CacheFailoverMcp.Tests.Tools;

/// <summary>
/// For every tool, the bad-argument cases (unknown argument, wrong type, out of range, missing) and
/// refusals: an <c>isError</c> text that names the argument, says what was wrong and what is
/// allowed — and no state changed.
/// </summary>
public sealed class BadArgumentTests
{
    private const string SdkBareMessage = "An error occurred invoking";

    public static readonly TheoryData<string, string, string[]> Cases = new()
    {
        // get_cache_failover_status
        { "get_cache_failover_status", """{"verbose":true}""", ["unknown argument 'verbose'", "takes no arguments"] },

        // get_failover_performance_metrics
        { "get_failover_performance_metrics", """{"window":60}""", ["unknown argument 'window'", "allowed: window_seconds"] },
        { "get_failover_performance_metrics", """{"window_seconds":"60"}""", ["argument 'window_seconds' must be a whole number", "got a string"] },
        { "get_failover_performance_metrics", """{"window_seconds":1.5}""", ["argument 'window_seconds' must be a whole number", "1.5"] },
        { "get_failover_performance_metrics", """{"window_seconds":0}""", ["window_seconds must be between 1 and 3600 (got 0)"] },
        { "get_failover_performance_metrics", """{"window_seconds":99999999999}""", ["argument 'window_seconds' is out of range (got the number 99999999999)", "1 to 3600"] },
        { "get_failover_performance_metrics", """{"window_seconds":1e300}""", ["argument 'window_seconds' is out of range", "1 to 3600"] },

        // get_failover_events
        { "get_failover_events", """{"max":5}""", ["unknown argument 'max'", "limit", "trigger", "since", "include_audit"] },
        { "get_failover_events", """{"limit":"20"}""", ["argument 'limit' must be a whole number"] },
        { "get_failover_events", """{"include_audit":"yes"}""", ["argument 'include_audit' must be true or false"] },
        { "get_failover_events", """{"limit":0}""", ["limit must be between 1 and 1000 (got 0)"] },
        { "get_failover_events", """{"trigger":"meteor"}""", ["trigger 'meteor'", "allowed: health_check_failure, connection_failure, timeout_exceeded, performance_degradation, manual, cascade_failure"] },
        { "get_failover_events", """{"since":"yesterday"}""", ["since 'yesterday'", "ISO 8601"] },
        { "get_failover_events", """{"limit":0,"trigger":"meteor"}""", ["limit must be between 1 and 1000", "trigger 'meteor'"] },

        // cache_get, cache_exists
        { "cache_get", """{"key":"k","ttl":1}""", ["unknown argument 'ttl'", "allowed: key (a string, required)"] },
        { "cache_get", """{"key":5}""", ["argument 'key' must be a string", "got the number 5"] },
        { "cache_get", """{"key":""}""", ["key must be 1 to 1024 characters"] },
        { "cache_get", "{}", ["missing required argument 'key' (a string)"] },
        { "cache_exists", """{"key":"k","value":"v"}""", ["unknown argument 'value'", "allowed: key"] },
        { "cache_exists", """{"key":null}""", ["argument 'key' must be a string", "got null"] },
        { "cache_exists", """{"key":""}""", ["key must be 1 to 1024 characters"] },
        { "cache_exists", "{}", ["missing required argument 'key'"] },

        // cache_set
        { "cache_set", """{"key":"probe","value":"v","expiry":3}""", ["unknown argument 'expiry'", "ttl_seconds"] },
        { "cache_set", """{"key":"probe","value":{"a":1}}""", ["argument 'value' must be a string", "got an object"] },
        { "cache_set", """{"key":"probe","value":"v","ttl_seconds":0}""", ["ttl_seconds must be between 1 and 31536000 (got 0)"] },
        { "cache_set", """{"key":"probe","value":"v","ttl_seconds":-5}""", ["ttl_seconds must be between 1 and 31536000 (got -5)"] },
        { "cache_set", """{"key":"probe"}""", ["missing required argument 'value' (a string)"] },

        // cache_delete
        { "cache_delete", """{"key":"seed","all":true}""", ["unknown argument 'all'", "allowed: key"] },
        { "cache_delete", """{"key":["seed"]}""", ["argument 'key' must be a string", "got an array"] },
        { "cache_delete", """{"key":""}""", ["key must be 1 to 1024 characters"] },
        { "cache_delete", "{}", ["missing required argument 'key'"] },

        // configure_cache_failover (all or nothing)
        { "configure_cache_failover", """{"failure_treshold":3}""", ["unknown argument 'failure_treshold'", "failure_threshold (a whole number)"] },
        { "configure_cache_failover", """{"enable_failover":"yes"}""", ["argument 'enable_failover' must be true or false", "got a string"] },
        { "configure_cache_failover", """{"failure_threshold":2.5}""", ["argument 'failure_threshold' must be a whole number"] },
        { "configure_cache_failover", """{"failure_threshold":0,"max_failover_attempts":11,"enable_failover":false}""", ["failure_threshold must be an integer between 1 and 100 (got 0)", "max_failover_attempts must be an integer between 1 and 10 (got 11)", "Nothing was changed"] },
        { "configure_cache_failover", """{"health_check_timeout_seconds":60}""", ["health_check_timeout_seconds (60) must not exceed health_check_interval_seconds (30)"] },
        { "configure_cache_failover", """{"performance_degradation_threshold":0}""", ["performance_degradation_threshold must be between 0.05 and 10 (got 0)"] },
        { "configure_cache_failover", """{"health_window_size":512}""", ["health_window_size can only be set at start-up", "Nothing was changed"] },
        { "configure_cache_failover", """{"health_window_size":256}""", ["health_window_size can only be set at start-up"] },
        { "configure_cache_failover", """{"degradation_minimum_samples":30,"failure_threshold":0,"journal_capacity":5}""", ["failure_threshold must be an integer between 1 and 100 (got 0)", "degradation_minimum_samples can only be set at start-up", "Nothing was changed"] },
        { "configure_cache_failover", """{"retry_base_delay_ms":-1}""", ["retry_base_delay_ms must be between 0 and 10000 (got -1)"] },

        // trigger_manual_failover
        { "trigger_manual_failover", """{"reason":"x","target":"backup-1"}""", ["unknown argument 'target'", "target_service_id"] },
        { "trigger_manual_failover", """{"reason":42}""", ["argument 'reason' must be a string"] },
        { "trigger_manual_failover", """{"reason":"   "}""", ["reason must be 1 to 500 characters"] },
        { "trigger_manual_failover", """{"reason":"x","target_service_id":"nope"}""", ["refused", "target_service_id 'nope' is not registered", "primary, backup-1", "Nothing was changed"] },
        { "trigger_manual_failover", """{"reason":"x","target_service_id":"primary"}""", ["refused", "'primary' already serves"] },
        { "trigger_manual_failover", "{}", ["missing required argument 'reason' (a string)"] },

        // trigger_manual_recovery
        { "trigger_manual_recovery", """{"force":true}""", ["unknown argument 'force'", "flush_dirty_primary"] },
        { "trigger_manual_recovery", """{"flush_dirty_primary":"true"}""", ["argument 'flush_dirty_primary' must be true or false"] },
        { "trigger_manual_recovery", $$"""{"reason":"{{new string('r', 501)}}"}""", ["reason must be 1 to 500 characters (got 501 characters)"] },
        { "trigger_manual_recovery", "{}", ["refused", "already serves"] },

        // register_failover_service
        { "register_failover_service", """{"service_id":"b","connection":"memory","weight":1}""", ["unknown argument 'weight'", "priority"] },
        { "register_failover_service", """{"service_id":"b","connection":"memory","priority":"high"}""", ["argument 'priority' must be a whole number"] },
        { "register_failover_service", """{"service_id":"b","connection":"memory","priority":0}""", ["priority must be between 1 and 1000 (got 0)"] },
        { "register_failover_service", """{"service_id":"bad id!","connection":"memory"}""", ["service_id must be 1 to 64 ASCII letters, digits"] },
        { "register_failover_service", """{"service_id":"b","connection":"ftp://files"}""", ["is not a connection this server understands", "redis://"] },
        { "register_failover_service", """{"service_id":"b","connection":"ftp://ops:hunter2secret@files,password=hunter2secret"}""", ["is not a connection this server understands", "ftp://ops:***@files"] },
        { "register_failover_service", """{"service_id":"b","connection":"redis://admin:hunter2secret@127.0.0.1:99999"}""", ["port", "65535", "***"] },
        { "register_failover_service", """{"service_id":"backup-1","connection":"memory"}""", ["refused", "already registered"] },
        { "register_failover_service", """{"service_id":"b2","connection":"memory://primary"}""", ["refused", "'memory://primary' is the same endpoint as service 'primary' (memory://primary)"] },
        { "register_failover_service", """{"service_id":"b2","connection":"MEMORY://backup"}""", ["refused", "same endpoint as service 'backup-1'"] },
        { "register_failover_service", """{"service_id":"b"}""", ["missing required argument 'connection' (a string)"] },
        { "register_failover_service", "{}", ["missing required argument 'service_id'", "missing required argument 'connection'"] },

        // unregister_failover_service
        { "unregister_failover_service", """{"service_id":"backup-1","force":true}""", ["unknown argument 'force'", "allowed: service_id"] },
        { "unregister_failover_service", """{"service_id":1}""", ["argument 'service_id' must be a string"] },
        { "unregister_failover_service", """{"service_id":""}""", ["service_id must not be empty"] },
        { "unregister_failover_service", """{"service_id":"primary"}""", ["refused", "is the primary"] },
        { "unregister_failover_service", """{"service_id":"nope"}""", ["refused", "not registered", "primary, backup-1"] },
        { "unregister_failover_service", "{}", ["missing required argument 'service_id'"] },

        // test_cache_failover_scenario
        { "test_cache_failover_scenario", """{"scenario":"primary_down","duration":5}""", ["unknown argument 'duration'", "scenario", "mode", "confirm"] },
        { "test_cache_failover_scenario", """{"scenario":"primary_down","confirm":"yes"}""", ["argument 'confirm' must be true or false"] },
        { "test_cache_failover_scenario", """{"scenario":"meteor_strike"}""", ["scenario 'meteor_strike'", "primary_down, primary_timeout, primary_slow, primary_flapping, backup_down, all_down"] },
        { "test_cache_failover_scenario", """{"scenario":"primary_down","mode":"chaos"}""", ["mode 'chaos'", "allowed: simulate, live"] },
        { "test_cache_failover_scenario", """{"scenario":"primary_down","mode":"live"}""", ["refused", "live drills are not allowed on this server", "--allow-live-drills", "mode simulate always works"] },
        { "test_cache_failover_scenario", """{"scenario":"primary_down","mode":"live","confirm":true}""", ["refused", "--allow-live-drills", "CACHEFAILOVER_ALLOW_LIVE_DRILLS=true", "CacheFailover:AllowLiveDrills"] },
        { "test_cache_failover_scenario", "{}", ["missing required argument 'scenario' (a string)"] },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task CallTool_BadArguments_AnswersActionableIsErrorAndChangesNothing(string tool, string arguments, string[] expected)
    {
        await using var server = await TestServer.StartAsync();
        await server.CallOkAsync("cache_set", """{"key":"seed","value":"seed"}""");
        var before = ToolCallState.Of(server);

        var result = await server.CallAsync(tool, arguments);

        var text = TestServer.Text(result);
        Assert.True(result.IsError, $"{tool} {arguments} did not fail: {text}");
        Assert.DoesNotContain(SdkBareMessage, text, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", text, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2secret", text, StringComparison.Ordinal);
        Assert.Contains($"'{tool}'", text, StringComparison.Ordinal);
        foreach (var fragment in expected)
        {
            Assert.Contains(fragment, text, StringComparison.Ordinal);
        }

        Assert.Equal(before, ToolCallState.Of(server));
    }

    [Fact]
    public async Task TestCacheFailoverScenario_LiveWithoutConfirmWhereLiveDrillsAreAllowed_RefusedAndChangesNothing()
    {
        await using var server = await TestServer.StartAsync(new HostSettings { AllowLiveDrills = true });
        await server.CallOkAsync("cache_set", """{"key":"seed","value":"seed"}""");
        var before = ToolCallState.Of(server);

        var result = await server.CallAsync("test_cache_failover_scenario", """{"scenario":"primary_down","mode":"live"}""");

        var text = TestServer.Text(result);
        Assert.True(result.IsError, text);
        Assert.Contains("refused", text, StringComparison.Ordinal);
        Assert.Contains("confirm: true", text, StringComparison.Ordinal);
        Assert.Equal(before, ToolCallState.Of(server));
    }

    [Fact]
    public async Task CallTool_BadArgumentsOfAMutatingTool_AreAuditedWithSecretsRedacted()
    {
        await using var server = await TestServer.StartAsync();

        await server.CallAsync("register_failover_service", """{"service_id":"b","connection":"redis://admin:hunter2secret@127.0.0.1:99999"}""");
        await server.CallAsync("cache_set", """{"key":"k","value":"top secret value","ttl_seconds":0}""");

        var audit = server.Audit.Query(10);
        Assert.Equal(["cache_set", "register_failover_service"], audit.Select(a => a.Tool));
        Assert.All(audit, a => Assert.Equal("invalid_arguments", a.Outcome));
        Assert.Equal("redis://admin:***@127.0.0.1:99999", audit[1].Arguments["connection"].GetString());
        Assert.Equal("<16 bytes>", audit[0].Arguments["value"].GetString());
        Assert.DoesNotContain("hunter2secret", audit[1].Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CallTool_ReadOnlyTool_IsNotAudited()
    {
        await using var server = await TestServer.StartAsync();

        await server.CallAsync("get_failover_events", """{"limit":0}""");
        await server.CallOkAsync("get_cache_failover_status");

        Assert.Empty(server.Audit.Query(10));
    }
}
