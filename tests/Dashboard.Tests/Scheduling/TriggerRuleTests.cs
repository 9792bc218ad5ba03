using Dashboard.Core.Domain;
using Dashboard.Scheduler.Dependencies;
using Dashboard.Testing;

namespace Dashboard.Tests.Scheduling;

public sealed class TriggerRuleTests
{
    // Counts of the direct upstream task instances: total, success, skipped, failed, upstream_failed.
    [Theory]
    [InlineData(TriggerRule.AllSuccess, 2, 2, 0, 0, 0, TriggerVerdict.Ready)]
    [InlineData(TriggerRule.AllSuccess, 2, 1, 0, 0, 0, TriggerVerdict.Wait)]
    [InlineData(TriggerRule.AllSuccess, 2, 0, 0, 1, 0, TriggerVerdict.UpstreamFailed)] // at once, not when the other ends
    [InlineData(TriggerRule.AllSuccess, 2, 1, 0, 0, 1, TriggerVerdict.UpstreamFailed)]
    [InlineData(TriggerRule.AllSuccess, 2, 1, 1, 0, 0, TriggerVerdict.Skipped)]
    [InlineData(TriggerRule.AllSuccess, 2, 0, 1, 1, 0, TriggerVerdict.UpstreamFailed)] // a failure outweighs a skip
    [InlineData(TriggerRule.AllFailed, 2, 0, 0, 1, 1, TriggerVerdict.Ready)]
    [InlineData(TriggerRule.AllFailed, 2, 0, 0, 1, 0, TriggerVerdict.Wait)]
    [InlineData(TriggerRule.AllFailed, 2, 1, 0, 0, 0, TriggerVerdict.Skipped)]
    [InlineData(TriggerRule.AllFailed, 2, 0, 1, 0, 0, TriggerVerdict.Skipped)]
    [InlineData(TriggerRule.AllDone, 4, 1, 1, 1, 1, TriggerVerdict.Ready)]
    [InlineData(TriggerRule.AllDone, 3, 1, 0, 1, 0, TriggerVerdict.Wait)]
    [InlineData(TriggerRule.OneSuccess, 3, 1, 0, 0, 0, TriggerVerdict.Ready)] // one is enough; the others may still run
    [InlineData(TriggerRule.OneSuccess, 2, 0, 0, 1, 0, TriggerVerdict.Wait)]
    [InlineData(TriggerRule.OneSuccess, 2, 0, 1, 1, 0, TriggerVerdict.UpstreamFailed)]
    [InlineData(TriggerRule.OneSuccess, 2, 0, 2, 0, 0, TriggerVerdict.Skipped)]
    [InlineData(TriggerRule.OneFailed, 3, 0, 0, 1, 0, TriggerVerdict.Ready)]
    [InlineData(TriggerRule.OneFailed, 3, 0, 0, 0, 1, TriggerVerdict.Ready)]
    [InlineData(TriggerRule.OneFailed, 2, 1, 0, 0, 0, TriggerVerdict.Wait)]
    [InlineData(TriggerRule.OneFailed, 2, 1, 1, 0, 0, TriggerVerdict.Skipped)]
    [InlineData(TriggerRule.NoneFailed, 2, 1, 1, 0, 0, TriggerVerdict.Ready)]
    [InlineData(TriggerRule.NoneFailed, 2, 0, 2, 0, 0, TriggerVerdict.Ready)]
    [InlineData(TriggerRule.NoneFailed, 2, 1, 0, 0, 0, TriggerVerdict.Wait)]
    [InlineData(TriggerRule.NoneFailed, 2, 0, 0, 1, 0, TriggerVerdict.UpstreamFailed)]
    [InlineData(TriggerRule.NoneFailed, 2, 0, 0, 0, 1, TriggerVerdict.UpstreamFailed)]
    [InlineData(TriggerRule.NoneFailedMinOneSuccess, 2, 1, 1, 0, 0, TriggerVerdict.Ready)]
    [InlineData(TriggerRule.NoneFailedMinOneSuccess, 2, 0, 1, 0, 0, TriggerVerdict.Wait)]
    [InlineData(TriggerRule.NoneFailedMinOneSuccess, 2, 0, 2, 0, 0, TriggerVerdict.Skipped)]
    [InlineData(TriggerRule.NoneFailedMinOneSuccess, 2, 1, 0, 1, 0, TriggerVerdict.UpstreamFailed)]
    [InlineData(TriggerRule.NoneSkipped, 2, 1, 0, 1, 0, TriggerVerdict.Ready)]
    [InlineData(TriggerRule.NoneSkipped, 2, 1, 0, 0, 0, TriggerVerdict.Wait)]
    [InlineData(TriggerRule.NoneSkipped, 2, 0, 1, 0, 0, TriggerVerdict.Skipped)]
    [InlineData(TriggerRule.Always, 2, 0, 0, 0, 0, TriggerVerdict.Ready)]
    [InlineData(TriggerRule.Always, 2, 0, 1, 1, 0, TriggerVerdict.Ready)]
    [InlineData(TriggerRule.OneFailed, 0, 0, 0, 0, 0, TriggerVerdict.Ready)] // no upstream: every rule is met
    [InlineData(TriggerRule.AllFailed, 0, 0, 0, 0, 0, TriggerVerdict.Ready)]
    public void Each_rule_decides_from_the_direct_upstream_states(
        TriggerRule rule, int total, int success, int skipped, int failed, int upstreamFailed, TriggerVerdict expected)
    {
        var verdict = TriggerRules.Evaluate(rule, new UpstreamCounts(total, success, skipped, failed, upstreamFailed, Removed: 0));

        Assert.Equal(expected, verdict);
    }

    [Fact]
    public async Task A_real_run_applies_every_rule_and_propagates_failures_and_skips_down_chains()
    {
        await using var engine = await EngineHarness.CreateAsync();
        var dagId = await engine.AddDagAsync("""
            dag_id: rules
            schedule: null
            tasks:
              - id: ok
                command: exit 0
              - id: bad
                command: exit 1
              - id: all_success
                upstream: [ok, bad]
                command: exit 0
              - id: after_upstream_failed
                upstream: all_success
                command: exit 0
              - id: always
                upstream: after_upstream_failed
                trigger_rule: always
                command: exit 0
              - id: all_failed
                upstream: bad
                trigger_rule: all_failed
                command: exit 0
              - id: all_failed_mixed
                upstream: [ok, bad]
                trigger_rule: all_failed
                command: exit 0
              - id: all_done
                upstream: [ok, bad]
                trigger_rule: all_done
                command: exit 0
              - id: one_success
                upstream: [ok, bad]
                trigger_rule: one_success
                command: exit 0
              - id: one_failed
                upstream: [ok, bad]
                trigger_rule: one_failed
                command: exit 0
              - id: one_failed_unmet
                upstream: ok
                trigger_rule: one_failed
                command: exit 0
              - id: after_skip
                upstream: one_failed_unmet
                command: exit 0
              - id: after_after_skip
                upstream: after_skip
                command: exit 0
              - id: none_failed
                upstream: [ok, bad]
                trigger_rule: none_failed
                command: exit 0
              - id: none_failed_with_skip
                upstream: [ok, one_failed_unmet]
                trigger_rule: none_failed
                command: exit 0
              - id: min_one_success
                upstream: [ok, one_failed_unmet]
                trigger_rule: none_failed_min_one_success
                command: exit 0
              - id: min_one_success_all_skipped
                upstream: [one_failed_unmet, after_skip]
                trigger_rule: none_failed_min_one_success
                command: exit 0
              - id: none_skipped
                upstream: [ok, bad]
                trigger_rule: none_skipped
                command: exit 0
              - id: none_skipped_with_skip
                upstream: [ok, one_failed_unmet]
                trigger_rule: none_skipped
                command: exit 0
            """);
        await engine.TriggerAsync(dagId);

        await engine.RunUntilRunsFinishedAsync(dagId);

        var run = Assert.Single(await engine.StatesAsync(dagId));
        var expected = new Dictionary<string, TaskInstanceState?>
        {
            ["ok"] = TaskInstanceState.Success,
            ["bad"] = TaskInstanceState.Failed,
            ["all_success"] = TaskInstanceState.UpstreamFailed,
            ["after_upstream_failed"] = TaskInstanceState.UpstreamFailed,
            ["always"] = TaskInstanceState.Success,
            ["all_failed"] = TaskInstanceState.Success,
            ["all_failed_mixed"] = TaskInstanceState.Skipped,
            ["all_done"] = TaskInstanceState.Success,
            ["one_success"] = TaskInstanceState.Success,
            ["one_failed"] = TaskInstanceState.Success,
            ["one_failed_unmet"] = TaskInstanceState.Skipped,
            ["after_skip"] = TaskInstanceState.Skipped,
            ["after_after_skip"] = TaskInstanceState.Skipped,
            ["none_failed"] = TaskInstanceState.UpstreamFailed,
            ["none_failed_with_skip"] = TaskInstanceState.Success,
            ["min_one_success"] = TaskInstanceState.Success,
            ["min_one_success_all_skipped"] = TaskInstanceState.Skipped,
            ["none_skipped"] = TaskInstanceState.Success,
            ["none_skipped_with_skip"] = TaskInstanceState.Skipped,
        };
        Assert.Equal(expected.OrderBy(e => e.Key), run.Tasks.OrderBy(t => t.Key));

        // A leaf ended upstream_failed (none_failed), so the run failed.
        Assert.Equal(DagRunState.Failed, run.State);
        Assert.Equal(1, (await engine.TaskInstanceAsync(dagId, run.RunId, "always")).TryNumber);
        Assert.Equal(0, (await engine.TaskInstanceAsync(dagId, run.RunId, "after_upstream_failed")).TryNumber); // never ran: no try used
    }
}
