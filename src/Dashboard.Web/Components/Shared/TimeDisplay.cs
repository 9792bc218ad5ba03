using System.Collections.Concurrent;
using System.Globalization;

namespace Dashboard.Web.Components.Shared;

/// <summary>
/// How a person chose to read times: in UTC, or in the time zone of the DAG a time belongs to.
/// Every time on a page is formatted here, as ISO 8601 (yyyy-MM-dd HH:mm:ss); a time shown in a
/// DAG's zone carries its UTC offset, so a DST change never makes two moments look alike. Times
/// that belong to no DAG (the audit log, users) stay in UTC. The layout cascades the choice to
/// every page and dialog.
/// </summary>
public sealed record TimeDisplay(bool InDagZone)
{
    public const string UtcName = "UTC";

    /// <summary>The name of the cascading value a DAG's pages give its time zone under.</summary>
    public const string DagZoneName = "DagZone";

    public static readonly TimeDisplay Utc = new(false);

    public static readonly TimeDisplay DagZone = new(true);

    private static readonly ConcurrentDictionary<string, TimeZoneInfo?> Zones = new();

    /// <summary>To the second: when something happened.</summary>
    public string Time(DateTimeOffset? at, string? dagZone = null) => Format(at, dagZone, "yyyy-MM-dd HH:mm:ss");

    /// <summary>To the minute, for dates that fall on schedule boundaries (logical dates, next runs).</summary>
    public string Minute(DateTimeOffset? at, string? dagZone = null) => Format(at, dagZone, "yyyy-MM-dd HH:mm");

    /// <summary>The date alone, or the date and minute when the moment is not at midnight (a run header).</summary>
    public string Date(DateTimeOffset at, string? dagZone = null)
    {
        var local = Local(at, dagZone);
        return local.ToString(local.TimeOfDay == TimeSpan.Zero ? "yyyy-MM-dd" : "yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);
    }

    /// <summary>The time of day to the millisecond, for log lines (their try's date is shown beside them).</summary>
    public string TimeOfDay(DateTimeOffset at, string? dagZone = null) =>
        Local(at, dagZone).ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture);

    /// <summary>What labels say the times are in: "UTC" or the DAG's zone, e.g. "Europe/Amsterdam".</summary>
    public string ZoneName(string? dagZone = null) => ShownZone(dagZone)?.Id ?? UtcName;

    private string Format(DateTimeOffset? at, string? dagZone, string format)
    {
        if (at is not { } moment)
        {
            return "";
        }

        var local = Local(moment, dagZone);
        var text = local.ToString(format, CultureInfo.InvariantCulture);
        return ShownZone(dagZone) is null ? text : $"{text} {Offset(local.Offset)}";
    }

    private DateTimeOffset Local(DateTimeOffset at, string? dagZone) =>
        ShownZone(dagZone) is { } zone ? TimeZoneInfo.ConvertTime(at, zone) : at.ToUniversalTime();

    /// <summary>The zone times are converted to, or null for UTC (the choice, or a zone this machine does not know).</summary>
    private TimeZoneInfo? ShownZone(string? dagZone) =>
        InDagZone && dagZone is { Length: > 0 } name && name != UtcName
            ? Zones.GetOrAdd(name, static id => TimeZoneInfo.TryFindSystemTimeZoneById(id, out var zone) && !IsUtc(zone) ? zone : null)
            : null;

    private static bool IsUtc(TimeZoneInfo zone) => zone.BaseUtcOffset == TimeSpan.Zero && !zone.SupportsDaylightSavingTime;

    private static string Offset(TimeSpan offset) =>
        (offset < TimeSpan.Zero ? "-" : "+") + offset.Duration().ToString(@"hh\:mm", CultureInfo.InvariantCulture);
}
