using Dashboard.Core.Domain;
using Dashboard.Core.Domain.Timetables;
using Dashboard.Core.Persistence;
using Dashboard.Core.Queries.Grid;
using Dashboard.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Dashboard.Tests.Queries;

public sealed class GridQueryTests
{
    private static string Dag(params string[] tasks) => $"""
        dag_id: grid
        schedule: null
        tasks:
        {string.Join("\n", tasks.Select(t => $"  - {t}"))}
        """;

    private static DataInterval Day(int day) =>
        new(new DateTimeOffset(2026, 10, 1, 0, 0, 0, TimeSpan.Zero).AddDays(day), new DateTimeOffset(2026, 10, 1, 0, 0, 0, TimeSpan.Zero).AddDays(day + 1));

    private static GridQuery Query(EngineHarness engine) => engine.Services.GetRequiredService<GridQuery>();

    [Fact]
    public async Task The_window_is_the_newest_runs_drawn_oldest_first_with_older_ones_a_page_away()
    {
        await using var engine = await EngineHarness.CreateAsync();
        await engine.AddDagAsync(Dag("{id: only, kind: empty}"), unpause: false);
        await engine.CreateRunsAsync("grid", Enumerable.Range(0, 30).Select(d => EngineHarness.RunFor(DagRunType.Scheduled, Day(d))).ToArray());

        var latest = (await Query(engine).LoadAsync(new GridRequest("grid", Limit: 25)))!;
        var older = (await Query(engine).LoadAsync(new GridRequest("grid", Limit: 25, Offset: 25)))!;

        Assert.Equal(Enumerable.Range(5, 25).Select(d => Day(d).Start), latest.Runs.Select(r => r.LogicalDate!.Value));
        Assert.True(latest.HasOlder);
        Assert.Equal(Enumerable.Range(0, 5).Select(d => Day(d).Start), older.Runs.Select(r => r.LogicalDate!.Value));
        Assert.False(older.HasOlder);
        Assert.Null(await Query(engine).LoadAsync(new GridRequest("no_such_dag")));
    }

    [Fact]
    public async Task Filters_pick_runs_by_type_and_state()
    {
        await using var engine = await EngineHarness.CreateAsync();
        await engine.AddDagAsync(Dag("{id: only, kind: empty}"), unpause: false);
        var ids = await engine.CreateRunsAsync("grid",
            EngineHarness.RunFor(DagRunType.Scheduled, Day(1)), EngineHarness.RunFor(DagRunType.Backfill, Day(2)), EngineHarness.RunFor(DagRunType.Scheduled, Day(3)));
        await using (var db = engine.CreateContext())
        {
            await db.ExecuteAsync("UPDATE dag_run SET state = 'failed' WHERE id = @id", CancellationToken.None, DbCommands.P("id", ids.Values.Last()));
        }

        var backfills = (await Query(engine).LoadAsync(new GridRequest("grid", RunType: DagRunType.Backfill)))!;
        var failed = (await Query(engine).LoadAsync(new GridRequest("grid", RunState: DagRunState.Failed)))!;

        Assert.Equal([DagRunType.Backfill], backfills.Runs.Select(r => r.RunType));
        Assert.Equal([ids.Keys.Last()], failed.Runs.Select(r => r.RunId));
    }

    [Fact]
    public async Task Rows_merge_the_versions_in_view_so_added_and_removed_tasks_both_show()
    {
        await using var engine = await EngineHarness.CreateAsync();
        await engine.AddDagAsync(Dag("{id: extract, kind: empty}", "{id: old_check, kind: empty, upstream: extract}"), unpause: false);
        var first = (await engine.CreateRunsAsync("grid", EngineHarness.RunFor(DagRunType.Scheduled, Day(1)))).Keys.Single();
        await using (var db = engine.CreateContext())
        {
            // Finished before the file changed, so it stays on its version (an unfinished run follows the file).
            await db.ExecuteAsync("UPDATE dag_run SET state = 'success'", CancellationToken.None);
        }

        await engine.AddDagAsync(Dag("{id: extract, kind: empty}", "{id: publish, kind: empty, upstream: extract, group: out}"), unpause: false);
        var second = (await engine.CreateRunsAsync("grid", EngineHarness.RunFor(DagRunType.Scheduled, Day(2)))).Keys.Single();

        var grid = (await Query(engine).LoadAsync(new GridRequest("grid")))!;

        // The current version's tasks in its order, then the task only the older run's version had.
        Assert.Equal([("extract", null), ("publish", "out"), ("old_check", null)], grid.Tasks.Select(t => (t.TaskId, t.GroupId)));
        var (firstRun, secondRun) = (grid.RunIndex(first), grid.RunIndex(second));
        Assert.False(grid.Cell(1, firstRun).Exists); // publish did not exist when the first run was created
        Assert.True(grid.Cell(1, secondRun).Exists);
        Assert.Null(grid.Cell(1, secondRun).State);
        Assert.True(grid.Cell(2, firstRun).Exists);
        Assert.False(grid.Cell(2, secondRun).Exists);
        Assert.Equal((1, 2), (grid.Runs[firstRun].VersionNumber, grid.Runs[secondRun].VersionNumber));
    }

    [Fact]
    public async Task Rows_follow_a_version_added_after_the_grid_was_loaded()
    {
        await using var engine = await EngineHarness.CreateAsync();
        await engine.AddDagAsync(Dag("{id: extract, kind: empty}", "{id: old_check, kind: empty, upstream: extract}"), unpause: false);
        await engine.CreateRunsAsync("grid", EngineHarness.RunFor(DagRunType.Scheduled, Day(1)));
        var before = (await Query(engine).LoadAsync(new GridRequest("grid")))!;

        await engine.AddDagAsync(Dag("{id: extract, kind: empty}", "{id: publish, kind: empty, upstream: extract, group: out}"), unpause: false);
        var after = (await Query(engine).LoadAsync(new GridRequest("grid")))!;
        await engine.CreateRunsAsync("grid", EngineHarness.RunFor(DagRunType.Scheduled, Day(2)));
        var withNewRun = (await Query(engine).LoadAsync(new GridRequest("grid")))!;
        var olderOnly = (await Query(engine).LoadAsync(new GridRequest("grid", Limit: 10, Offset: 1)))!;

        Assert.Equal(["extract", "old_check"], before.Tasks.Select(t => t.TaskId));
        // The current version leads as soon as it exists; the old run keeps its removed task on screen.
        Assert.Equal(["extract", "publish", "old_check"], after.Tasks.Select(t => t.TaskId));
        Assert.Equal(["extract", "publish", "old_check"], withNewRun.Tasks.Select(t => t.TaskId));
        Assert.Equal(["extract", "publish", "old_check"], olderOnly.Tasks.Select(t => t.TaskId));
        Assert.Equal(2, withNewRun.Runs.Count);
    }

    [Fact]
    public async Task A_dag_without_runs_shows_its_tasks_and_no_columns()
    {
        await using var engine = await EngineHarness.CreateAsync();
        await engine.AddDagAsync(Dag("{id: extract, kind: empty}", "{id: load, kind: empty, upstream: extract, group: out}"), unpause: false);

        var grid = (await Query(engine).LoadAsync(new GridRequest("grid")))!;
        var filteredAway = (await Query(engine).LoadAsync(new GridRequest("grid", RunState: DagRunState.Failed)))!;

        Assert.Empty(grid.Runs);
        Assert.False(grid.HasOlder);
        Assert.Equal([("extract", null), ("load", "out")], grid.Tasks.Select(t => (t.TaskId, t.GroupId)));
        Assert.Empty(filteredAway.Runs);
        Assert.Equal(2, filteredAway.Tasks.Count);
    }

    [Fact]
    public async Task Cells_carry_the_state_and_a_hovered_cell_its_try_and_times_as_stored()
    {
        await using var engine = await EngineHarness.CreateAsync();
        await engine.AddDagAsync(Dag("{id: works, command: 'exit 0'}", "{id: breaks, command: 'exit 3'}"));
        var runId = (await engine.CreateRunsAsync("grid", EngineHarness.RunFor(DagRunType.Scheduled, Day(1)))).Keys.Single();
        await engine.RunUntilRunsFinishedAsync("grid");

        var grid = (await Query(engine).LoadAsync(new GridRequest("grid")))!;

        var works = await engine.TaskInstanceAsync("grid", runId, "works");
        Assert.Equal(TaskInstanceState.Success, grid.Cell(grid.TaskIndex("works"), 0).State);
        Assert.Equal(TaskInstanceState.Failed, grid.Cell(grid.TaskIndex("breaks"), 0).State);
        Assert.Equal(DagRunState.Failed, grid.Runs.Single().State);
        var detail = (await Query(engine).CellAsync(grid.Runs[0].Id, "works"))!;
        Assert.Equal((TaskInstanceState.Success, 1, false), (detail.State, detail.TryNumber, detail.HasNote));
        Assert.Equal(works.StartDate!.Value.UtcTicks, detail.StartDate!.Value.UtcTicks);
        Assert.Equal(works.EndDate!.Value.UtcTicks, detail.EndDate!.Value.UtcTicks);
        Assert.Null(await Query(engine).CellAsync(grid.Runs[0].Id, "no_such_task"));
    }

    [Fact]
    public async Task Open_grids_share_one_read_and_a_change_re_reads_only_the_changed_runs_cells()
    {
        await using var engine = await EngineHarness.CreateAsync();
        await engine.AddDagAsync(Dag("{id: a, kind: empty}", "{id: b, kind: empty, upstream: a}"), unpause: false);
        var runs = await engine.CreateRunsAsync("grid", EngineHarness.RunFor(DagRunType.Scheduled, Day(1)), EngineHarness.RunFor(DagRunType.Scheduled, Day(2)));
        var (first, second) = (runs.Values.First(), runs.Values.Last());
        var request = new GridRequest("grid");

        // Two grids asking at once get one snapshot, read once.
        var together = await Task.WhenAll(Query(engine).LoadSharedAsync(request), Query(engine).LoadSharedAsync(request));
        Assert.Same(together[0], together[1]);
        Assert.Same(together[0], await Query(engine).LoadSharedAsync(request));

        // Both runs change in the database, but only the second one's change is announced: only its cells are read again.
        await using (var db = engine.CreateContext())
        {
            await db.ExecuteAsync("UPDATE task_instance SET state = 'failed' WHERE task_id = 'a'", CancellationToken.None);
        }

        engine.Notifier.Publish("grid", second);
        var after = (await Query(engine).LoadSharedAsync(request))!;

        Assert.NotSame(together[0], after);
        Assert.Null(after.Cell(after.TaskIndex("a"), after.Runs.ToList().FindIndex(r => r.Id == first)).State);
        Assert.Equal(TaskInstanceState.Failed, after.Cell(after.TaskIndex("a"), after.Runs.ToList().FindIndex(r => r.Id == second)).State);

        // A person's own change is read at once, before its notification; losing notifications forgets everything.
        Query(engine).Forget("grid");
        var forgotten = (await Query(engine).LoadSharedAsync(request))!;
        Assert.Equal(TaskInstanceState.Failed, forgotten.Cell(forgotten.TaskIndex("a"), forgotten.Runs.ToList().FindIndex(r => r.Id == first)).State);
        engine.Notifier.PublishResync();
        Assert.NotSame(forgotten, await Query(engine).LoadSharedAsync(request));
    }

    [Fact]
    public async Task A_new_run_on_a_new_version_shows_in_the_shared_view_with_its_tasks()
    {
        await using var engine = await EngineHarness.CreateAsync();
        await engine.AddDagAsync(Dag("{id: a, kind: empty}"), unpause: false);
        var first = (await engine.CreateRunsAsync("grid", EngineHarness.RunFor(DagRunType.Scheduled, Day(1)))).Values.Single();
        var request = new GridRequest("grid");
        Assert.Single((await Query(engine).LoadSharedAsync(request))!.Runs);

        await engine.AddDagAsync(Dag("{id: a, kind: empty}", "{id: added, kind: empty, upstream: a}"), unpause: false);
        var second = (await engine.CreateRunsAsync("grid", EngineHarness.RunFor(DagRunType.Scheduled, Day(2)))).Values.Single();
        engine.Notifier.Publish("grid", second);

        var grid = (await Query(engine).LoadSharedAsync(request))!;
        Assert.Equal([first, second], grid.Runs.Select(r => r.Id));
        Assert.Equal(["a", "added"], grid.Tasks.Select(t => t.TaskId));
        Assert.True(grid.Cell(grid.TaskIndex("added"), 1).Exists);
    }
}
