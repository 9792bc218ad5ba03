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
/// The grid: runs as columns, tasks as rows. It loads the <see cref="GridSnapshot"/> of the view in
/// the URL, shared with every open grid of the same view (<see cref="GridQuery.LoadSharedAsync"/>),
/// through a <see cref="LiveView"/> that re-loads it whenever this DAG changed (coalesced, so a burst
/// is one re-load) and never lets two loads overlap.
/// </summary>
/// <remarks>
/// The cells are drawn by wwwroot/js/grid.js, which holds a copy of what this page draws
/// (<see cref="GridWire.Model"/>). The prerendered page embeds it once; the browser then tells the
/// circuit which model it holds (<see cref="Sync"/>), so it is not sent again when it is current.
/// After that a re-load that keeps the rows and runs renders only a patch of the cells that changed,
/// as an attribute in the same render batch as the run headers; any other re-load renders a new model
/// id, and the browser asks for that model.
/// </remarks>
public sealed partial class GridPage
{
    public const int GridRowHeight = 28;

    private DagHeader? _dag;
    private GridSnapshot? _snapshot;
    private List<GridRow> _rows = [];
    private GridCell[] _drawn = [];

    /// <summary>What the browser holds since its last <see cref="Sync"/>, with the patches rendered since; null before it synced.</summary>
    private BrowserCopy? _browser;

    /// <summary>The id of the model the browser should hold (data-model).</summary>
    private string? _modelId;

    /// <summary>The last patch rendered (data-patch): "{model id}.{sequence}:{segments}".</summary>
    private string? _patch;

    /// <summary>A selection set here rather than in the browser (data-selection): [epoch, row, run, anchor row, anchor run].</summary>
    private string? _selection;
    private int _selectionEpoch;
    private (string TaskId, string RunId)? _urlCell;
    private bool _ready;
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

    private DagPanels? _panels;
    private Region? _matrix;
    private PageShape? _shownShape;
    private LiveView _live = null!;
    private ElementReference _gridElement;
    private bool _attaching;
    private string? _attachedTo;
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

    protected override void OnInitialized() => _live = Live.Create(InvokeAsync, LoadAsync, RenderLoaded);

    /// <summary>
    /// After a load: only the matrix renders again when nothing around it changed (the usual live
    /// change: a few cells and a run header), so the browser gets one small render batch.
    /// </summary>
    private void RenderLoaded()
    {
        var shape = new PageShape(_dag, _snapshot?.HasOlder, _groupIds.Count, _snapshot?.Runs.Count, _anchor is not null, _live.Failure);
        if (_matrix is not null && _shownShape is { } shown && shown.SameAs(shape))
        {
            _matrix.Refresh();
        }
        else
        {
            StateHasChanged();
        }

        _shownShape = shape;
    }

    /// <summary>What a load can change on the page outside the matrix: the DAG's header and tabs, the toolbar, the selection bar, the failure notice.</summary>
    private sealed record PageShape(DagHeader? Dag, bool? HasOlder, int Groups, int? Runs, bool Selecting, Exception? Failure)
    {
        public bool SameAs(PageShape other) => this with { Dag = null } == other with { Dag = null } && SameDag(Dag, other.Dag);

        // The header is a record, but its lists compare by reference and every load reads new ones.
        private static bool SameDag(DagHeader? a, DagHeader? b) =>
            a is null || b is null
                ? a is null && b is null
                : a with { Tags = b.Tags, EditAccess = b.EditAccess } == b && a.Tags.SequenceEqual(b.Tags)
                  && (a.EditAccess ?? []).SequenceEqual(b.EditAccess ?? []);
    }

    protected override async Task OnParametersSetAsync()
    {
        _navigated.TrySetResult();
        _view = GridView.Parse(RunsParameter, OffsetParameter, RunTypeParameter, RunStateParameter, TaskStateParameter, FailedParameter, TaskTextParameter,
            TaskParameter, RunParameter);
        var urlCell = _view.TaskId is { } task && _view.RunId is { } run ? (task, run) : ((string, string)?)null;
        if (urlCell is not null && urlCell != _urlCell)
        {
            SelectHere(urlCell, null);
        }

        _urlCell = urlCell;

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
            BuildRows();
        }
    }

    /// <summary>Reads the view in the URL as it is now; <see cref="LiveView"/> runs one at a time.</summary>
    private async Task LoadAsync()
    {
        var request = _view.Request(DagId);
        var dag = await Dags.HeaderAsync(DagId);
        var snapshot = dag is null ? null : await Grid.LoadSharedAsync(request);
        (_dag, _snapshot, _loadedRequest, _loaded) = (dag, snapshot, request, true);
        BuildRows();
    }

    /// <summary>Lays the snapshot out as rows and decides what the browser gets: a patch of its copy when the rows and runs are the same, else a new model.</summary>
    private void BuildRows()
    {
        if (_snapshot is null)
        {
            (_rows, _drawn) = ([], []);
            return;
        }

        _groupIds = GridLayout.GroupIds(_snapshot);
        _rows = GridLayout.Build(_snapshot, _view.LayoutOptions(_collapsed));
        _drawn = GridLayout.Draw(_snapshot, _rows);
        _longestRun = _snapshot.Runs.Select(r => r.DurationSeconds(_snapshot.LoadedAt) ?? 0).DefaultIfEmpty(0).Max();
        if (_browser is { } browser && browser.SameShape(_snapshot, _rows))
        {
            browser.Rows = _rows;
            if (GridWire.Patch(browser.Drawn, _drawn, _snapshot.Runs.Count) is { } patch)
            {
                browser.Drawn = _drawn;
                browser.Sequence++;
                _patch = $"{browser.Id}.{browser.Sequence}:{patch}";
            }

            _modelId = browser.Id;
        }
        else
        {
            _modelId = GridWire.Hash(_snapshot, _rows, _drawn);
        }
    }

    /// <summary>The model in the prerendered page, for the browser to draw before the circuit starts, and the script that draws it.</summary>
    private MarkupString? PrerenderedModel() =>
        _snapshot is null
            ? null
            : new MarkupString(
                $"""<script type="application/json" data-grid-model>{GridWire.EmbeddedJsonOf(GridWire.Encode(_snapshot, _rows, _drawn))}</script>""" +
                """<script type="module" src="js/grid.js"></script>""");

    /// <summary>
    /// The browser holds the model <paramref name="held"/> (null: none, or one it patched since): the
    /// model to draw, or null when it holds the current one. From now on changes reach it as patches.
    /// </summary>
    [JSInvokable]
    public GridWire.Model? Sync(string? held)
    {
        if (_snapshot is null)
        {
            return null;
        }

        var current = GridWire.Hash(_snapshot, _rows, _drawn);
        _browser = new BrowserCopy(current, _snapshot.Runs.Select(r => r.RunId).ToList(), _rows, _drawn);
        (_modelId, _patch) = (current, null);
        StateHasChanged();
        return held == current ? null : GridWire.Encode(_snapshot, _rows, _drawn);
    }

    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        // The grid element comes and goes with the runs in view; renders follow each other quickly, so the flag is set before the first await.
        if (!RendererInfo.IsInteractive || _attaching || _snapshot is not { Runs.Count: > 0 } || _attachedTo == _gridElement.Id)
        {
            return;
        }

        _attaching = true;
        try
        {
            _module ??= await JS.InvokeAsync<IJSObjectReference>("import", "./js/grid.js");
            _self ??= DotNetObjectReference.Create(this);
            await BrowserModule.ReleaseAsync(_listeners, null);
            var remembered = await _module.InvokeAsync<string[]?>("loadCollapsed", StorageKey);
            if (remembered is { Length: > 0 })
            {
                _collapsed = [.. remembered];
                BuildRows();
            }

            var element = _gridElement;
            _listeners = await _module.InvokeAsync<IJSObjectReference>("attach", element, _self);
            _attachedTo = element.Id;

            // data-ready tells automation (and the tests) that the cells are drawn and clicks and keys reach the grid.
            _ready = true;
            StateHasChanged();
        }
        finally
        {
            _attaching = false;
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
        BuildRows();
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
        SelectHere((rowId, runId), null);
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
        if (_anchor is not null)
        {
            SelectHere(_selected, null);
        }

        Navigate(_view with { TaskId = null, RunId = runId });
    }

    /// <summary>
    /// The browser moved the selection (a click, shift-click, drag or arrow key): the selected cell and,
    /// for a rectangle, its other corner. The browser has drawn it already, so only the selection bar renders.
    /// </summary>
    [JSInvokable]
    public void Select(string rowId, string runId, string? anchorRowId, string? anchorRunId)
    {
        var hadRectangle = _anchor is not null;
        _selected = (rowId, runId);
        _anchor = anchorRowId is not null && anchorRunId is not null ? (anchorRowId, anchorRunId) : null;
        if (hadRectangle || _anchor is not null)
        {
            StateHasChanged();
        }
    }

    /// <summary>A selection the page sets (the URL's cell, a rectangle dropped), which the browser draws when it sees the new epoch.</summary>
    private void SelectHere((string RowId, string RunId)? selected, (string RowId, string RunId)? anchor)
    {
        (_selected, _anchor) = (selected, anchor);
        _selection = System.Text.Json.JsonSerializer.Serialize(new object?[]
        {
            ++_selectionEpoch, selected?.RowId, selected?.RunId, anchor?.RowId, anchor?.RunId,
        });
    }

    /// <summary>Esc: drop a multi-selection first, then close the panel.</summary>
    [JSInvokable]
    public void Escape()
    {
        if (_anchor is not null)
        {
            SelectHere(_selected, null);
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
            SelectHere(_selected, null);
            Grid.Forget(DagId);
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
                if (_drawn[row * _snapshot.Runs.Count + column].Exists)
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

    [JSInvokable]
    public async Task OpenSelected()
    {
        if (_selected is { } selected)
        {
            await OpenCell(selected.RowId, selected.RunId);
        }
    }

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

    /// <summary>The run's date with its year, and its time when it is not midnight: what a person recognises the run by.</summary>
    private string DateLabel(GridRun run) => Times.Date(run.Date, _dag?.Timezone);

    private string? DeadlineMissed(GridRun run) =>
        run.DeadlineMissedAt is { } at ? $"Deadline missed at {Times.Time(at, _dag?.Timezone)}" : null;

    /// <summary>A run header's tooltip, worked out when it is hovered.</summary>
    [JSInvokable]
    public string? DescribeRun(string runId) =>
        _snapshot?.Runs.FirstOrDefault(r => r.RunId == runId) is not { } run
            ? null
            : string.Join('\n', new[]
            {
                run.RunId,
                $"State: {States.Name(run.State)}",
                $"Type: {Dashboard.Core.Persistence.SnakeCase.ToSnakeCase(run.RunType)}",
                run.VersionNumber is { } version ? $"DAG version: v{version}" : "",
                run.LogicalDate is { } date ? $"Logical date: {Times.Time(date, _dag?.Timezone)}" : $"Run after: {Times.Time(run.RunAfter, _dag?.Timezone)}",
                run.StartDate is { } start ? $"Started: {Times.Time(start, _dag?.Timezone)}" : "Not started",
                run.EndDate is { } end ? $"Ended: {Times.Time(end, _dag?.Timezone)}" : "",
                run.HasNote ? "Has a note" : "",
                DeadlineMissed(run) ?? "",
            }.Where(line => line.Length > 0));

    /// <summary>A cell's tooltip, worked out when the browser shows it: a task's try and times, or a group's count per state.</summary>
    [JSInvokable]
    public async Task<string?> Describe(string rowId, string runId)
    {
        var snapshot = _snapshot;
        var row = _rows.Find(r => r.Id == rowId);
        var run = snapshot?.RunIndex(runId) ?? -1;
        if (snapshot is null || row is null || run < 0)
        {
            return null;
        }

        return row.IsGroup
            ? GridTooltips.Group(row.Id, GroupState.Of(row.GroupTasks.Select(task => snapshot.Cell(task, run))))
            : GridTooltips.Task(row.Id, await Grid.CellAsync(snapshot.Runs[run].Id, row.Id), Times, _dag?.Timezone, Time.GetUtcNow());
    }

    /// <summary>What the browser holds: the model it synced and the patches rendered since.</summary>
    private sealed class BrowserCopy(string id, IReadOnlyList<string> runIds, IReadOnlyList<GridRow> rows, GridCell[] drawn)
    {
        public string Id => id;

        public GridCell[] Drawn { get; set; } = drawn;

        /// <summary>Rows shaped as the browser's; the latest such list, so an older one is not kept alive.</summary>
        public IReadOnlyList<GridRow> Rows { get; set; } = rows;

        public int Sequence { get; set; }

        /// <summary>The same runs and rows, so a patch of the cells brings the browser up to date.</summary>
        public bool SameShape(GridSnapshot snapshot, IReadOnlyList<GridRow> next)
        {
            if (snapshot.Runs.Count != runIds.Count || next.Count != Rows.Count)
            {
                return false;
            }

            for (var i = 0; i < runIds.Count; i++)
            {
                if (snapshot.Runs[i].RunId != runIds[i])
                {
                    return false;
                }
            }

            for (var i = 0; i < Rows.Count; i++)
            {
                if (!Rows[i].SameShape(next[i]))
                {
                    return false;
                }
            }

            return true;
        }
    }

    public async ValueTask DisposeAsync()
    {
        _live.Dispose();
        await BrowserModule.ReleaseAsync(_listeners, _module);

        _self?.Dispose();
    }
}
