using Dashboard.Core.Domain;
using Dashboard.Core.Queries.Timeline;

namespace Dashboard.Tests.Queries;

/// <summary>Where tries fall on the Gantt's axis, and how the axis leaves room for a running try.</summary>
public sealed class GanttLayoutTests
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 10, 0, 0, TimeSpan.Zero);

    private static GanttChart Chart(params GanttTry[] tries) =>
        new("dag", [], null, null, tries.GroupBy(t => t.TaskId).Select(g => new GanttTask(g.Key, null, g.Last().State, g.ToList())).ToList(), T0);

    [Fact]
    public void Finished_tries_fill_the_axis_with_round_ticks_and_the_queued_part_is_a_share_of_the_bar()
    {
        var chart = Chart(
            new GanttTry("a", 1, TaskInstanceState.Failed, T0, T0.AddMinutes(1), T0.AddMinutes(2), false),
            new GanttTry("a", 2, TaskInstanceState.Success, T0.AddMinutes(5), T0.AddMinutes(5), T0.AddMinutes(10), true));

        var axis = GanttLayout.Axis(chart, T0.AddHours(1))!;
        var bars = GanttLayout.Bars(axis, chart.Tasks[0], T0.AddHours(1));

        Assert.Equal((T0, T0.AddMinutes(10), TimeSpan.FromMinutes(2)), (axis.Start, axis.End, axis.Step));
        Assert.Equal(Enumerable.Range(0, 6).Select(i => T0.AddMinutes(2 * i)), axis.Ticks);
        Assert.Equal([(0, 20, 0.5), (50, 50, 0)], bars.Select(b => (Math.Round(b.Left), Math.Round(b.Width), b.QueuedShare)));
    }

    [Fact]
    public void A_running_try_ends_now_and_the_axis_keeps_headroom_that_changes_only_now_and_then()
    {
        var running = new GanttTry("a", 1, TaskInstanceState.Running, T0, T0.AddSeconds(10), null, true);
        var chart = Chart(running);

        var early = GanttLayout.Axis(chart, T0.AddSeconds(70))!;
        var later = GanttLayout.Axis(chart, T0.AddSeconds(71))!;
        var earlyBar = GanttLayout.Bars(early, chart.Tasks[0], T0.AddSeconds(70)).Single();
        var laterBar = GanttLayout.Bars(later, chart.Tasks[0], T0.AddSeconds(71)).Single();

        Assert.Equal(T0.AddMinutes(2), early.End); // 70 s and some headroom: the next round length
        Assert.Equal(early.End, later.End); // a second on, the axis has not moved...
        Assert.True(laterBar.Width > earlyBar.Width); // ...but the bar has grown
        Assert.Null(GanttLayout.Axis(Chart(new GanttTry("a", 1, TaskInstanceState.Scheduled, null, null, null, true)), T0));
    }

    [Fact]
    public void Steps_are_round_and_cover_the_span_in_a_few_ticks()
    {
        Assert.Equal(TimeSpan.FromSeconds(1), TimeScale.Step(TimeSpan.FromSeconds(5)));
        Assert.Equal(TimeSpan.FromSeconds(15), TimeScale.Step(TimeSpan.FromMinutes(2)));
        Assert.Equal(TimeSpan.FromMinutes(10), TimeScale.Step(TimeSpan.FromMinutes(75)));
        Assert.Equal(TimeSpan.FromHours(3), TimeScale.Step(TimeSpan.FromHours(20)));
        Assert.Equal(TimeSpan.FromMinutes(3), TimeScale.RoundUp(TimeSpan.FromSeconds(130), TimeSpan.FromMinutes(1)));
        Assert.Equal(TimeSpan.FromMinutes(5), TimeScale.Round(TimeSpan.FromSeconds(130)));
        Assert.Equal(TimeSpan.FromDays(40), TimeScale.Round(TimeSpan.FromDays(39.5)));
    }
}
