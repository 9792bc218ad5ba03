using Dashboard.Core.Domain;
using Dashboard.Core.Operations.Selection;
using Dashboard.Core.Security;
using Dashboard.Core.Queries;
using Dashboard.Core.Queries.Grid;
using Dashboard.Web.Components.Shared;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web.Virtualization;
using Microsoft.JSInterop;
using MudBlazor;

namespace Dashboard.Web.Components.Grid;

/// <summary>
/// The grid: runs as columns, tasks as rows. It loads one <see cref="GridSnapshot"/> for the view
/// in the URL, through a <see cref="LiveView"/> that re-loads it whenever this DAG changed
/// (coalesced, so a burst is one re-query) and never lets two loads overlap, and it lets unchanged
/// rows skip rendering.
/// </summary>
public sealed partial class GridPage
{
    public const int GridRowHeight = 28;
    private const int PrerenderedRows = 40;

    private DagHeader? _dag;
    private GridSnapshot? _snapshot;
    private List<GridRow> _rows = [];
    private IReadOnlyList<string> _groupIds = [];
    private HashSet<string> _collapsed = [];
    private GridView _view = GridView.Default;
    private GridRequest? _loadedRequest;
    private double _longestRun;
    private bool _loaded;
    private int _panelVersion;
    private (string RowId, string RunId)? _selected;

    /// <summary>The other corner of a rectangle of selected cells (shift-click, drag, shift+arrows); null for one cell.</summary>
    private (string RowId, string RunId)? _anchor;

    /// <summary>Completes when the URL this page last navigated to has arrived as parameters.</summary>
    private TaskCompletionSource _navigated = CompletedNavigation();

    private Virtualize<GridRow>? _virtualize;
    private DagPanels? _panels;
    private LiveView _live = null!;
    private ElementReference _gridElement;
    private bool _attaching;
    private IJSObjectReference? _module;
    private IJSObjectReference? _listeners;
    private DotNetObjectReference<GridPage>? _self;

    [CascadingParameter]
    private TimeDisplay Times { get; set; } = TimeDisplay.Utc;

    [Parameter]
    public string DagId { get; set; } = "";

    [SupplyParameterFromQuery(Name = "runs")]
    public string? RunsParameter { get; set; }

    [SupplyParameterFromQuery(Name = "offset")]
    public string? OffsetParameter { get; set; }

    [SupplyParameterFromQuery(Name = "run_type")]
    public string? RunTypeParameter { get; set; }

    [SupplyParameterFromQuery(Name = "run_state")]
    public string? RunStateParameter { get; set; }

    [SupplyParameterFromQuery(Name = "task_state")]
    public string? TaskStateParameter { get; set; }

    /// <summary>The old "failed only" switch; still read, so old links work.</summary>
    [SupplyParameterFromQuery(Name = "failed")]
    public string? FailedParameter { get; set; }

    [SupplyParameterFromQuery(Name = "q")]
    public string? TaskTextParameter { get; set; }

    [SupplyParameterFromQuery(Name = "task")]
    public string? TaskParameter { get; set; }

    [SupplyParameterFromQuery(Name = "run")]
    public string? RunParameter { get; set; }

    private string StorageKey => $"dashboard.grid.collapsed.{DagId}";

    protected override void OnInitialized() => _live = Live.Create(InvokeAsync, LoadAsync, StateHasChanged);

    protected override async Task OnParametersSetAsync()
    {
        _navigated.TrySetResult();
        _view = GridView.Parse(RunsParameter, OffsetParameter, RunTypeParameter, RunStateParameter, TaskStateParameter, FailedParameter, TaskTextParameter,
            TaskParameter, RunParameter);
        if (_view.TaskId is { } task && _view.RunId is { } run)
        {
            _selected = (task, run);
        }

        // The router keeps this page when only the DAG in the URL changes: then it follows the new one.
        if (RendererInfo.IsInteractive)
        {
            _live.Follow(DagId);
        }

        if (_view.Request(DagId) != _loadedRequest || _dag?.DagId != DagId)
        {
            await _live.ReloadAsync();
        }
        else
        {
            await BuildRowsAsync();
        }
    }

    /// <summary>Reads the view in the URL as it is now; <see cref="LiveView"/> runs one at a time.</summary>
    private async Task LoadAsync()
    {
        var request = _view.Request(DagId);
        var dag = await Dags.HeaderAsync(DagId);
        var snapshot = dag is null ? null : await Grid.LoadAsync(request);
        (_dag, _snapshot, _loadedRequest, _loaded) = (dag, snapshot, request, true);
        await BuildRowsAsync();
    }

    /// <summary>Lays the snapshot out as rows and has the virtualized list fetch the rows it shows again.</summary>
    private async Task BuildRowsAsync()
    {
        if (_snapshot is null)
        {
            _rows = [];
            return;
        }

        _groupIds = GridLayout.GroupIds(_snapshot);
        _rows = GridLayout.Build(_snapshot, _view.LayoutOptions(_collapsed));
        _longestRun = _snapshot.Runs.Select(r => r.DurationSeconds(_snapshot.LoadedAt) ?? 0).DefaultIfEmpty(0).Max();
        if (_virtualize is not null)
        {
            await _virtualize.RefreshDataAsync();
        }
    }

    private ValueTask<ItemsProviderResult<GridRow>> ProvideRows(ItemsProviderRequest request) =>
        ValueTask.FromResult(new ItemsProviderResult<GridRow>(
            _rows.Skip(request.StartIndex).Take(request.Count), _rows.Count));

    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        // Renders follow each other quickly at start; the flag is set before the first await so only one attaches.
        if (!_attaching && _snapshot is { Runs.Count: > 0 })
        {
            _attaching = true;
            _module = await JS.InvokeAsync<IJSObjectReference>("import", "./js/grid.js");
            _self = DotNetObjectReference.Create(this);
            _listeners = await _module.InvokeAsync<IJSObjectReference>("attach", _gridElement, _self);
            var remembered = await _module.InvokeAsync<string[]?>("loadCollapsed", StorageKey);
            if (remembered is { Length: > 0 })
            {
                _collapsed = [.. remembered];
                await BuildRowsAsync();
            }

            // Also flips data-ready, which tells automation that clicks and keys now reach the grid.
            StateHasChanged();
        }
    }

    private void Navigate(GridView next)
    {
        _navigated = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Navigation.NavigateTo(GridView.Link(DagId, next));
    }

    private static TaskCompletionSource CompletedNavigation()
    {
        var done = new TaskCompletionSource();
        done.SetResult();
        return done;
    }

    private void ClosePanel() => Navigate(_view with { TaskId = null, RunId = null });

    private async Task SetCollapsedAsync(IEnumerable<string> groups)
    {
        _collapsed = [.. groups];
        await BuildRowsAsync();
        if (_module is not null)
        {
            await _module.InvokeVoidAsync("saveCollapsed", StorageKey, _collapsed.ToArray());
        }
    }

    [JSInvokable]
    public async Task ToggleGroup(string groupId)
    {
        if (!_collapsed.Remove(groupId))
        {
            _collapsed.Add(groupId);
        }

        await SetCollapsedAsync(_collapsed.ToList());
        StateHasChanged();
    }

    [JSInvokable]
    public async Task OpenCell(string rowId, string runId)
    {
        _selected = (rowId, runId);
        _anchor = null;
        if (_rows.FirstOrDefault(r => r.Id == rowId) is { IsGroup: true })
        {
            await ToggleGroup(rowId);
            return;
        }

        Navigate(_view with { TaskId = rowId, RunId = runId });
    }

    [JSInvokable]
    public void OpenRun(string runId)
    {
        _anchor = null;
        Navigate(_view with { TaskId = null, RunId = runId });
    }

    /// <summary>Shift-click: the rectangle from the selected cell (or the anchor already set) to this one.</summary>
    [JSInvokable]
    public void SelectTo(string rowId, string runId)
    {
        _anchor ??= _selected ?? (rowId, runId);
        _selected = (rowId, runId);
        StateHasChanged();
    }

    /// <summary>A rectangle dragged from one cell to another.</summary>
    [JSInvokable]
    public void SelectRange(string fromRowId, string fromRunId, string toRowId, string toRunId)
    {
        _anchor = (fromRowId, fromRunId);
        _selected = (toRowId, toRunId);
        StateHasChanged();
    }

    /// <summary>Esc: drop a multi-selection first, then close the panel.</summary>
    [JSInvokable]
    public void Escape()
    {
        if (_anchor is not null)
        {
            _anchor = null;
            StateHasChanged();
        }
        else if (_view.HasPanel)
        {
            ClosePanel();
        }
    }

    /// <summary>Shift+C, shift+S, shift+F: act on the selected cells, or on the run whose panel is open.</summary>
    [JSInvokable]
    public Task Act(string action) => Enum.TryParse<GridAction>(action, out var parsed) ? ActAsync(parsed) : Task.CompletedTask;

    private bool CanAct => Operator.WhyNot(Permission.ClearAndMark, _dag?.EditAccess) is null;

    private Task ActAsync(GridAction action)
    {
        if (Operator.WhyNot(Permission.ClearAndMark, _dag?.EditAccess) is { } reason)
        {
            // A shortcut pressed by someone who may not use it: say why instead of opening a dialog that would refuse.
            Snackbar.Add(reason, Severity.Info);
            return Task.CompletedTask;
        }

        return _anchor is null && _view is { RunId: not null, TaskId: null } && _panels is not null
            ? ActOnRunPanelAsync(action, _panels)
            : ActOnCellsAsync(action, SelectedTargets());
    }

    private async Task ActOnRunPanelAsync(GridAction action, DagPanels panels)
    {
        await SettleNavigationAsync();
        await panels.ActAsync(action);
    }

    private async Task ActOnCellsAsync(GridAction action, IReadOnlyList<TaskTarget> targets)
    {
        if (_snapshot is null || targets.Count == 0)
        {
            return;
        }

        await SettleNavigationAsync();

        var dated = targets.All(t => _snapshot.Runs.FirstOrDefault(r => r.RunId == t.RunId)?.LogicalDate is not null);
        var subject = targets.Count == 1 ? $"{targets[0].Id} in {targets[0].RunId}" : $"{targets.Count} selected cells";
        var applied = action switch
        {
            GridAction.Clear => await ActionDialogs.ClearAsync(DagId, targets, dated, subject),
            GridAction.MarkSuccess => await ActionDialogs.MarkAsync(DagId, targets, TaskInstanceState.Success, dated, subject),
            _ => await ActionDialogs.MarkAsync(DagId, targets, TaskInstanceState.Failed, dated, subject),
        };
        await AfterActionAsync(applied);
    }

    /// <summary>
    /// A dialog closes when the page navigates, so one opened by a key pressed right after a click
    /// waits for that click's navigation (the panel opening) to land first.
    /// </summary>
    private Task SettleNavigationAsync() => _navigated.Task.WaitAsync(TimeSpan.FromSeconds(2)).ContinueWith(_ => { }, TaskScheduler.Current);

    /// <summary>Shows the result at once rather than waiting for the change notification (which follows and finds nothing new).</summary>
    private async Task AfterActionAsync(bool applied)
    {
        if (applied)
        {
            _anchor = null;
            await _live.ReloadAsync();
            _panelVersion++;
            StateHasChanged();
        }
    }

    /// <summary>The existing task instances (and groups) in the selected rectangle, or in the selected cell.</summary>
    private List<TaskTarget> SelectedTargets()
    {
        if (_snapshot is null || SelectedRectangle() is not { } rectangle)
        {
            return [];
        }

        var targets = new List<TaskTarget>();
        for (var row = rectangle.Rows.Start.Value; row <= rectangle.Rows.End.Value; row++)
        {
            var gridRow = _rows[row];
            for (var column = rectangle.Columns.Start.Value; column <= rectangle.Columns.End.Value; column++)
            {
                var runId = _snapshot.Runs[column].RunId;
                if (gridRow.IsGroup ? gridRow.GroupStates[column].Exists : _snapshot.Cell(gridRow.TaskIndex, column).Exists)
                {
                    targets.Add(gridRow.IsGroup ? TaskTarget.Group(runId, gridRow.Id) : TaskTarget.Task(runId, gridRow.Id));
                }
            }
        }

        return targets;
    }

    /// <summary>Rows and columns (inclusive) between the anchor and the selected cell; the selected cell alone without an anchor.</summary>
    private (Range Rows, Range Columns)? SelectedRectangle()
    {
        if (SelectedPosition() is not { } end)
        {
            return null;
        }

        var start = _anchor is { } anchor ? PositionOf(anchor) ?? end : end;
        return (new Range(Math.Min(start.Row, end.Row), Math.Max(start.Row, end.Row)),
            new Range(Math.Min(start.Column, end.Column), Math.Max(start.Column, end.Column)));
    }

    /// <summary>
    /// Moves the selected cell, or with <paramref name="extend"/> the moving corner of the selected
    /// rectangle; returns where it is now so the browser can scroll it into view.
    /// </summary>
    [JSInvokable]
    public GridPosition? Move(int columns, int rows, bool extend)
    {
        if (_snapshot is null || _rows.Count == 0 || _snapshot.Runs.Count == 0)
        {
            return null;
        }

        _anchor = extend ? _anchor ?? _selected : null;
        var (row, column) = SelectedPosition() ?? (0, _snapshot.Runs.Count - 1);
        row = Math.Clamp(row + rows, 0, _rows.Count - 1);
        column = Math.Clamp(column + columns, 0, _snapshot.Runs.Count - 1);
        _selected = (_rows[row].Id, _snapshot.Runs[column].RunId);
        StateHasChanged();
        return new GridPosition(row, column);
    }

    [JSInvokable]
    public async Task OpenSelected()
    {
        if (_selected is { } selected)
        {
            await OpenCell(selected.RowId, selected.RunId);
        }
    }

    public sealed record GridPosition(int Row, int Column);

    private (int Row, int Column)? SelectedPosition() => _selected is { } selected ? PositionOf(selected) : null;

    private (int Row, int Column)? PositionOf((string RowId, string RunId) cell)
    {
        if (_snapshot is null)
        {
            return null;
        }

        var row = _rows.FindIndex(r => r.Id == cell.RowId);
        var column = _snapshot.RunIndex(cell.RunId);
        return row < 0 || column < 0 ? null : (row, column);
    }

    private int SelectedColumnOf(GridRow row) =>
        _selected is { } selected && selected.RowId == row.Id && _snapshot is not null ? _snapshot.RunIndex(selected.RunId) : -1;

    /// <summary>The rows and columns of a multi-selection, worked out once per render; null when one cell (or none) is selected.</summary>
    private SelectionBand? Band()
    {
        if (_anchor is null || SelectedRectangle() is not { } rectangle)
        {
            return null;
        }

        var rows = _rows.Take(rectangle.Rows.End.Value + 1).Skip(rectangle.Rows.Start.Value).Select(r => r.Id).ToHashSet();
        return new SelectionBand(rows, rectangle.Columns.Start.Value, rectangle.Columns.End.Value);
    }

    private sealed record SelectionBand(HashSet<string> RowIds, int FromColumn, int ToColumn)
    {
        public (int From, int To) ColumnsOf(GridRow row) => RowIds.Contains(row.Id) ? (FromColumn, ToColumn) : (-1, -1);
    }

    /// <summary>The run's date with its year, and its time when it is not midnight: what a person recognises the run by.</summary>
    private string DateLabel(GridRun run) => Times.Date(run.Date, _dag?.Timezone);

    private string? DeadlineMissed(GridRun run) =>
        run.DeadlineMissedAt is { } at ? $"Deadline missed at {Times.Time(at, _dag?.Timezone)}" : null;

    private string RunTooltip(GridRun run) =>
        string.Join('\n', new[]
        {
            run.RunId,
            $"State: {States.Name(run.State)}",
            $"Type: {Dashboard.Core.Persistence.SnakeCase.ToSnakeCase(run.RunType)}",
            run.VersionNumber is { } version ? $"DAG version: v{version}" : "",
            run.LogicalDate is { } date ? $"Logical date: {Times.Time(date, _dag?.Timezone)}" : $"Run after: {Times.Time(run.RunAfter, _dag?.Timezone)}",
            run.StartDate is { } start ? $"Started: {Times.Time(start, _dag?.Timezone)}" : "Not started",
            run.EndDate is { } end ? $"Ended: {Times.Time(end, _dag?.Timezone)}" : "",
        }.Where(line => line.Length > 0));

    public async ValueTask DisposeAsync()
    {
        _live.Dispose();
        await BrowserModule.ReleaseAsync(_listeners, _module);

        _self?.Dispose();
    }
}
