using Cronos;

namespace Dashboard.Core.Domain.Timetables;

/// <summary>
/// The boundaries of a cron expression as instants, evaluated by Cronos in the schedule's zone: a
/// wall-clock time skipped when clocks spring forward fires at the moment they jump, and a time
/// shown twice when they fall back fires at its first showing only, so an hourly interval spans
/// the repeated hour. Null means there is no such boundary within the dates a timetable computes.
/// </summary>
internal sealed class ZonedCron(CronExpression cron, TimeZoneInfo zone)
{
    private static readonly TimeSpan Tick = TimeSpan.FromTicks(1);

    // Far beyond what a DAG file may hold (1900-2200), and far enough from DateTime's own ends that
    // neither Cronos nor a zone's offset can step outside them.
    private static readonly DateTimeOffset Earliest = new(100, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Latest = new(9900, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>The first boundary strictly after <paramref name="instant"/>.</summary>
    public DateTimeOffset? After(DateTimeOffset instant)
    {
        if (!Computable(instant))
        {
            return null;
        }

        var from = instant;
        while (cron.GetNextOccurrence(from, zone, inclusive: false) is { } next)
        {
            if (!IsSecondShowing(next))
            {
                return Computable(next) ? next.ToUniversalTime() : null;
            }

            // Cronos fires interval expressions (every hour, every 15 minutes) again in the repeated hour.
            from = next;
        }

        return null;
    }

    public DateTimeOffset? AtOrAfter(DateTimeOffset instant) => Computable(instant) ? After(instant - Tick) : null;

    /// <summary>The last boundary at or before <paramref name="instant"/>.</summary>
    public DateTimeOffset? AtOrBefore(DateTimeOffset instant)
    {
        if (!Computable(instant))
        {
            return null;
        }

        // Cronos's previous occurrence is a hint: near a DST change it can be a second showing, or a
        // moment inside the skipped hour. The forward search settles it to a boundary this class gives.
        var hint = instant;
        while (Computable(hint) && cron.GetPreviousOccurrence(hint, zone, inclusive: true) is { } previous)
        {
            if (AtOrAfter(previous) is { } boundary && boundary <= instant)
            {
                while (After(boundary) is { } next && next <= instant)
                {
                    boundary = next;
                }

                return boundary;
            }

            hint = previous - Tick;
        }

        return null;
    }

    public DateTimeOffset? Before(DateTimeOffset instant) => Computable(instant) ? AtOrBefore(instant - Tick) : null;

    private static bool Computable(DateTimeOffset instant) => instant >= Earliest && instant <= Latest;

    /// <summary>A wall-clock time the zone shows twice, at its later showing (the smaller offset).</summary>
    private bool IsSecondShowing(DateTimeOffset occurrence)
    {
        var wallClock = occurrence.DateTime;
        return zone.IsAmbiguousTime(wallClock) && occurrence.Offset < zone.GetAmbiguousTimeOffsets(wallClock).Max();
    }
}
