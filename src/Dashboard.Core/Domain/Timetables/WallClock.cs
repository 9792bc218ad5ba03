namespace Dashboard.Core.Domain.Timetables;

/// <summary>Converts between instants and the wall-clock time of a time zone, settling DST the way schedules need.</summary>
public static class WallClock
{
    public static DateTime Of(DateTimeOffset instant, TimeZoneInfo zone) => TimeZoneInfo.ConvertTime(instant, zone).DateTime;

    /// <summary>
    /// The instant (in UTC) at which <paramref name="zone"/>'s clocks show <paramref name="wallClock"/>. A time
    /// skipped when clocks spring forward maps to the moment they jump; a time shown twice when they fall back
    /// maps to its first, earlier showing.
    /// </summary>
    public static DateTimeOffset ToUtc(DateTime wallClock, TimeZoneInfo zone)
    {
        wallClock = DateTime.SpecifyKind(wallClock, DateTimeKind.Unspecified);
        if (zone.IsAmbiguousTime(wallClock))
        {
            // The larger offset is the one in force before clocks go back.
            return new DateTimeOffset(wallClock, zone.GetAmbiguousTimeOffsets(wallClock).Max()).ToUniversalTime();
        }

        if (zone.IsInvalidTime(wallClock))
        {
            wallClock = EndOfGap(wallClock, zone);
        }

        return new DateTimeOffset(wallClock, zone.GetUtcOffset(wallClock)).ToUniversalTime();
    }

    // Clocks have jumped on whole minutes in every zone since the 1970s, so the gap ends on one.
    private static DateTime EndOfGap(DateTime skipped, TimeZoneInfo zone)
    {
        var minute = skipped.AddTicks(-(skipped.Ticks % TimeSpan.TicksPerMinute));
        while (zone.IsInvalidTime(minute))
        {
            minute = minute.AddMinutes(1);
        }

        return minute;
    }
}
