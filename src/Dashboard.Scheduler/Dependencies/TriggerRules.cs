using Dashboard.Core.Domain;

namespace Dashboard.Scheduler.Dependencies;

/// <summary>How a task's direct upstream task instances stand.</summary>
public readonly record struct UpstreamCounts(int Total, int Success, int Skipped, int Failed, int UpstreamFailed, int Removed)
{
    public int Done => Success + Skipped + Failed + UpstreamFailed + Removed;

    public bool AllDone => Done >= Total;

    public static UpstreamCounts Of(IEnumerable<TaskInstanceState?> states)
    {
        int total = 0, success = 0, skipped = 0, failed = 0, upstreamFailed = 0, removed = 0;
        foreach (var state in states)
        {
            total++;
            switch (state)
            {
                case TaskInstanceState.Success: success++; break;
                case TaskInstanceState.Skipped: skipped++; break;
                case TaskInstanceState.Failed: failed++; break;
                case TaskInstanceState.UpstreamFailed: upstreamFailed++; break;
                case TaskInstanceState.Removed: removed++; break;
            }
        }

        return new UpstreamCounts(total, success, skipped, failed, upstreamFailed, removed);
    }
}

public enum TriggerVerdict
{
    /// <summary>Not yet: upstream work is still under way.</summary>
    Wait,
    Ready,
    UpstreamFailed,
    Skipped,
}

/// <summary>
/// Airflow's trigger rules (ti_deps/deps/trigger_rule_dep.py, with upstream-failed flagging on), over
/// a task's direct upstream only. A failure or skip propagates as soon as it makes the rule
/// impossible, not only once every upstream task has finished.
/// </summary>
public static class TriggerRules
{
    public static TriggerVerdict Evaluate(TriggerRule rule, UpstreamCounts up)
    {
        if (up.Total == 0 || rule == TriggerRule.Always)
        {
            return TriggerVerdict.Ready;
        }

        var failures = up.Failed + up.UpstreamFailed;
        return rule switch
        {
            TriggerRule.AllSuccess =>
                failures > 0 ? TriggerVerdict.UpstreamFailed
                : up.Skipped > 0 ? TriggerVerdict.Skipped
                : Ready(up.Success == up.Total),
            TriggerRule.AllFailed =>
                up.Success + up.Skipped > 0 ? TriggerVerdict.Skipped : Ready(failures == up.Total),
            TriggerRule.AllDone => Ready(up.AllDone),
            TriggerRule.OneSuccess =>
                up.Success > 0 ? TriggerVerdict.Ready
                : !up.AllDone ? TriggerVerdict.Wait
                : up.Skipped == up.Done ? TriggerVerdict.Skipped
                : TriggerVerdict.UpstreamFailed,
            TriggerRule.OneFailed =>
                failures > 0 ? TriggerVerdict.Ready : up.AllDone ? TriggerVerdict.Skipped : TriggerVerdict.Wait,
            TriggerRule.NoneFailed =>
                failures > 0 ? TriggerVerdict.UpstreamFailed : Ready(up.Success + up.Skipped == up.Total),
            TriggerRule.NoneFailedMinOneSuccess =>
                failures > 0 ? TriggerVerdict.UpstreamFailed
                : up.Skipped == up.Total ? TriggerVerdict.Skipped
                : Ready(up.Success + up.Skipped == up.Total),
            TriggerRule.NoneSkipped =>
                up.Skipped > 0 ? TriggerVerdict.Skipped : Ready(up.AllDone),
            _ => throw new ArgumentOutOfRangeException(nameof(rule), rule, null),
        };
    }

    private static TriggerVerdict Ready(bool met) => met ? TriggerVerdict.Ready : TriggerVerdict.Wait;
}
