using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using Dashboard.Core.Domain.Timetables;

namespace Dashboard.Web.Cli;

/// <summary>
/// A date or date-time from the command line. With an offset (<c>Z</c>, <c>+02:00</c>) it is an
/// instant; without one it is wall-clock time in the DAG's time zone, as the dates of a DAG file
/// are, so <c>2024-01-01</c> is the logical date of a daily DAG's run for that day wherever it runs.
/// </summary>
internal sealed record CliDate(DateTime WallClockTime, TimeSpan? Offset)
{
    private static readonly string[] LocalFormats =
        ["yyyy-MM-dd", "yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd HH:mm", "yyyy-MM-dd HH:mm:ss"];

    private static readonly string[] OffsetFormats =
        ["yyyy-MM-dd'T'HH:mmK", "yyyy-MM-dd'T'HH:mm:ssK", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK", "yyyy-MM-dd HH:mmK", "yyyy-MM-dd HH:mm:ssK"];

    public static bool TryParse(string text, [NotNullWhen(true)] out CliDate? date)
    {
        if (DateTime.TryParseExact(text, LocalFormats, CultureInfo.InvariantCulture, DateTimeStyles.None, out var local))
        {
            date = new CliDate(local, null);
            return true;
        }

        if (DateTimeOffset.TryParseExact(text, OffsetFormats, CultureInfo.InvariantCulture, DateTimeStyles.None, out var instant))
        {
            date = new CliDate(instant.DateTime, instant.Offset);
            return true;
        }

        date = null;
        return false;
    }

    public DateTimeOffset In(TimeZoneInfo zone) => Offset is { } offset
        ? new DateTimeOffset(WallClockTime, offset).ToUniversalTime()
        : WallClock.ToUtc(WallClockTime, zone);
}
