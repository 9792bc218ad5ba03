using NCrontab;

namespace Dashboard.Core.Domain.Timetables;

/// <summary>
/// The boundaries of a cron expression as instants: the expression matches wall-clock time in a zone,
/// and each match becomes the instant <see cref="WallClock.ToUtc"/> gives it.
/// </summary>
internal sealed class ZonedCron(CrontabSchedule cron, TimeZoneInfo zone)
{
    private static readonly TimeSpan Tick = TimeSpan.FromTicks(1);

    /// <summary>The first boundary strictly after <paramref name="instant"/>.</summary>
    public DateTimeOffset After(DateTimeOffset instant)
    {
        var wallClock = WallClock.Of(instant, zone);
        while (true)
        {
            wallClock = cron.GetNextOccurrence(wallClock);
            var boundary = WallClock.ToUtc(wallClock, zone);

            // During the repeated hour after clocks go back, matches map to their first showing, which is past.
            if (boundary > instant)
            {
                return boundary;
            }
        }
    }

    public DateTimeOffset AtOrAfter(DateTimeOffset instant) => After(instant - Tick);

    /// <summary>The last boundary at or before <paramref name="instant"/>.</summary>
    public DateTimeOffset AtOrBefore(DateTimeOffset instant)
    {
        // Cron only searches forwards: widen a look-back until it holds a boundary, then bisect to the last one.
        var lookBack = TimeSpan.FromMinutes(1);
        while (After(instant - lookBack) > instant)
        {
            lookBack *= 2;
        }

        // Invariant: After(low) <= instant < After(high).
        var (low, high) = (instant - lookBack, instant);
        while (high - low > Tick)
        {
            var middle = low + (high - low) / 2;
            if (After(middle) <= instant)
            {
                low = middle;
            }
            else
            {
                high = middle;
            }
        }

        return After(low);
    }

    public DateTimeOffset Before(DateTimeOffset instant) => AtOrBefore(instant - Tick);
}
