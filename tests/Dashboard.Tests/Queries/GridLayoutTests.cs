using Dashboard.Core.Domain;
using Dashboard.Core.Queries.Grid;

namespace Dashboard.Tests.Queries;

public sealed class GridLayoutTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 21, 12, 0, 0, TimeSpan.Zero);

    private static GridRun Run(int i) =>
        new(i, $"run_{i}", DagRunType.Scheduled, DagRunState.Success, Now.AddDays(i), Now.AddDays(i), null, null, null);

    /// <summary>A snapshot whose cells are given per task as one state per run (null: no status; "missing": no instance).</summary>
    private static GridSnapshot Snapshot(params (string TaskId, string? Group, object?[] States)[] tasks)
    {
        var runCount = tasks[0].States.Length;
        var cells = new GridCell[tasks.Length * runCount];
        for (var t = 0; t < tasks.Length; t++)
        {
            for (var r = 0; r < runCount; r++)
            {
                cells[t * runCount + r] = tasks[t].States[r] switch
                {
                    "missing" => GridCell.Missing,
                    TaskInstanceState state => GridCell.Of(state),
                    _ => GridCell.Of(null),
                };
            }
        }

        return new GridSnapshot("dag", Enumerable.Range(1, runCount).Select(Run).ToList(),
            tasks.Select(t => new GridTask(t.TaskId, t.Group)).ToList(), cells, false, Now);
    }

    private const TaskInstanceState S = TaskInstanceState.Success;
    private const TaskInstanceState F = TaskInstanceState.Failed;

    [Fact]
    public void Groups_nest_by_path_and_appear_where_their_first_task_does()
    {
        var snapshot = Snapshot(
            ("start", null, [S]),
            ("orders_extract", "extract.orders", [S]),
            ("customers_extract", "extract.customers", [S]),
            ("orders_done", "extract", [S]),
            ("publish", null, [S]));

        var rows = GridLayout.Build(snapshot, GridLayoutOptions.Default);

        Assert.Equal(
            ["start", "extract", "extract.orders", "orders_extract", "extract.customers", "customers_extract", "orders_done", "publish"],
            rows.Select(r => r.Id));
        Assert.Equal([0, 0, 1, 2, 1, 2, 1, 0], rows.Select(r => r.Depth));
        Assert.Equal(["extract", "orders", "customers"], rows.Where(r => r.IsGroup).Select(r => r.Label));
        Assert.Equal(3, rows.Single(r => r.Id == "extract").GroupTasks.Count);
    }

    [Fact]
    public void A_collapsed_group_is_one_row_with_the_most_urgent_state_of_its_tasks_per_run()
    {
        var snapshot = Snapshot(
            ("a", "g", [S, S, TaskInstanceState.Running]),
            ("b", "g", [F, TaskInstanceState.Skipped, "missing"]),
            ("c", "g", [TaskInstanceState.UpstreamFailed, null, TaskInstanceState.Queued]));

        var rows = GridLayout.Build(snapshot, new GridLayoutOptions(new HashSet<string> { "g" }));

        var group = Assert.Single(rows);
        Assert.False(group.Expanded);
        Assert.Equal([F, null, TaskInstanceState.Queued], GridLayout.Draw(snapshot, rows).Select(c => c.State));
        var first = GroupState.Of(group.GroupTasks.Select(task => snapshot.Cell(task, 0)));
        Assert.Equal([(F, 1), (TaskInstanceState.UpstreamFailed, 1), (S, 1)], first.Counts());
        Assert.Equal(2, GroupState.Of(group.GroupTasks.Select(task => snapshot.Cell(task, 2))).Total);
    }

    [Fact]
    public void Failed_only_keeps_rows_and_groups_with_a_failure_in_a_visible_run()
    {
        var snapshot = Snapshot(
            ("fine", "ok", [S, S]),
            ("broken", "bad", [S, F]),
            ("waits", null, [S, TaskInstanceState.UpForRetry]),
            ("after", null, [S, TaskInstanceState.UpstreamFailed]),
            ("other", null, [S, TaskInstanceState.Skipped]));

        var rows = GridLayout.Build(snapshot, new GridLayoutOptions(new HashSet<string>(), GridLayout.NeedsAttention));

        Assert.Equal(["bad", "broken", "waits", "after"], rows.Select(r => r.Id));
    }

    [Fact]
    public void The_drawing_is_rows_by_runs_with_a_group_following_its_tasks_and_a_note_kept_on_a_task_only()
    {
        var snapshot = Snapshot(("a", "g", [S, TaskInstanceState.Running]), ("b", null, ["missing", null]));
        var noted = new GridSnapshot("dag", snapshot.Runs, snapshot.Tasks,
            [GridCell.Of(S, hasNote: true), GridCell.Of(TaskInstanceState.Running), GridCell.Missing, GridCell.Of(null)], false, Now);
        var rows = GridLayout.Build(noted, GridLayoutOptions.Default);

        var drawn = GridLayout.Draw(noted, rows);

        Assert.Equal(["g", "a", "b"], rows.Select(r => r.Id));
        Assert.Equal([GridCell.Of(S), GridCell.Of(TaskInstanceState.Running), GridCell.Of(S, hasNote: true), GridCell.Of(TaskInstanceState.Running),
            GridCell.Missing, GridCell.Of(null)], drawn);
    }

    [Fact]
    public void A_cell_is_one_byte_and_every_state_fits_its_code()
    {
        Assert.Equal(1, System.Runtime.CompilerServices.Unsafe.SizeOf<GridCell>());
        foreach (var state in Enum.GetValues<TaskInstanceState>())
        {
            var cell = GridCell.Of(state, hasNote: true);
            Assert.Equal((state, true, true), (cell.State!.Value, cell.HasNote, cell.Exists));
            Assert.True(cell.Code <= GridCell.CodeMask);
        }

        Assert.Equal((false, null), (GridCell.Of(null).HasNote, GridCell.Of(null).State));
        Assert.True(GridCell.Of(null).Exists);
        Assert.False(GridCell.Missing.Exists);
    }

    [Fact]
    public void Group_priority_follows_airflow_and_ignores_tasks_without_an_instance()
    {
        Assert.Equal(F, GroupState.Of([GridCell.Of(S), GridCell.Of(F)]).State);
        Assert.Null(GroupState.Of([GridCell.Of(S), GridCell.Of(null)]).State);
        Assert.Equal(TaskInstanceState.Running, GroupState.Of([GridCell.Of(TaskInstanceState.Running), GridCell.Of(TaskInstanceState.Restarting)]).State);
        var nothing = GroupState.Of([GridCell.Missing, GridCell.Missing]);
        Assert.False(nothing.Exists);
        Assert.Equal(0, nothing.Total);
        Assert.Equal(Enum.GetValues<TaskInstanceState>().Length + 1, GroupState.Priority.Distinct().Count());
    }
}
