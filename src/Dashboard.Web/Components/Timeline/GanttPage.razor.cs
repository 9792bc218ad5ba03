using Dashboard.Core.Notifications;
using Dashboard.Core.Queries;
using Dashboard.Core.Queries.Timeline;
using Dashboard.Web.Components.Shared;
using Microsoft.AspNetCore.Components;

namespace Dashboard.Web.Components.Timeline;

/// <summary>
/// The Gantt tab: a run picker, the run's tries by task (<see cref="GanttChartView"/>, which makes
/// running bars grow between reads) and the task-instance panel of the bar clicked. The tries are
/// read through a <see cref="LiveView"/> whenever the run shown changes, or a new run appears.
/// </summary>
public sealed partial class GanttPage
{
    private DagHeader? _dag;
    private GanttChart? _chart;
    private bool _loaded;
    private (string DagId, string? RunId)? _loadedFor;
    private int _panelVersion;
    private HashSet<long> _knownRuns = [];
    private LiveView _live = null!;

    [CascadingParameter]
    private TimeDisplay Times { get; set; } = TimeDisplay.Utc;

    [Parameter]
    public string DagId { get; set; } = "";

    /// <summary>The run shown; the latest when absent.</summary>
    [SupplyParameterFromQuery(Name = "run")]
    public string? RunParameter { get; set; }

    /// <summary>The task whose instance panel is open.</summary>
    [SupplyParameterFromQuery(Name = "task")]
    public string? TaskParameter { get; set; }

    protected override void OnInitialized() => _live = Live.Create(InvokeAsync, LoadAsync, StateHasChanged);

    protected override async Task OnParametersSetAsync()
    {
        if (RendererInfo.IsInteractive)
        {
            _live.Follow(DagId, Concerns);
        }

        if (_loadedFor != (DagId, RunParameter) && !(_loadedFor?.DagId == DagId && RunParameter == _chart?.Run?.RunId))
        {
            await _live.ReloadAsync();
        }
    }

    /// <summary>The run shown, or a run this page has not seen (a new one, or the DAG itself).</summary>
    private bool Concerns(ChangeBatch batch) =>
        _chart?.Run is not { } shown || batch.RunIds.Any(id => id == shown.Id || !_knownRuns.Contains(id));

    private async Task LoadAsync()
    {
        var asked = (DagId, RunParameter);
        var dag = await Dags.HeaderAsync(DagId);
        var chart = dag is null ? null : await Query.LoadAsync(DagId, string.IsNullOrEmpty(RunParameter) ? null : RunParameter);
        (_dag, _chart, _loaded, _loadedFor) = (dag, chart, true, asked);
        _knownRuns = chart?.Runs.Select(r => r.Id).ToHashSet() ?? [];
    }

    private string Link(string? runId, string? taskId) =>
        Navigation.GetUriWithQueryParameters($"dags/{Uri.EscapeDataString(DagId)}/gantt", new Dictionary<string, object?>
        {
            ["run"] = runId,
            ["task"] = taskId,
        });

    private void ShowRun(string runId) => Navigation.NavigateTo(Link(runId, null));

    private void OpenTask(string taskId) => Navigation.NavigateTo(Link(_chart?.Run?.RunId, taskId));

    private void ClosePanel() => Navigation.NavigateTo(Link(RunParameter, null));

    private async Task AfterActionAsync()
    {
        await _live.ReloadAsync();
        _panelVersion++;
    }

    private IReadOnlyList<ToolbarOption> RunOptions(GanttChart chart) => [.. chart.Runs.Select(run => new ToolbarOption(run.RunId, RunLabel(run)))];

    private string RunLabel(TimelineRun run) => $"{Times.Date(run.Date, _dag?.Timezone)} · {run.RunId}";

    private string RunSummary(TimelineRun run) => run.StartDate is { } start
        ? $"started {Times.Time(start, _dag?.Timezone)}{(run.EndDate is null ? "" : $" · took {States.Duration(run.RunSeconds(run.EndDate.Value))}")}"
        : "not started";

    public void Dispose() => _live.Dispose();
}
