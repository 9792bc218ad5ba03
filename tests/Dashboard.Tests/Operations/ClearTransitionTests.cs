using Dashboard.Core.Domain;
using Dashboard.Core.Domain.Timetables;
using Dashboard.Core.Persistence;
using Dashboard.Core.Transitions;
using Dashboard.Testing;
using Microsoft.EntityFrameworkCore;

namespace Dashboard.Tests.Operations;

/// <summary>The set-based clear statement behind Clear and Mark, called directly on instances in known states.</summary>
public sealed class ClearTransitionTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Finished_instances_are_archived_reset_with_a_fresh_budget_and_their_run_requeued()
    {
        await using var engine = await EngineHarness.CreateAsync();
        await AddRunAsync(engine);
        await SetAsync(engine, "a", "failed", tryNumber: 2);
        await SetAsync(engine, "b", "upstream_failed", tryNumber: 0);

        var counts = await ClearAsync(engine, await ExpectedAsync(engine, "a", "b"));

        Assert.Equal(new ClearCounts(2, 0, 1), counts);
        await using var db = engine.CreateContext();
        var a = await db.TaskInstances.SingleAsync(t => t.TaskId == "a");
        Assert.Equal((null, 2, 4, null, null), (a.State, a.TryNumber, a.MaxTries, a.StartDate, a.Hostname));
        var history = await db.Set<TaskInstanceHistory>().Select(h => new { h.TaskId, h.TryNumber, h.State, h.Hostname }).ToListAsync();
        Assert.Equal([new { TaskId = "a", TryNumber = 2, State = (TaskInstanceState?)TaskInstanceState.Failed, Hostname = (string?)"worker" }], history);
        var run = await db.DagRuns.SingleAsync();
        Assert.Equal((DagRunState.Queued, 1), (run.State, run.ClearNumber));
    }

    [Fact]
    public async Task An_instance_that_moved_since_it_was_selected_is_neither_cleared_nor_archived()
    {
        await using var engine = await EngineHarness.CreateAsync();
        await AddRunAsync(engine);
        await SetAsync(engine, "a", "failed", tryNumber: 1);
        var expected = await ExpectedAsync(engine, "a");
        await SetAsync(engine, "a", "success", tryNumber: 1);

        var counts = await ClearAsync(engine, expected);

        Assert.Equal(new ClearCounts(0, 0, 0), counts);
        await using var db = engine.CreateContext();
        Assert.Equal(TaskInstanceState.Success, (await db.TaskInstances.SingleAsync(t => t.TaskId == "a")).State);
        Assert.False(await db.Set<TaskInstanceHistory>().AnyAsync());
        Assert.Equal(DagRunState.Failed, (await db.DagRuns.SingleAsync()).State);
    }

    [Fact]
    public async Task A_running_instance_is_restarted_and_its_try_not_archived()
    {
        await using var engine = await EngineHarness.CreateAsync();
        await AddRunAsync(engine, runState: "running");
        await SetAsync(engine, "a", "running", tryNumber: 1);

        var counts = await ClearAsync(engine, await ExpectedAsync(engine, "a"));

        Assert.Equal(new ClearCounts(0, 1, 0), counts);
        await using var db = engine.CreateContext();
        var a = await db.TaskInstances.SingleAsync(t => t.TaskId == "a");
        Assert.Equal((TaskInstanceState.Restarting, 1, "worker"), (a.State, a.TryNumber, a.Hostname));
        Assert.False(await db.Set<TaskInstanceHistory>().AnyAsync());
    }

    /// <summary>
    /// Airflow's <c>clear_task_instances</c> re-queues only finished runs: re-queuing a live run is
    /// redundant, and resetting its start would corrupt its duration. So a clear inside a queued or
    /// running run neither counts as one nor stamps queued_at; the run simply carries on.
    /// </summary>
    [Theory]
    [InlineData("running")]
    [InlineData("queued")]
    public async Task A_clear_in_a_run_that_is_still_going_leaves_the_run_as_it_was_uncounted(string runState)
    {
        await using var engine = await EngineHarness.CreateAsync();
        await AddRunAsync(engine, runState);
        await SetAsync(engine, "a", "running", tryNumber: 1);
        await SetAsync(engine, "b", "failed", tryNumber: 1);
        await using (var setup = engine.CreateContext())
        {
            await setup.ExecuteAsync("UPDATE dag_run SET queued_at = @queued, start_date = @started", CancellationToken.None,
                DbCommands.P("queued", Now.AddHours(-2)), DbCommands.P("started", Now.AddHours(-1)));
        }

        var counts = await ClearAsync(engine, await ExpectedAsync(engine, "a", "b"));

        Assert.Equal(new ClearCounts(1, 1, 0), counts);
        await using var db = engine.CreateContext();
        var run = await db.DagRuns.AsNoTracking().SingleAsync();
        Assert.Equal((runState, 0, Now.AddHours(-2), Now.AddHours(-1)),
            (SnakeCase.ToSnakeCase(run.State), run.ClearNumber, run.QueuedAt!.Value, run.StartDate!.Value));
    }

    [Fact]
    public async Task Clearing_the_same_try_twice_keeps_its_first_history_row()
    {
        await using var engine = await EngineHarness.CreateAsync();
        await AddRunAsync(engine);
        await SetAsync(engine, "a", "failed", tryNumber: 1);
        await ClearAsync(engine, await ExpectedAsync(engine, "a"));
        await SetAsync(engine, "a", "upstream_failed", tryNumber: 1); // decided again without a new try

        var counts = await ClearAsync(engine, await ExpectedAsync(engine, "a"));

        Assert.Equal(1, counts.Cleared);
        await using var db = engine.CreateContext();
        var history = await db.Set<TaskInstanceHistory>().SingleAsync();
        Assert.Equal((1, TaskInstanceState.Failed), (history.TryNumber, history.State));
    }

    [Fact]
    public async Task A_task_gone_from_the_runs_version_keeps_the_budget_it_had()
    {
        await using var engine = await EngineHarness.CreateAsync();
        await AddRunAsync(engine);
        await using (var db = engine.CreateContext())
        {
            await db.ExecuteAsync("""
                INSERT INTO task_instance (dag_run_id, dag_id, task_id, state, try_number, max_tries, updated_at)
                SELECT id, dag_id, 'gone', 'failed', 2, 3, now() FROM dag_run
                """, CancellationToken.None);
        }

        var counts = await ClearAsync(engine, await ExpectedAsync(engine, "gone"));

        Assert.Equal(1, counts.Cleared);
        await using var check = engine.CreateContext();
        var gone = await check.TaskInstances.SingleAsync(t => t.TaskId == "gone");
        Assert.Equal((null, 2, 3), (gone.State, gone.TryNumber, gone.MaxTries));
    }

    /// <summary>One run of a → b (a with two retries), in <paramref name="runState"/>.</summary>
    private static async Task AddRunAsync(EngineHarness engine, string runState = "failed")
    {
        await engine.AddDagAsync("""
            dag_id: clearing
            schedule: null
            tasks:
              - {id: a, kind: empty, retries: 2}
              - {id: b, kind: empty, upstream: a}
            """, unpause: false);
        var day = new DateTimeOffset(2026, 10, 1, 0, 0, 0, TimeSpan.Zero);
        await engine.CreateRunsAsync("clearing", EngineHarness.RunFor(DagRunType.Scheduled, new DataInterval(day, day.AddDays(1))));
        await using var db = engine.CreateContext();
        await db.ExecuteAsync("UPDATE dag_run SET state = @state", CancellationToken.None, DbCommands.P("state", runState));
    }

    /// <summary>The instance as a finished (or running) try leaves it: dates, host and process.</summary>
    private static async Task SetAsync(EngineHarness engine, string taskId, string state, int tryNumber)
    {
        await using var db = engine.CreateContext();
        await db.ExecuteAsync("""
            UPDATE task_instance
            SET state = @state, try_number = @try, start_date = @started, end_date = CASE WHEN @state = 'running' THEN NULL ELSE @started + interval '1 minute' END,
                hostname = CASE WHEN @try > 0 THEN 'worker' END, pid = CASE WHEN @try > 0 THEN 4242 END
            WHERE task_id = @task
            """, CancellationToken.None,
            DbCommands.P("state", state), DbCommands.P("try", tryNumber), DbCommands.P("task", taskId), DbCommands.P("started", Now.AddHours(-1)));
    }

    /// <summary>The instances as a selection would have read them now.</summary>
    private static async Task<List<(long Id, TaskInstanceState? State, int TryNumber)>> ExpectedAsync(EngineHarness engine, params string[] taskIds)
    {
        await using var db = engine.CreateContext();
        var rows = await db.TaskInstances.Where(t => taskIds.Contains(t.TaskId)).Select(t => new { t.Id, t.State, t.TryNumber }).ToListAsync();
        return [.. rows.Select(r => (r.Id, r.State, r.TryNumber))];
    }

    private static async Task<ClearCounts> ClearAsync(EngineHarness engine, List<(long Id, TaskInstanceState? State, int TryNumber)> expected)
    {
        await using var db = engine.CreateContext();
        return await TaskInstanceTransitions.ClearAsync(db, expected, Now, CancellationToken.None);
    }
}
