using Dashboard.Core.Domain;
using Dashboard.Core.Queries.Grid;
using Dashboard.Web.Components.Grid;

namespace Dashboard.Web.Tests.Components;

/// <summary>The grid's pieces as they render: a row's cells, a run header and a group's aggregated cell.</summary>
public sealed class GridComponentTests : ComponentTest
{
    private static readonly DateTimeOffset Start = new(2026, 11, 20, 1, 0, 0, TimeSpan.Zero);

    private static GridRun Run(string runId) =>
        new(1, runId, DagRunType.Scheduled, DagRunState.Failed, Start, Start, Start, Start.AddMinutes(3), null);

    private static GridSnapshot Snapshot(params GridCell[] cellsOfRun) =>
        new("dag", [Run("run_1")], [new GridTask("extract", "load"), new GridTask("transform", "load"), new GridTask("added_later", null)],
            cellsOfRun, false, Start.AddHours(1));

    private AngleSharp.Dom.IDocument RenderRow(GridSnapshot snapshot, GridRow row, int selectedColumn = -1) =>
        RenderPage<GridRowView>(p => p.Add(r => r.Snapshot, snapshot).Add(r => r.Row, row).Add(r => r.SelectedColumn, selectedColumn));

    private static readonly GridCell Failed =
        new(GridCell.CodeOf(TaskInstanceState.Failed), 2, Start.AddSeconds(5).UtcTicks, Start.AddSeconds(75).UtcTicks);

    private static readonly GridCell Succeeded = new(GridCell.CodeOf(TaskInstanceState.Success), 1, Start.UtcTicks, Start.AddSeconds(4).UtcTicks);

    [Fact]
    public void A_cell_carries_task_run_and_state_and_its_tooltip_says_try_start_end_and_duration()
    {
        var snapshot = Snapshot(Failed, Succeeded, GridCell.Missing);
        var rows = GridLayout.Build(snapshot, GridLayoutOptions.Default);

        var page = RenderRow(snapshot, rows.Single(r => r.Id == "extract"), selectedColumn: 0);

        var cell = page.QuerySelector("[data-cell]")!;
        Assert.Equal(("extract", "run_1", "failed"), (cell.GetAttribute("data-task-id"), cell.GetAttribute("data-run-id"), cell.GetAttribute("data-state")));
        Assert.Equal("gridcell", cell.GetAttribute("role"));
        Assert.Contains("selected", cell.ClassList);
        Assert.Contains("state-failed", cell.QuerySelector(".cell-badge")!.ClassList);
        Assert.Equal(
            "extract\nState: failed\nTry: 2\nStarted: 2026-11-20 01:00:05\nEnded: 2026-11-20 01:01:15\nDuration: 1 min 10 s",
            cell.GetAttribute("title"));
        Assert.Equal("extract", page.QuerySelector("[role=rowheader]")!.TextContent.Trim());
    }

    [Fact]
    public void A_task_with_no_instance_in_a_run_looks_different_from_no_status()
    {
        var snapshot = Snapshot(Failed, new GridCell(GridCell.NoStatusCode, 0, 0, 0), GridCell.Missing);
        var rows = GridLayout.Build(snapshot, GridLayoutOptions.Default);

        var missing = (RenderRow(snapshot, rows.Single(r => r.Id == "added_later"))).QuerySelector("[data-cell]")!;
        var none = (RenderRow(snapshot, rows.Single(r => r.Id == "transform"))).QuerySelector("[data-cell]")!;

        Assert.Equal("missing", missing.GetAttribute("data-state"));
        Assert.Contains("state-missing", missing.QuerySelector(".cell-badge")!.ClassList);
        Assert.Contains("did not exist when this run was created", missing.GetAttribute("title"));
        Assert.Equal("none", none.GetAttribute("data-state"));
        Assert.Contains("state-none", none.QuerySelector(".cell-badge")!.ClassList);
    }

    [Fact]
    public void A_collapsed_group_shows_its_aggregated_state_with_counts_and_a_toggle()
    {
        var snapshot = Snapshot(Failed, Succeeded, GridCell.Missing);
        var group = GridLayout.Build(snapshot, new GridLayoutOptions(new HashSet<string> { "load" })).Single(r => r.IsGroup);

        var page = RenderRow(snapshot, group);

        var cell = page.QuerySelector("[data-cell][data-group-id='load']")!;
        Assert.Equal(("run_1", "failed"), (cell.GetAttribute("data-run-id"), cell.GetAttribute("data-state")));
        Assert.Null(cell.GetAttribute("data-task-id"));
        Assert.Equal("load (2 task instances)\nfailed: 1\nsuccess: 1", cell.GetAttribute("title"));
        Assert.Contains("cell-group", cell.QuerySelector(".cell-badge")!.ClassList);
        var toggle = page.QuerySelector("button[data-group-toggle='load']")!;
        Assert.Equal(("false", "Expand group load"), (toggle.GetAttribute("aria-expanded"), toggle.GetAttribute("aria-label")));
        Assert.Equal("2", page.QuerySelector(".group-size")!.TextContent);
    }

    [Fact]
    public void A_run_header_has_a_duration_bar_coloured_by_state_a_badge_for_manual_runs_and_its_date()
    {
        var page = RenderPage<GridRunHeader>(p => p
            .Add(h => h.RunId, "manual__2026-11-20")
            .Add(h => h.State, "failed")
            .Add(h => h.RunType, "manual")
            .Add(h => h.DateLabel, "2026-11-20 01:00")
            .Add(h => h.Tooltip, "manual__2026-11-20\nState: failed")
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
        Assert.EndsWith("\nDeadline missed at 2026-11-20 03:00", late.GetAttribute("title"), StringComparison.Ordinal);
    }

    private void RenderHeader(string? deadlineMissed, out AngleSharp.Dom.IElement header)
    {
        var page = RenderPage<GridRunHeader>(p => p
            .Add(h => h.RunId, "scheduled__2026-11-20")
            .Add(h => h.State, "success")
            .Add(h => h.RunType, "scheduled")
            .Add(h => h.DateLabel, "2026-11-20")
            .Add(h => h.Tooltip, "scheduled__2026-11-20")
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
