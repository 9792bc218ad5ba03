namespace Dashboard.Core.Queries.Timeline;

/// <summary>
/// Round steps for an axis of times or durations (1 s, 5 s, 1 min, 15 min, 1 h, 1 d, ...), so
/// ticks fall on moments and lengths a person reads at a glance.
/// </summary>
public static class TimeScale
{
    private static readonly TimeSpan[] Steps =
    [
        .. new[] { 1, 2, 5, 10, 15, 30 }.Select(s => TimeSpan.FromSeconds(s)),
        .. new[] { 1, 2, 5, 10, 15, 30 }.Select(m => TimeSpan.FromMinutes(m)),
        .. new[] { 1, 2, 3, 6, 12 }.Select(h => TimeSpan.FromHours(h)),
        .. new[] { 1, 2, 7, 14, 28 }.Select(d => TimeSpan.FromDays(d)),
    ];

    /// <summary>The smallest round step that covers <paramref name="span"/> in at most <paramref name="maxTicks"/> steps.</summary>
    public static TimeSpan Step(TimeSpan span, int maxTicks = 8)
    {
        foreach (var step in Steps)
        {
            if (span.Ticks <= step.Ticks * maxTicks)
            {
                return step;
            }
        }

        var days = (long)Math.Ceiling(span.TotalDays / maxTicks);
        return TimeSpan.FromDays(days);
    }

    /// <summary>The smallest round length (one of the steps) that holds <paramref name="span"/>; whole days beyond the longest.</summary>
    public static TimeSpan Round(TimeSpan span)
    {
        foreach (var step in Steps)
        {
            if (span <= step)
            {
                return step;
            }
        }

        return TimeSpan.FromDays(Math.Ceiling(span.TotalDays));
    }

    /// <summary><paramref name="span"/> rounded up to a whole number of <paramref name="step"/>s (at least one).</summary>
    public static TimeSpan RoundUp(TimeSpan span, TimeSpan step) =>
        TimeSpan.FromTicks(Math.Max(1, (span.Ticks + step.Ticks - 1) / step.Ticks) * step.Ticks);

    /// <summary>The moments in [<paramref name="from"/>, <paramref name="to"/>] that are whole multiples of <paramref name="step"/> (in UTC).</summary>
    public static IReadOnlyList<DateTimeOffset> Moments(DateTimeOffset from, DateTimeOffset to, TimeSpan step)
    {
        var first = (from.UtcTicks + step.Ticks - 1) / step.Ticks * step.Ticks;
        var moments = new List<DateTimeOffset>();
        for (var tick = first; tick <= to.UtcTicks; tick += step.Ticks)
        {
            moments.Add(new DateTimeOffset(tick, TimeSpan.Zero));
        }

        return moments;
    }
}
