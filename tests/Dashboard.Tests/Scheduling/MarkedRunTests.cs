using Dashboard.Core.Domain;
using Dashboard.Core.Operations.Mark;
using Dashboard.Testing;
using Microsoft.Extensions.DependencyInjection;
using static Dashboard.Core.Persistence.DbCommands;

namespace Dashboard.Tests.Scheduling;

/// <summary>
/// Runs marked queued or running by hand, as the scheduler then takes them up: only the run's
/// state changed, so what had not finished runs and what had finished stays (Airflow's
/// <c>set_dag_run_state_to_queued</c>, and Airflow 2's <c>set_dag_run_state_to_running</c>).
/// </summary>
public sealed class MarkedRunTests
{
    private const string Dag = """
        dag_id: marked
        schedule: null
        max_active_runs: 1
        tasks:
          - {id: first, kind: empty}
          - {id: second, kind: empty, upstream: first}
        """;

    [Fact]
    public async Task A_failed_run_marked_queued_runs_what_it_had_not_finished_and_keeps_what_it_had()
    {
        await using var engine = await EngineHarness.CreateAsync();
        var dagId = await engine.AddDagAsync(Dag);
        var runId = await engine.TriggerAsync(dagId);
        await engine.RunUntilTaskStateAsync(dagId, runId, "first", TaskInstanceState.Success);
        await using (var db = engine.CreateContext())
        {
            // The run failed before its second task could start (its executor was lost, say).
            await db.ExecuteAsync("UPDATE dag_run SET state = 'failed', end_date = now()", CancellationToken.None);
            await db.ExecuteAsync("UPDATE task_instance SET state = NULL WHERE task_id = 'second'", CancellationToken.None);
        }

        var first = await engine.TaskInstanceAsync(dagId, runId, "first");

        var marks = engine.Services.GetRequiredService<MarkRunService>();
        await marks.ExecuteAsync(new MarkRunRequest(dagId, runId, DagRunState.Queued, Actors.Admin("alice")));
        await engine.RunUntilRunsFinishedAsync(dagId);

        var run = Assert.Single(await engine.RunsAsync(dagId));
        Assert.Equal((DagRunState.Success, 0), (run.State, run.ClearNumber));
        Assert.Equal(TaskInstanceState.Success, (await engine.TaskInstanceAsync(dagId, runId, "second")).State);
        var firstAfter = await engine.TaskInstanceAsync(dagId, runId, "first");
        Assert.Equal((first.State, first.EndDate, first.TryNumber), (firstAfter.State, firstAfter.EndDate, firstAfter.TryNumber));
    }

    [Fact]
    public async Task A_queued_run_marked_running_goes_on_without_waiting_for_room_under_max_active_runs()
    {
        await using var engine = await EngineHarness.CreateAsync();
        var dagId = await engine.AddDagAsync(Dag.Replace("kind: empty", "command: exit 0", StringComparison.Ordinal));
        var older = await engine.TriggerAsync(dagId);
        var newer = await engine.TriggerAsync(dagId);

        // No executor: the older run keeps running, so max_active_runs 1 holds the newer one in the queue.
        await engine.Scheduler.RunOnceAsync(CancellationToken.None);
        await engine.Scheduler.RunOnceAsync(CancellationToken.None);
        Assert.Equal([DagRunState.Running, DagRunState.Queued], (await engine.RunsAsync(dagId)).Select(r => r.State));

        var marks = engine.Services.GetRequiredService<MarkRunService>();
        await marks.ExecuteAsync(new MarkRunRequest(dagId, newer, DagRunState.Running, Actors.Admin("alice")));
        await engine.Scheduler.RunOnceAsync(CancellationToken.None);

        Assert.Equal([DagRunState.Running, DagRunState.Running], (await engine.RunsAsync(dagId)).Select(r => r.State));
        Assert.Equal(TaskInstanceState.Scheduled, (await engine.TaskInstanceAsync(dagId, newer, "first")).State);
        Assert.Equal(TaskInstanceState.Scheduled, (await engine.TaskInstanceAsync(dagId, older, "first")).State);
    }
}
