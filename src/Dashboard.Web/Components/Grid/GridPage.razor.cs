using Dashboard.Core.Notifications;
using Dashboard.Core.Queries;
using Dashboard.Core.Queries.Grid;
using Dashboard.Web.Components.Shared;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web.Virtualization;
using Microsoft.JSInterop;

namespace Dashboard.Web.Components.Grid;

/// <summary>
/// The grid: runs as columns, tasks as rows. It loads one <see cref="GridSnapshot"/> for the view
/// in the URL, re-loads it when the change notifier says this DAG changed (coalesced, so a burst
/// is one re-query), and lets unchanged rows skip rendering.
/// </summary>
public sealed partial class GridPage
{
    public const int GridRowHeight = 24;
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

    private Virtualize<GridRow>? _virtualize;
    private IDisposable? _subscription;
    private ElementReference _gridElement;
    private bool _attaching;
    private IJSObjectReference? _module;
    private IJSObjectReference? _listeners;
    private DotNetObjectReference<GridPage>? _self;

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

    [SupplyParameterFromQuery(Name = "failed")]
    public string? FailedParameter { get; set; }

    [SupplyParameterFromQuery(Name = "task")]
    public string? TaskParameter { get; set; }

    [SupplyParameterFromQuery(Name = "run")]
    public string? RunParameter { get; set; }

    private string StorageKey => $"dashboard.grid.collapsed.{DagId}";

    protected override void OnInitialized()
    {
        if (RendererInfo.IsInteractive)
        {
            _subscription = Changes.Subscribe(DagId, batch => InvokeAsync(() => OnChangesAsync(batch)));
        }
    }

    protected override async Task OnParametersSetAsync()
    {
        _view = GridView.Parse(RunsParameter, OffsetParameter, RunTypeParameter, RunStateParameter, FailedParameter, TaskParameter, RunParameter);
        if (_view.TaskId is { } task && _view.RunId is { } run)
        {
            _selected = (task, run);
        }

        var request = _view.Request(DagId);
        if (request != _loadedRequest || _dag?.DagId != DagId)
        {
            await LoadAsync(request);
        }
        else
        {
            await BuildRowsAsync();
        }
    }

    private async Task LoadAsync(GridRequest request)
    {
        _dag = await Dags.HeaderAsync(DagId);
        _snapshot = _dag is null ? null : await Grid.LoadAsync(request);
        _loadedRequest = request;
        _loaded = true;
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
        _rows = GridLayout.Build(_snapshot, new GridLayoutOptions(_collapsed, _view.FailedOnly));
        _longestRun = _snapshot.Runs.Select(r => r.DurationSeconds(_snapshot.LoadedAt) ?? 0).DefaultIfEmpty(0).Max();
        if (_virtualize is not null)
        {
            await _virtualize.RefreshDataAsync();
        }
    }

    private ValueTask<ItemsProviderResult<GridRow>> ProvideRows(ItemsProviderRequest request) =>
        ValueTask.FromResult(new ItemsProviderResult<GridRow>(
            _rows.Skip(request.StartIndex).Take(request.Count), _rows.Count));

    private async Task OnChangesAsync(ChangeBatch batch)
    {
        if (_loadedRequest is null)
        {
            return;
        }

        await LoadAsync(_loadedRequest);
        if (_view.RunId is { } panelRunId)
        {
            // A run outside the window has no id here: refresh its panel rather than risk a stale one.
            var panelRun = _snapshot?.Runs.FirstOrDefault(r => r.RunId == panelRunId);
            if (batch.Resync || panelRun is null || batch.RunIds.Contains(panelRun.Id))
            {
                _panelVersion++;
            }
        }

        StateHasChanged();
    }

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

    private void Navigate(GridView next) => Navigation.NavigateTo(GridView.Link(DagId, next));

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
        if (_rows.FirstOrDefault(r => r.Id == rowId) is { IsGroup: true })
        {
            await ToggleGroup(rowId);
            return;
        }

        Navigate(_view with { TaskId = rowId, RunId = runId });
    }

    [JSInvokable]
    public void OpenRun(string runId) => Navigate(_view with { TaskId = null, RunId = runId });

    /// <summary>Moves the selected cell; returns where it is now so the browser can scroll it into view.</summary>
    [JSInvokable]
    public GridPosition? Move(int columns, int rows)
    {
        if (_snapshot is null || _rows.Count == 0 || _snapshot.Runs.Count == 0)
        {
            return null;
        }

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

    private (int Row, int Column)? SelectedPosition()
    {
        if (_selected is not { } selected || _snapshot is null)
        {
            return null;
        }

        var row = _rows.Select((r, i) => (r, i)).FirstOrDefault(x => x.r.Id == selected.RowId, (null!, -1)).Item2;
        var column = _snapshot.RunIndex(selected.RunId);
        return row < 0 || column < 0 ? null : (row, column);
    }

    private int SelectedColumnOf(GridRow row) =>
        _selected is { } selected && selected.RowId == row.Id && _snapshot is not null ? _snapshot.RunIndex(selected.RunId) : -1;

    private static string RunTooltip(GridRun run) =>
        string.Join('\n', new[]
        {
            run.RunId,
            $"State: {States.Name(run.State)}",
            $"Type: {Dashboard.Core.Persistence.SnakeCase.ToSnakeCase(run.RunType)}",
            run.LogicalDate is { } date ? $"Logical date: {States.Time(date)}" : $"Run after: {States.Time(run.RunAfter)}",
            run.StartDate is { } start ? $"Started: {States.Time(start)}" : "Not started",
            run.EndDate is { } end ? $"Ended: {States.Time(end)}" : "",
        }.Where(line => line.Length > 0));

    public async ValueTask DisposeAsync()
    {
        _subscription?.Dispose();
        try
        {
            if (_listeners is not null)
            {
                await _listeners.InvokeVoidAsync("dispose");
                await _listeners.DisposeAsync();
            }

            if (_module is not null)
            {
                await _module.DisposeAsync();
            }
        }
        catch (JSDisconnectedException)
        {
            // The browser is gone; its listeners went with it.
        }

        _self?.Dispose();
    }
}
