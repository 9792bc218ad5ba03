using System.Globalization;
using Dashboard.Core.Queries;
using Dashboard.Core.Queries.Timeline;
using Dashboard.Web.Components.Shared;
using Microsoft.AspNetCore.Components;

namespace Dashboard.Web.Components.Timeline;

/// <summary>
/// How long the last runs took, and one task in each of them. Everything shown is in the URL (how
/// many runs, which task, which panel is open) and is read again, through a <see cref="LiveView"/>,
/// whenever the DAG changes.
/// </summary>
public sealed partial class DurationsPage
{
    private static readonly IReadOnlyList<ToolbarOption> RunCounts = ToolbarOption.Numbers(DurationsQuery.RunCounts);

    private DagHeader? _dag;
    private DurationsChart? _chart;
    private bool _loaded;
    private int _runs = DurationsQuery.DefaultRuns;
    private (string DagId, int Runs, string? Task)? _loadedFor;
    private int _panelVersion;
    private LiveView _live = null!;

    [CascadingParameter]
    private TimeDisplay Times { get; set; } = TimeDisplay.Utc;

    [Parameter]
    public string DagId { get; set; } = "";

    /// <summary>How many of the last runs: 10, 25, 50 or 100; anything else is the default.</summary>
    [SupplyParameterFromQuery(Name = "runs")]
    public string? RunsParameter { get; set; }

    /// <summary>The task charted; the one with the longest median when absent.</summary>
    [SupplyParameterFromQuery(Name = "task")]
    public string? TaskParameter { get; set; }

    /// <summary>The run whose panel is open.</summary>
    [SupplyParameterFromQuery(Name = "run")]
    public string? RunParameter { get; set; }

    /// <summary>With <see cref="RunParameter"/>: the task whose instance panel is open instead of the run's.</summary>
    [SupplyParameterFromQuery(Name = "instance")]
    public string? InstanceParameter { get; set; }

    private string? PanelTask => RunParameter is null || string.IsNullOrEmpty(InstanceParameter) ? null : InstanceParameter;

    protected override void OnInitialized() => _live = Live.Create(InvokeAsync, LoadAsync, StateHasChanged);

    protected override async Task OnParametersSetAsync()
    {
        _runs = int.TryParse(RunsParameter, CultureInfo.InvariantCulture, out var runs) && DurationsQuery.RunCounts.Contains(runs)
            ? runs
            : DurationsQuery.DefaultRuns;
        if (RendererInfo.IsInteractive)
        {
            _live.Follow(DagId);
        }

        if (_loadedFor != (DagId, _runs, TaskParameter))
        {
            await _live.ReloadAsync();
        }
    }

    private async Task LoadAsync()
    {
        var asked = (DagId, _runs, TaskParameter);
        var dag = await Dags.HeaderAsync(DagId);
        var chart = dag is null ? null : await Query.LoadAsync(DagId, _runs, string.IsNullOrEmpty(TaskParameter) ? null : TaskParameter);
        (_dag, _chart, _loaded, _loadedFor) = (dag, chart, true, asked);
    }

    private void Show(int runs, string? task, string? run, string? instance) =>
        Navigation.NavigateTo(Navigation.GetUriWithQueryParameters(new Dictionary<string, object?>
        {
            ["runs"] = runs == DurationsQuery.DefaultRuns ? null : runs,
            ["task"] = string.IsNullOrEmpty(task) ? null : task,
            ["run"] = run,
            ["instance"] = run is null ? null : instance,
        }));

    /// <summary>The options are numbers; anything else could only come from a crafted event, and is ignored.</summary>
    private void ShowRuns(string value)
    {
        if (int.TryParse(value, CultureInfo.InvariantCulture, out var runs))
        {
            Show(runs, TaskParameter, null, null);
        }
    }

    private async Task AfterActionAsync()
    {
        await _live.ReloadAsync();
        _panelVersion++;
    }

    private List<DurationBars.Bar> RunBars()
    {
        if (_chart is not { } chart)
        {
            return [];
        }

        return chart.Runs.Select(run => new DurationBars.Bar(
                run.RunId, States.Name(run.State), Times.Date(run.Date, _dag?.Timezone), run.QueuedSeconds(chart.LoadedAt), run.RunSeconds(chart.LoadedAt),
                run.RunId == RunParameter && PanelTask is null, CanOpen: true,
                $"{States.Name(run.RunType)} run of {Times.Date(run.Date, _dag?.Timezone)}"))
            .ToList();
    }

    private List<DurationBars.Bar> TaskBars()
    {
        if (_chart is not { Task: { } task } chart)
        {
            return [];
        }

        return chart.Runs.Zip(chart.TaskDurations, (run, duration) => new DurationBars.Bar(
                run.RunId, duration is null ? "missing" : States.Name(duration.State), Times.Date(run.Date, _dag?.Timezone),
                duration?.QueuedSeconds(chart.LoadedAt), duration?.RunSeconds(chart.LoadedAt),
                run.RunId == RunParameter && PanelTask == task, CanOpen: duration is not null,
                duration is null ? $"{task} did not exist in this run" : $"{task}, try {duration.TryNumber}"))
            .ToList();
    }

    public void Dispose() => _live.Dispose();
}
