namespace Dashboard.Core.Queries.Timeline;

/// <summary>The time axis of a Gantt: where its ticks fall, and where any moment sits on it, in percent of its width.</summary>
public sealed record GanttAxis(DateTimeOffset Start, DateTimeOffset End, TimeSpan Step, IReadOnlyList<DateTimeOffset> Ticks)
{
    public double Percent(DateTimeOffset at) => Math.Clamp((at - Start) / (End - Start) * 100, 0, 100);
}

/// <summary>One try's bar: from <see cref="Left"/> over <see cref="Width"/> (percent of the axis), the first <see cref="QueuedShare"/> of it queued.</summary>
public sealed record GanttBar(GanttTry Try, double Left, double Width, double QueuedShare);

/// <summary>
/// Places a run's tries on a time axis at a given "now". While a try is live the axis is a round
/// length (1, 2, 5, 10, 15, 30 min...) with some headroom past now, so a running bar grows towards
/// the right edge and the axis (and every other bar) rescales only when that length is outgrown,
/// about when the run's age doubles, not every second. A finished run's axis fits it to the next tick.
/// </summary>
public static class GanttLayout
{
    public const double Headroom = 1.1;

    /// <returns>Null when no try of the run has a time yet.</returns>
    public static GanttAxis? Axis(GanttChart chart, DateTimeOffset now)
    {
        var tries = chart.Tries.Where(t => t.From is not null).ToList();
        if (tries.Count == 0)
        {
            return null;
        }

        var start = tries.Min(t => t.From!.Value);
        var end = tries.Max(t => t.To(now)!.Value);
        var span = end - start < TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : end - start;
        var length = tries.Any(t => t.IsLive) ? TimeScale.Round(span * Headroom) : TimeScale.RoundUp(span, TimeScale.Step(span));
        var step = TimeScale.Step(length);
        return new GanttAxis(start, start + length, step, TimeScale.Moments(start, start + length, step));
    }

    /// <summary>The bars of a task's tries that have times, oldest try first.</summary>
    public static IReadOnlyList<GanttBar> Bars(GanttAxis axis, GanttTask task, DateTimeOffset now)
    {
        var bars = new List<GanttBar>(task.Tries.Count);
        foreach (var attempt in task.Tries)
        {
            if (attempt.From is not { } from || attempt.To(now) is not { } to)
            {
                continue;
            }

            var total = (to - from).Ticks;
            var queued = attempt.StartDate is { } start ? (start - from).Ticks : total;
            var left = axis.Percent(from);
            bars.Add(new GanttBar(attempt, left, Math.Max(0, axis.Percent(to) - left), total <= 0 ? 0 : Math.Clamp((double)queued / total, 0, 1)));
        }

        return bars;
    }
}
