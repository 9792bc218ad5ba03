using System.Globalization;
using Dashboard.Core.Queries.Timeline;
using Dashboard.Web.Components.Shared;
using Microsoft.AspNetCore.Components;

namespace Dashboard.Web.Components.Timeline;

public sealed partial class GanttChartView
{
    /// <summary>How often a live bar is drawn again; the bar's width eases over the same second.</summary>
    public static readonly TimeSpan GrowthInterval = TimeSpan.FromSeconds(1);

    private GanttChart? _shown;
    private DateTimeOffset _now;
    private ITimer? _ticker;

    [CascadingParameter]
    private TimeDisplay Times { get; set; } = TimeDisplay.Utc;

    /// <summary>The run to draw, as the page last read it.</summary>
    [Parameter, EditorRequired]
    public GanttChart Chart { get; set; } = null!;

    /// <summary>The DAG's time zone, for times shown in it.</summary>
    [Parameter]
    public string? DagZone { get; set; }

    /// <summary>The task whose row is highlighted (its panel is open).</summary>
    [Parameter]
    public string? SelectedTask { get; set; }

    /// <summary>Called with a task id when one of its bars is clicked (or Enter is pressed on it).</summary>
    [Parameter]
    public EventCallback<string> OnOpen { get; set; }

    protected override void OnParametersSet()
    {
        if (!ReferenceEquals(Chart, _shown))
        {
            // A fresh read: "now" is when it was read, and the timer runs while something in it is live.
            (_shown, _now) = (Chart, Chart.LoadedAt);
            Tick(Chart.HasLiveTries && RendererInfo.IsInteractive);
        }
    }

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

    private static string? GroupPrefix(GanttTask task) =>
        task.GroupId is { } group && !task.TaskId.StartsWith(group + ".", StringComparison.Ordinal) ? group : null;

    private string AxisCaption(GanttAxis? axis) =>
        axis is null ? "Time" : $"{Times.Date(axis.Start, DagZone)[..10]} · {Times.ZoneName(DagZone)}";

    /// <summary>Seconds while ticks are seconds apart, minutes while they are minutes or hours apart, dates beyond.</summary>
    private string TickLabel(DateTimeOffset tick, TimeSpan step) =>
        step >= TimeSpan.FromDays(1) ? Times.Date(tick, DagZone)[..10]
        : step >= TimeSpan.FromMinutes(1) ? Times.TimeOfDay(tick, DagZone)[..5]
        : Times.TimeOfDay(tick, DagZone)[..8];

    private static string BarClass(GanttBar bar) =>
        $"gantt-bar state-{States.Name(bar.Try.State)}{(bar.Try.TryNumber > 1 ? " retry" : "")}{(bar.Try.IsLive ? " live" : "")}";

    private static string BarStyle(GanttBar bar) => $"left:{Css(bar.Left)}%;width:{Css(bar.Width)}%";

    private static string Left(double percent) => $"left:{Css(percent)}%";

    private static string Css(double value) => value.ToString("0.###", CultureInfo.InvariantCulture);

    private string Tooltip(GanttTask task, GanttTry attempt)
    {
        var queued = attempt.QueuedSeconds(_now);
        return string.Join('\n', new[]
        {
            task.TaskId,
            attempt.TryNumber == 0 ? "Did not run" : $"Try {attempt.TryNumber}",
            $"State: {States.Label(attempt.State)}",
            attempt.QueuedAt is { } at ? $"Queued: {Times.Time(at, DagZone)}" : "",
            attempt.StartDate is { } start ? $"Started: {Times.Time(start, DagZone)}" : "",
            attempt.EndDate is { } end ? $"Ended: {Times.Time(end, DagZone)}" : attempt.IsLive ? "Ended: not yet" : "",
            attempt.RunSeconds(_now) is { } seconds ? $"Duration: {States.Duration(seconds)}" : "",
            queued is > 0 ? $"Waited in the queue: {States.Duration(queued)}" : "",
        }.Where(line => line.Length > 0));
    }

    public void Dispose() => _ticker?.Dispose();
}
