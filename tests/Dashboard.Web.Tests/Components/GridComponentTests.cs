using Dashboard.Core.Domain;
using Dashboard.Core.Queries.Grid;
using Dashboard.Web.Components.Grid;
using Dashboard.Web.Components.Shared;

namespace Dashboard.Web.Tests.Components;

/// <summary>The grid's pieces: what travels to the browser, the tooltips it asks for, and a run header as it renders.</summary>
public sealed class GridComponentTests : ComponentTest
{
    private static readonly DateTimeOffset Start = new(2026, 11, 20, 1, 0, 0, TimeSpan.Zero);

    private static GridRun Run(string runId) =>
        new(1, runId, DagRunType.Scheduled, DagRunState.Failed, Start, Start, Start, Start.AddMinutes(3), null);

    private static GridSnapshot Snapshot(params GridCell[] cellsOfRun) =>
        new("dag", [Run("run_1")], [new GridTask("extract", "load"), new GridTask("transform", "load"), new GridTask("added_later", null)],
            cellsOfRun, false, Start.AddHours(1));

    [Fact]
    public void A_task_cells_tooltip_says_try_start_end_and_duration_and_one_without_an_instance_says_why()
    {
        var failed = new GridCellDetail(TaskInstanceState.Failed, 2, Start.AddSeconds(5), Start.AddSeconds(75), HasNote: true);

        Assert.Equal(
            "extract\nState: failed\nTry: 2\nStarted: 2026-11-20 01:00:05\nEnded: 2026-11-20 01:01:15\nDuration: 1 min 10 s\nHas a note",
            GridTooltips.Task("extract", failed, TimeDisplay.Utc, null, Start.AddHours(1)));
        Assert.Equal("transform\nState: no status", GridTooltips.Task("transform", new GridCellDetail(null, 0, null, null, false), TimeDisplay.Utc, null, Start));
        Assert.Contains("did not exist when this run was created", GridTooltips.Task("added_later", null, TimeDisplay.Utc, null, Start));
    }

    [Fact]
    public void A_collapsed_groups_tooltip_counts_its_task_instances_by_state()
    {
        var snapshot = Snapshot(GridCell.Of(TaskInstanceState.Failed), GridCell.Of(TaskInstanceState.Success), GridCell.Missing);
        var group = GridLayout.Build(snapshot, new GridLayoutOptions(new HashSet<string> { "load" })).Single(r => r.IsGroup);

        Assert.Equal("load (2 task instances)\nfailed: 1\nsuccess: 1",
            GridTooltips.Group("load", GroupState.Of(group.GroupTasks.Select(task => snapshot.Cell(task, 0)))));
        Assert.Equal("load\nNo task instances in this run", GridTooltips.Group("load", GroupState.Of([GridCell.Missing])));
    }

    [Fact]
    public void The_model_is_the_run_and_row_tables_once_and_a_letter_per_cell()
    {
        var snapshot = Snapshot(GridCell.Of(TaskInstanceState.Failed, hasNote: true), GridCell.Of(null), GridCell.Missing);
        var rows = GridLayout.Build(snapshot, GridLayoutOptions.Default);

        var model = GridWire.Encode(snapshot, rows, GridLayout.Draw(snapshot, rows));

        Assert.Equal(["run_1"], model.Runs);
        // Each id shares its start with the one before: "transform" none of "extract", "added_later" none either.
        Assert.Equal([[0, "load", 0, 2, 1], [0, "extract", 1], [0, "transform", 1], [0, "added_later", 0]], model.Rows);
        Assert.Equal(["load", "extract", "transform", "added_later"], GridWire.RowIds(model));
        var codes = GridWire.Codes(model).ToList();
        Assert.Equal(["failed", "failed", "none", "missing"], codes.Select(c => model.States[c & GridCell.CodeMask]));
        Assert.True((codes[1] & GridCell.NoteFlag) != 0);
        Assert.Equal(GridWire.Hash(snapshot, rows, GridLayout.Draw(snapshot, rows)), model.Id);
        var json = GridWire.EmbeddedJsonOf(model);
        Assert.DoesNotContain("<", json);
        Assert.Contains($"\"cells\":\"{model.Cells}\"", json);
    }

    [Fact]
    public void A_run_of_equal_cells_is_sent_as_one_letter_and_its_count()
    {
        var tasks = Enumerable.Range(1, 14).Select(i => new GridTask($"task_{i:00}", null)).ToList();
        var success = GridCell.Of(TaskInstanceState.Success);
        var failed = GridCell.Of(TaskInstanceState.Failed);
        GridCell[] cells = [.. Enumerable.Repeat(success, 12), failed, GridCell.Of(null)];
        var snapshot = new GridSnapshot("dag", [Run("run_1")], tasks, cells, false, Start);
        var rows = GridLayout.Build(snapshot, GridLayoutOptions.Default);

        var model = GridWire.Encode(snapshot, rows, GridLayout.Draw(snapshot, rows));

        string Letter(GridCell cell) => GridWire.Alphabet[cell.Value].ToString();
        Assert.Equal($"{Letter(success)}12{Letter(failed)}{Letter(GridCell.Of(null))}", model.Cells);
        Assert.Equal(cells.Select(c => (int)c.Value), GridWire.Codes(model));
    }

    [Fact]
    public void A_row_id_is_sent_as_what_it_shares_with_the_one_before_and_the_rest()
    {
        var snapshot = new GridSnapshot("dag", [Run("run_1")],
            [new GridTask("stage_01_task_001", "stage_01"), new GridTask("stage_01_task_002", "stage_01"), new GridTask("stage_01_task_010", "stage_01")],
            [GridCell.Of(null), GridCell.Of(null), GridCell.Of(null)], false, Start);
        var rows = GridLayout.Build(snapshot, GridLayoutOptions.Default);

        var model = GridWire.Encode(snapshot, rows, GridLayout.Draw(snapshot, rows));

        Assert.Equal([[0, "stage_01", 0, 3, 1], [8, "_task_001", 1], [16, "2", 1], [15, "10", 1]], model.Rows);
        Assert.Equal(rows.Select(r => r.Id), GridWire.RowIds(model));
    }

    [Fact]
    public void A_patch_names_only_the_changed_cells_down_each_column_and_a_model_id_follows_every_change()
    {
        GridCell S = GridCell.Of(TaskInstanceState.Success), F = GridCell.Of(TaskInstanceState.Failed), R = GridCell.Of(TaskInstanceState.Running);
        // 6 rows × 2 runs, row by row.
        GridCell[] before = [S, S, S, S, S, S, S, S, S, S, S, S];
        GridCell[] after = [S, F, S, S, S, R, S, S, S, S, F, S];

        Assert.Null(GridWire.Patch(before, [.. before], 2));
        // Column 1: rows 0 and 2 are two rows apart, so they share a segment (row 1 unchanged rides along); column 0: row 5.
        Assert.Equal($"0,5,{GridWire.Alphabet[F.Value]};1,0,{GridWire.Alphabet[F.Value]}{GridWire.Alphabet[S.Value]}{GridWire.Alphabet[R.Value]}",
            GridWire.Patch(before, after, 2));

        var snapshot = Snapshot(S, S, S);
        var rows = GridLayout.Build(snapshot, GridLayoutOptions.Default);
        var changed = Snapshot(S, F, S);
        Assert.NotEqual(GridWire.Hash(snapshot, rows, GridLayout.Draw(snapshot, rows)), GridWire.Hash(changed, rows, GridLayout.Draw(changed, rows)));
    }

    [Fact]
    public void A_run_header_has_a_duration_bar_coloured_by_state_a_badge_for_manual_runs_and_its_date()
    {
        var page = RenderPage<GridRunHeader>(p => p
            .Add(h => h.RunId, "manual__2026-11-20")
            .Add(h => h.State, "failed")
            .Add(h => h.RunType, "manual")
            .Add(h => h.DateLabel, "2026-11-20 01:00")
            .Add(h => h.BarHeight, GridRunHeader.BarHeightFor(30, 60))
            .Add(h => h.Selected, true));

        var header = page.QuerySelector("[data-run-header]")!;
        Assert.Equal(("manual__2026-11-20", "failed", "manual"),
            (header.GetAttribute("data-run-id"), header.GetAttribute("data-state"), header.GetAttribute("data-run-type")));
        Assert.Equal("columnheader", header.GetAttribute("role"));
        Assert.Contains("selected", header.ClassList);
        var bar = header.QuerySelector(".run-bar")!;
        Assert.Contains("state-failed", bar.ClassList);
        Assert.Equal($"height:{GridRunHeader.MaxBarHeight / 2}px", bar.GetAttribute("style"));
        Assert.NotNull(header.QuerySelector(".run-badge-manual"));
        Assert.Null(header.GetAttribute("title")); // asked for when hovered
        Assert.Null(header.QuerySelector("svg"));
        Assert.Equal("2026-11-20 01:00", header.QuerySelector(".run-date")!.TextContent);
    }

    [Fact]
    public void A_run_that_missed_its_deadline_has_a_labelled_alarm_on_its_header_and_one_that_did_not_has_none()
    {
        RenderHeader(deadlineMissed: null, out var onTime);
        Assert.Null(onTime.GetAttribute("data-deadline-missed"));
        Assert.Null(onTime.QuerySelector("[data-testid='deadline-missed']"));

        RenderHeader("Deadline missed at 2026-11-20 03:00", out var late);
        Assert.Equal("true", late.GetAttribute("data-deadline-missed"));
        var marker = late.QuerySelector("[data-testid='deadline-missed']")!;
        Assert.Equal(("img", "Deadline missed at 2026-11-20 03:00"), (marker.GetAttribute("role"), marker.GetAttribute("aria-label")));
        Assert.EndsWith(", Deadline missed at 2026-11-20 03:00", late.GetAttribute("aria-label"), StringComparison.Ordinal);
    }

    private void RenderHeader(string? deadlineMissed, out AngleSharp.Dom.IElement header)
    {
        var page = RenderPage<GridRunHeader>(p => p
            .Add(h => h.RunId, "scheduled__2026-11-20")
            .Add(h => h.State, "success")
            .Add(h => h.RunType, "scheduled")
            .Add(h => h.DateLabel, "2026-11-20")
            .Add(h => h.DeadlineMissed, deadlineMissed));
        header = page.QuerySelector("[data-run-header]")!;
    }

    [Fact]
    public void Bars_scale_with_duration_among_visible_runs_and_never_vanish()
    {
        Assert.Equal(GridRunHeader.MaxBarHeight, GridRunHeader.BarHeightFor(120, 120));
        Assert.Equal(4, GridRunHeader.BarHeightFor(0.1, 120));
        Assert.Equal(3, GridRunHeader.BarHeightFor(null, 120));
        Assert.Equal(3, GridRunHeader.BarHeightFor(5, 0));
    }
}
