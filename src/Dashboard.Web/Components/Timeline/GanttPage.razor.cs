using System.Globalization;
using Dashboard.Core.Notifications;
using Dashboard.Core.Queries;
using Dashboard.Core.Queries.Timeline;
using Dashboard.Web.Components.Shared;
using Microsoft.AspNetCore.Components;

namespace Dashboard.Web.Components.Timeline;

/// <summary>
/// The Gantt of one run: a row per task, a bar per try. The tries are read through a
/// <see cref="LiveView"/> when the run changes; between reads, while a try is queued or running,
/// a one-second timer re-renders from what is loaded with a later "now", so its bar grows (the
/// stylesheet eases each step) without asking the database anything.
/// </summary>
public sealed partial class GanttPage
{
    /// <summary>How often a live bar is drawn again; the bar's width eases over the same second.</summary>
    public static readonly TimeSpan GrowthInterval = TimeSpan.FromSeconds(1);

    private DagHeader? _dag;
    private GanttChart? _chart;
    private bool _loaded;
    private (string DagId, string? RunId)? _loadedFor;
    private DateTimeOffset _now;
    private int _panelVersion;
    private HashSet<long> _knownRuns = [];
    private ITimer? _ticker;
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
        _now = chart?.LoadedAt ?? Time.GetUtcNow();
        Tick(chart?.HasLiveTries == true && RendererInfo.IsInteractive);
    }

    /// <summary>Runs the growth timer while something is live, and only then.</summary>
    private void Tick(bool live)
    {
        if (live && _ticker is null)
        {
            _ticker = Time.CreateTimer(_ => _ = InvokeAsync(Grow), null, GrowthInterval, GrowthInterval);
        }
        else if (!live && _ticker is not null)
        {
            _ticker.Dispose();
            _ticker = null;
        }
    }

    private void Grow()
    {
        if (_ticker is not null)
        {
            _now = Time.GetUtcNow();
            StateHasChanged();
        }
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

    private static string? GroupPrefix(GanttTask task) =>
        task.GroupId is { } group && !task.TaskId.StartsWith(group + ".", StringComparison.Ordinal) ? group : null;

    private string RunLabel(TimelineRun run) => $"{Times.Date(run.Date, _dag?.Timezone)} · {run.RunId}";

    private string RunSummary(TimelineRun run) => run.StartDate is { } start
        ? $"started {Times.Time(start, _dag?.Timezone)} · {(run.EndDate is null ? "running for" : "took")} {States.Duration(run.RunSeconds(_now))}"
        : "not started";

    private string AxisCaption(GanttAxis? axis) =>
        axis is null ? "Time" : $"{Times.Date(axis.Start, _dag?.Timezone)[..10]} · {Times.ZoneName(_dag?.Timezone)}";

    /// <summary>Seconds while ticks are seconds apart, minutes while they are minutes or hours apart, dates beyond.</summary>
    private string TickLabel(DateTimeOffset tick, TimeSpan step)
    {
        var zone = _dag?.Timezone;
        return step >= TimeSpan.FromDays(1) ? Times.Date(tick, zone)[..10]
            : step >= TimeSpan.FromMinutes(1) ? Times.TimeOfDay(tick, zone)[..5]
            : Times.TimeOfDay(tick, zone)[..8];
    }

    private static string BarClass(GanttBar bar) =>
        $"gantt-bar state-{States.Name(bar.Try.State)}{(bar.Try.TryNumber > 1 ? " retry" : "")}{(bar.Try.IsLive ? " live" : "")}";

    private static string BarStyle(GanttBar bar) => $"left:{Css(bar.Left)}%;width:{Css(bar.Width)}%";

    private static string Left(double percent) => $"left:{Css(percent)}%";

    private static string Css(double value) => value.ToString("0.###", CultureInfo.InvariantCulture);

    private string Tooltip(GanttTask task, GanttTry attempt)
    {
        var zone = _dag?.Timezone;
        var queued = attempt.QueuedSeconds(_now);
        return string.Join('\n', new[]
        {
            task.TaskId,
            attempt.TryNumber == 0 ? "Did not run" : $"Try {attempt.TryNumber}",
            $"State: {States.Label(attempt.State)}",
            attempt.QueuedAt is { } at ? $"Queued: {Times.Time(at, zone)}" : "",
            attempt.StartDate is { } start ? $"Started: {Times.Time(start, zone)}" : "",
            attempt.EndDate is { } end ? $"Ended: {Times.Time(end, zone)}" : attempt.IsLive ? "Ended: not yet" : "",
            attempt.RunSeconds(_now) is { } seconds ? $"Duration: {States.Duration(seconds)}" : "",
            queued is > 0 ? $"Waited in the queue: {States.Duration(queued)}" : "",
        }.Where(line => line.Length > 0));
    }

    public void Dispose()
    {
        _live.Dispose();
        _ticker?.Dispose();
    }
}
