using System.Globalization;
using CacheFailover.Engine;
using CacheFailover.Options;

namespace CacheFailover.Drills;

/// <summary>
/// What a drill will do and what the options promise will happen, worked out from the options
/// alone before anything is injected: the fault's size, the traffic pace, how long to wait, the
/// bounds the engine must meet, and the one-sentence expectation shown to the operator.
/// </summary>
internal sealed class DrillPlan
{
    /// <summary>How much slower than the baseline a slow primary is made, as a multiple of the degradation threshold.</summary>
    private const double SlowFactor = 3;

    /// <summary>In simulations, the longest any single phase (flap phase, watch window, post window) lasts, so that long intervals stay within the virtual-time limit.</summary>
    internal static readonly TimeSpan LongSpan = TimeSpan.FromMinutes(10);

    /// <summary>Slack for the engine's own work on a virtual clock (a candidate's verification probe before a switch, continuations).</summary>
    private static readonly TimeSpan Slack = TimeSpan.FromMilliseconds(100);

    /// <summary>Slack in real time, where timers fire late on a busy machine.</summary>
    private static readonly TimeSpan LiveSlack = TimeSpan.FromMilliseconds(500);

    private DrillPlan(DrillScenario scenario, FailoverOptions options, bool live, TimeSpan baseline)
    {
        Scenario = scenario;
        Options = options;
        Live = live;
        Baseline = baseline;
        Interval = TimeSpan.FromSeconds(options.HealthCheckIntervalSeconds);
        ProbeTimeout = TimeSpan.FromSeconds(options.HealthCheckTimeoutSeconds);
        OperationTimeout = TimeSpan.FromMilliseconds(options.TimeoutThresholdMs);
        RecoveryDelay = TimeSpan.FromSeconds(options.AutoRecoveryDelaySeconds);
    }

    public DrillScenario Scenario { get; }

    public FailoverOptions Options { get; }

    public bool Live { get; }

    public TimeSpan Interval { get; }

    public TimeSpan ProbeTimeout { get; }

    public TimeSpan OperationTimeout { get; }

    public TimeSpan RecoveryDelay { get; }

    /// <summary>The primary's usual operation latency (the sandbox's simulated round trip in simulations).</summary>
    public TimeSpan Baseline { get; }

    /// <summary>
    /// Set when the scenario shows the set-up cannot survive it, whatever the engine does (a primary
    /// failure with no backup to fail over to, or no backup to take down): the drill then fails with this reason.
    /// </summary>
    public string? CannotWork { get; private init; }

    /// <summary>Pause between traffic rounds while something is about to happen.</summary>
    public TimeSpan FinePace { get; private init; }

    /// <summary>Pause between traffic rounds during long waits (hold-down).</summary>
    public TimeSpan CoarsePace { get; private init; }

    /// <summary>Successful operations before the fault: enough for a baseline and for every key to hold a value.</summary>
    public int WarmOperations { get; private init; }

    /// <summary>Probe rounds before the fault, so that every service has a known health.</summary>
    public int WarmRounds { get; private init; }

    /// <summary>primary_slow: the latency added to every call of the primary.</summary>
    public TimeSpan SlowLatency { get; private init; }

    /// <summary>primary_flapping: how long the primary is up, then down, in each cycle.</summary>
    public TimeSpan FlapPhase { get; private init; }

    public bool ExpectFailover { get; private init; }

    public IReadOnlyList<FailoverTrigger> AllowedTriggers { get; private init; } = [];

    /// <summary>Fault injected to failover decided, at most.</summary>
    public TimeSpan DetectionBound { get; private init; }

    /// <summary>How long the fault is held when no failover is expected, or awaited at most when one is.</summary>
    public TimeSpan ObservationWindow { get; private init; }

    /// <summary>How long the fault stays after the failover (long for flapping, to show the engine stays away).</summary>
    public TimeSpan HoldAfterFailover { get; private init; }

    /// <summary>Whether every probe of the primary fails while the fault lasts (its success streak restarts at the clear).</summary>
    public bool ProbesFailWhileFaulted { get; private init; }

    /// <summary>primary_flapping: whether recovery_threshold consecutive successful probes cannot fit in one up phase.</summary>
    public bool NoRecoveryWhileFlapping { get; private init; }

    /// <summary>Whether operations must fail (fast and clearly) while the fault lasts.</summary>
    public bool ExpectErrors { get; private init; }

    /// <summary>The longest a drill waits for an automatic recovery before recovering manually.</summary>
    public TimeSpan RecoveryCap { get; private init; }

    /// <summary>Traffic after the recovery, watching for stale reads and for a relapse.</summary>
    public TimeSpan PostWindow { get; private init; }

    /// <summary>What the options promise, in one sentence.</summary>
    public string Expected { get; private set; } = "";

    /// <summary>Works out the plan for <paramref name="scenario"/> under <paramref name="options"/>.</summary>
    /// <param name="scenario">The scenario.</param>
    /// <param name="options">The options the engine runs with.</param>
    /// <param name="live">Live drills are real time: every wait is capped to keep the real outage short.</param>
    /// <param name="backups">How many backups the engine has.</param>
    /// <param name="baseline">The primary's usual operation latency.</param>
    public static DrillPlan Create(DrillScenario scenario, FailoverOptions options, bool live, int backups, TimeSpan baseline)
    {
        ArgumentNullException.ThrowIfNull(options);
        var interval = TimeSpan.FromSeconds(options.HealthCheckIntervalSeconds);
        var probeTimeout = TimeSpan.FromSeconds(options.HealthCheckTimeoutSeconds);
        var operationTimeout = TimeSpan.FromMilliseconds(options.TimeoutThresholdMs);
        var recoveryDelay = TimeSpan.FromSeconds(options.AutoRecoveryDelaySeconds);
        var finePace = live ? Clamp(interval / 20, Ms(20), Ms(100)) : Clamp(interval / 100, Ms(10), Ms(100));
        var coarsePace = live ? finePace : Max(finePace, interval / 10);
        // A live drill is a real outage: detection waits and the hold after the failover stay within a minute together.
        var liveDetectionCap = TimeSpan.FromSeconds(45);
        var liveHoldCap = TimeSpan.FromSeconds(15);
        var slack = live ? LiveSlack : Slack;

        var slow = Max(Ms(50), Max(baseline * (1 + options.PerformanceDegradationThreshold) * SlowFactor, Ms(options.DegradationMinimumDeltaMs * SlowFactor)));
        var slowCeiling = Min(operationTimeout, probeTimeout) / 2;
        slow = Min(slow, slowCeiling);
        var flap = live ? Clamp(interval * 1.5, Ms(300), TimeSpan.FromSeconds(5)) : Min(interval * 1.5, LongSpan);
        var probesPerUpPhase = (int)Math.Floor(flap / interval) + 1;
        var noRecoveryWhileFlapping = flap > interval && options.RecoveryThreshold > probesPerUpPhase;

        var canFailOver = options.EnableFailover && backups > 0;
        var noFailoverWindow = live
            ? Clamp((interval * 2) + probeTimeout, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5))
            : interval + probeTimeout + Min(interval, LongSpan);

        bool expectFailover;
        TimeSpan detection;
        List<FailoverTrigger> triggers = [];
        string failoverPart;
        var probesFail = false;
        var expectErrors = false;
        switch (scenario)
        {
            case DrillScenario.PrimaryDown:
                expectFailover = canFailOver;
                detection = finePace + slack;
                triggers.Add(FailoverTrigger.ConnectionFailure);
                probesFail = true;
                expectErrors = !canFailOver;
                failoverPart = $"a refused connection fails over at once (connection_failure, within {Format(detection)} of the fault)";
                break;

            case DrillScenario.PrimaryTimeout:
            {
                expectFailover = canFailOver;
                // Operation deadlines share slots of 1/16 of the timeout: one fires up to a slot late.
                var byOperation = finePace + EngineTimings.LatestDeadline(operationTimeout) + slack;
                var byProbesBest = (interval * (options.FailureThreshold - 1)) + probeTimeout;
                var byProbesWorst = (interval * options.FailureThreshold) + probeTimeout + slack;
                detection = Min(byOperation, byProbesWorst);
                triggers.Add(FailoverTrigger.TimeoutExceeded);
                probesFail = true;
                failoverPart = $"a hung primary fails over when an operation overruns timeout_threshold_ms = {options.TimeoutThresholdMs} (timeout_exceeded";
                if (byProbesBest < byOperation)
                {
                    triggers.Add(FailoverTrigger.HealthCheckFailure);
                    failoverPart += $", or health_check_failure after {options.FailureThreshold} probe(s) time out";
                }

                failoverPart += $", within {Format(detection)} of the fault)";
                break;
            }

            case DrillScenario.PrimarySlow:
            {
                var samples = options.DegradationMinimumSamples;
                var margin = Math.Max(baseline.TotalMilliseconds * options.PerformanceDegradationThreshold, options.DegradationMinimumDeltaMs);
                var detectable = slow.TotalMilliseconds > margin && slow.TotalMilliseconds >= options.DegradationMinimumDeltaMs;
                var slowSamples = Math.Min(samples, (int)Math.Floor(samples * margin / Math.Max(slow.TotalMilliseconds, 0.001)) + 1);
                expectFailover = canFailOver && detectable;
                var sustain = TimeSpan.FromMilliseconds(options.DegradationSustainMs);
                detection = ((slow + baseline + finePace) * slowSamples) + sustain + EngineTimings.DegradationCheckInterval + (finePace * 2) + slack;
                triggers.Add(FailoverTrigger.PerformanceDegradation);
                failoverPart = detectable
                    ? $"a primary {Format(slow)} slower than its {Format(baseline)} baseline (more than performance_degradation_threshold = {options.PerformanceDegradationThreshold.ToString("0.##", CultureInfo.InvariantCulture)} over it) fails over to a faster healthy backup once {slowSamples} slow sample(s) show it and it lasts degradation_sustain_ms = {Format(sustain)} (performance_degradation, within {Format(detection)} of the fault)"
                    : $"a slowdown that stays under the deadlines ({Format(slow)}) does not exceed the degradation threshold over a {Format(baseline)} baseline, so nothing switches";
                break;
            }

            case DrillScenario.PrimaryFlapping:
                expectFailover = canFailOver;
                detection = flap + finePace + slack;
                triggers.Add(FailoverTrigger.ConnectionFailure);
                triggers.Add(FailoverTrigger.HealthCheckFailure);
                expectErrors = !canFailOver;
                failoverPart = $"a primary flapping {Format(flap)} up / {Format(flap)} down fails over in its first down phase (connection_failure, within {Format(detection)} of the fault)";
                if (options.AutoRecoveryEnabled)
                {
                    failoverPart += noRecoveryWhileFlapping
                        ? $" and is not switched back while it flaps ({options.RecoveryThreshold} consecutive successful probes do not fit in one up phase)"
                        : $" and may be switched back in an up phase (recovery_threshold = {options.RecoveryThreshold} fits in one), each quick relapse doubling the hold-down";
                }

                break;

            case DrillScenario.BackupDown:
                expectFailover = false;
                detection = TimeSpan.Zero;
                failoverPart = "a failed backup is only marked unhealthy: the primary keeps serving, no failover and no operation errors";
                break;

            case DrillScenario.AllDown:
                expectFailover = false;
                detection = TimeSpan.Zero;
                expectErrors = true;
                failoverPart = $"with every service refusing, operations fail at once with clear errors (never waiting for timeout_threshold_ms = {options.TimeoutThresholdMs}) and no switch succeeds; the primary serves again as soon as it answers";
                break;

            default:
                throw new ArgumentOutOfRangeException(nameof(scenario), scenario, "Unknown drill scenario.");
        }

        if (!options.EnableFailover && scenario is not (DrillScenario.BackupDown or DrillScenario.AllDown))
        {
            failoverPart = "enable_failover is false: the fault is reported but nothing switches" + (expectErrors ? ", and operations fail while it lasts" : "");
        }
        else if (backups == 0 && scenario is not (DrillScenario.BackupDown or DrillScenario.AllDown))
        {
            failoverPart = "there is no backup to fail over to: operations fail while the fault lasts";
            expectErrors = scenario is DrillScenario.PrimaryDown or DrillScenario.PrimaryFlapping;
        }
        else if (backups == 0 && scenario == DrillScenario.BackupDown)
        {
            failoverPart = "there is no backup to take down: the engine has none, so nothing is injected";
        }

        string? cannotWork = backups > 0 || scenario == DrillScenario.AllDown
            ? null
            : scenario == DrillScenario.BackupDown
                ? "backup_down needs a backup, and the engine has none: there is nothing to take down (register a backup first)"
                : $"the engine has no backup, so failover cannot work: a {scenario.ToWireName()} is an outage for every client until the primary is back (register a backup to be protected)";

        var recoveryCap = live ? TimeSpan.FromSeconds(60) : TimeSpan.FromHours(2);
        var plan = new DrillPlan(scenario, options, live, baseline)
        {
            CannotWork = cannotWork,
            FinePace = finePace,
            CoarsePace = coarsePace,
            WarmOperations = Math.Max(options.DegradationMinimumSamples + 10, DrillTraffic.KeyCount * 3),
            WarmRounds = live ? 0 : (interval <= LongSpan ? 2 : 1),
            SlowLatency = slow,
            FlapPhase = flap,
            ExpectFailover = expectFailover,
            AllowedTriggers = triggers,
            DetectionBound = detection,
            ObservationWindow = expectFailover
                ? (live ? Min((detection * 2) + TimeSpan.FromSeconds(1), liveDetectionCap) : (detection * 2) + TimeSpan.FromSeconds(1))
                : noFailoverWindow,
            HoldAfterFailover = scenario == DrillScenario.PrimaryFlapping
                ? (live ? Min(flap * 4, liveHoldCap) : Min(recoveryDelay + (interval * 3), recoveryCap))
                : Max(finePace * 5, Ms(200)),
            ProbesFailWhileFaulted = probesFail,
            NoRecoveryWhileFlapping = noRecoveryWhileFlapping,
            ExpectErrors = expectErrors,
            RecoveryCap = recoveryCap,
            PostWindow = live ? Clamp(interval * 2, TimeSpan.FromSeconds(0.5), TimeSpan.FromSeconds(5)) : Clamp(interval * 2, TimeSpan.FromSeconds(1), LongSpan),
        };

        plan.Expected = failoverPart + plan.RecoveryPart() + "; no stale reads.";
        return plan;
    }

    /// <summary>
    /// The latest the primary should serve again after the fault is cleared: once the hold-down has
    /// ended and recovery_threshold probes have passed, at the next probe round, after the recovery's
    /// own verification probes.
    /// </summary>
    public TimeSpan RecoveryUpperBound(TimeSpan holdDownRemaining) =>
        Max(holdDownRemaining, Interval * Options.RecoveryThreshold) + Interval + RecoveryVerification + TimeSpan.FromSeconds(1);

    /// <summary>The engine's own probes of the primary just before it switches back, one round trip each.</summary>
    private TimeSpan RecoveryVerification => Baseline * EngineTimings.RecoveryVerificationProbes;

    /// <summary>
    /// The earliest an automatic recovery may come after the clear: not before the hold-down ends and,
    /// when every probe failed during the fault, not before recovery_threshold probes have passed
    /// since — one of which may be a hung probe that the clear released just in time.
    /// </summary>
    public TimeSpan RecoveryLowerBound(TimeSpan holdDownRemaining)
    {
        if (!ProbesFailWhileFaulted)
        {
            return holdDownRemaining;
        }

        var freshProbes = Options.RecoveryThreshold - (Scenario == DrillScenario.PrimaryTimeout ? 2 : 1);
        return Max(holdDownRemaining, Interval * Math.Max(0, freshProbes));
    }

    /// <summary>The expected recovery, as a clause of <see cref="Expected"/>.</summary>
    private string RecoveryPart()
    {
        if (Scenario == DrillScenario.AllDown || !ExpectFailover)
        {
            return "";
        }

        if (!Options.AutoRecoveryEnabled)
        {
            return "; auto_recovery_enabled is false, so the primary stays out until an operator recovers it (the drill does, at the end)";
        }

        var upper = RecoveryUpperBound(RecoveryDelay);
        var clause = $"; auto recovery after the {Format(RecoveryDelay)} hold-down (auto_recovery_delay_seconds) and {Options.RecoveryThreshold} consecutive successful probes every {Format(Interval)}, within {Format(upper)} of the fault clearing";
        return upper > RecoveryCap ? clause + $" — beyond this drill's {Format(RecoveryCap)} cap, so the drill recovers manually" : clause;
    }

    /// <summary>A duration the way an operator reads it: "250 ms", "5 s", "300 s".</summary>
    public static string Format(TimeSpan value) => value < TimeSpan.FromSeconds(1)
        ? string.Create(CultureInfo.InvariantCulture, $"{value.TotalMilliseconds:0.#} ms")
        : string.Create(CultureInfo.InvariantCulture, $"{value.TotalSeconds:0.##} s");

    private static TimeSpan Ms(double milliseconds) => TimeSpan.FromMilliseconds(milliseconds);

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    private static TimeSpan Clamp(TimeSpan value, TimeSpan min, TimeSpan max) => Max(min, Min(value, max));
}
