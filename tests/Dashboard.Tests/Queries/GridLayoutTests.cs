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
                    TaskInstanceState state => new GridCell(GridCell.CodeOf(state), 1, 0, 0),
                    _ => new GridCell(GridCell.NoStatusCode, 0, 0, 0),
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
        Assert.Equal([F, null, TaskInstanceState.Queued], group.GroupStates.Select(s => s.State));
        Assert.Equal([(F, 1), (TaskInstanceState.UpstreamFailed, 1), (S, 1)], group.GroupStates[0].Counts());
        Assert.Equal(2, group.GroupStates[2].Total);
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
    public void Only_the_rows_whose_cells_changed_draw_again_and_a_group_follows_its_tasks()
    {
        var shown = Snapshot(("a", "g", [S, null]), ("b", null, [S, null]), ("c", null, [S, S]));
        var next = Snapshot(("a", "g", [S, TaskInstanceState.Running]), ("b", null, [S, TaskInstanceState.Running]), ("c", null, [S, S]));
        var before = GridLayout.Build(shown, GridLayoutOptions.Default);
        var after = GridLayout.Build(next, GridLayoutOptions.Default);

        var changed = before.Zip(after).Where(p => !GridLayout.DrawsSame(shown, p.First, next, p.Second)).Select(p => p.First.Id);
        Assert.Equal(["g", "a", "b"], changed);
    }

    [Fact]
    public void Group_priority_follows_airflow_and_ignores_tasks_without_an_instance()
    {
        Assert.Equal(F, GroupState.Of([new GridCell(GridCell.CodeOf(S), 1, 0, 0), new GridCell(GridCell.CodeOf(F), 1, 0, 0)]).State);
        Assert.Null(GroupState.Of([new GridCell(GridCell.CodeOf(S), 1, 0, 0), new GridCell(GridCell.NoStatusCode, 0, 0, 0)]).State);
        Assert.Equal(TaskInstanceState.Running,
            GroupState.Of([new GridCell(GridCell.CodeOf(TaskInstanceState.Running), 1, 0, 0), new GridCell(GridCell.CodeOf(TaskInstanceState.Restarting), 1, 0, 0)]).State);
        var nothing = GroupState.Of([GridCell.Missing, GridCell.Missing]);
        Assert.False(nothing.Exists);
        Assert.Equal(0, nothing.Total);
        Assert.Equal(Enum.GetValues<TaskInstanceState>().Length + 1, GroupState.Priority.Distinct().Count());
    }
}
