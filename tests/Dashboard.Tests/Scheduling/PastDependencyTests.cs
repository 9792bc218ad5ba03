using Dashboard.Core.Domain;
using Dashboard.Testing;

namespace Dashboard.Tests.Scheduling;

/// <summary>depends_on_past and wait_for_downstream across catch-up runs that are all active at once.</summary>
public sealed class PastDependencyTests
{
    [Fact]
    public async Task With_depends_on_past_a_task_starts_only_once_the_same_task_succeeded_in_the_previous_run()
    {
        await using var engine = await EngineHarness.CreateAsync();
        var dagId = await engine.AddDagAsync($"""
            dag_id: stock
            schedule: "@daily"
            start_date: {engine.Today.AddDays(-3):yyyy-MM-dd}
            catchup: true
            max_active_runs: 3
            tasks:
              - id: count
                depends_on_past: true
                command: sleep 0.2
              - id: report
                upstream: count
                command: exit 0
            """);

        await engine.RunUntilRunsFinishedAsync(dagId, runs: 3);

        var runs = await engine.RunsAsync(dagId);
        Assert.All(runs, r => Assert.Equal(DagRunState.Success, r.State));
        var counts = await engine.TaskInstancesAsync(dagId, "count");
        Assert.Equal(3, counts.Count);

        // All three runs were running together: only the dependency kept the counts apart.
        Assert.True(runs[2].StartDate < counts[0].EndDate);
        for (var i = 1; i < counts.Count; i++)
        {
            Assert.True(counts[i].StartDate >= counts[i - 1].EndDate,
                $"run {i + 1}'s count started at {counts[i].StartDate:O}, before run {i}'s ended at {counts[i - 1].EndDate:O}");
        }
    }

    [Fact]
    public async Task A_failure_blocks_the_same_task_in_later_runs_while_their_other_tasks_go_ahead()
    {
        await using var engine = await EngineHarness.CreateAsync();
        var firstDay = engine.Today.AddDays(-3);
        var dagId = await engine.AddDagAsync($"""
            dag_id: stock
            schedule: "@daily"
            start_date: {firstDay:yyyy-MM-dd}
            catchup: true
            max_active_runs: 3
            tasks:
              - id: count
                depends_on_past: true
                command: test "$DS" != "{firstDay:yyyy-MM-dd}"
              - id: audit
                command: exit 0
            """);

        await engine.RunUntilAsync(async () =>
        {
            var runs = await engine.StatesAsync(dagId);
            return runs.Count == 3 && runs[0].State.IsFinished() && runs.All(r => r["audit"] == TaskInstanceState.Success);
        });
        await engine.StepAsync();
        await engine.StepAsync();

        var states = await engine.StatesAsync(dagId);
        Assert.Equal((DagRunState.Failed, TaskInstanceState.Failed), (states[0].State, states[0]["count"]));
        Assert.All(states.Skip(1), run =>
        {
            Assert.Equal(DagRunState.Running, run.State); // waiting, not deadlocked
            Assert.Null(run["count"]);
            Assert.Equal(TaskInstanceState.Success, run["audit"]);
        });
    }

    [Fact]
    public async Task With_wait_for_downstream_a_task_waits_for_the_previous_runs_direct_downstream()
    {
        await using var engine = await EngineHarness.CreateAsync();
        var dagId = await engine.AddDagAsync($"""
            dag_id: sync
            schedule: "@daily"
            start_date: {engine.Today.AddDays(-2):yyyy-MM-dd}
            catchup: true
            max_active_runs: 2
            tasks:
              - id: extract
                wait_for_downstream: true
                command: exit 0
              - id: load
                upstream: extract
                command: sleep 0.3
            """);

        await engine.RunUntilRunsFinishedAsync(dagId, runs: 2);

        var extracts = await engine.TaskInstancesAsync(dagId, "extract");
        var loads = await engine.TaskInstancesAsync(dagId, "load");
        Assert.All(extracts.Concat(loads), ti => Assert.Equal(TaskInstanceState.Success, ti.State));

        // depends_on_past alone would have let run 2's extract start right after run 1's extract, while load slept.
        Assert.True(extracts[1].StartDate >= loads[0].EndDate,
            $"run 2's extract started at {extracts[1].StartDate:O}, before run 1's load ended at {loads[0].EndDate:O}");
    }

    [Fact]
    public async Task With_wait_for_downstream_a_failed_downstream_in_the_previous_run_blocks_the_task()
    {
        await using var engine = await EngineHarness.CreateAsync();
        var firstDay = engine.Today.AddDays(-2);
        var dagId = await engine.AddDagAsync($"""
            dag_id: sync
            schedule: "@daily"
            start_date: {firstDay:yyyy-MM-dd}
            catchup: true
            max_active_runs: 2
            tasks:
              - id: extract
                wait_for_downstream: true
                command: exit 0
              - id: load
                upstream: extract
                command: test "$DS" != "{firstDay:yyyy-MM-dd}"
            """);

        await engine.RunUntilAsync(async () => (await engine.StatesAsync(dagId)) is [{ State: DagRunState.Failed }, _]);
        await engine.StepAsync();

        var states = await engine.StatesAsync(dagId);
        Assert.Equal((TaskInstanceState.Success, TaskInstanceState.Failed), (states[0]["extract"], states[0]["load"]));
        Assert.Equal(DagRunState.Running, states[1].State);
        Assert.Null(states[1]["extract"]);
        Assert.Null(states[1]["load"]);
    }
}
