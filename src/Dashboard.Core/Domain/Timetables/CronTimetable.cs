using Cronos;

namespace Dashboard.Core.Domain.Timetables;

/// <summary>
/// A cron expression or preset, as Airflow's CronDataIntervalTimetable: each run covers the interval
/// between two consecutive boundaries and may start when it ends.
/// </summary>
internal sealed class CronTimetable : Timetable
{
    private static readonly Dictionary<string, string> Presets = new(StringComparer.Ordinal)
    {
        ["@hourly"] = "0 * * * *",
        ["@daily"] = "0 0 * * *",
        ["@weekly"] = "0 0 * * 0",
        ["@monthly"] = "0 0 1 * *",
        ["@yearly"] = "0 0 1 1 *",
    };

    private readonly ZonedCron _boundaries;

    private CronTimetable(ZonedCron boundaries, string description)
    {
        _boundaries = boundaries;
        Description = description;
    }

    public override bool IsPeriodic => true;

    public override string Description { get; }

    public static CronTimetable Parse(string schedule, TimeZoneInfo zone)
    {
        var expression = schedule;
        if (schedule.StartsWith('@') && !Presets.TryGetValue(schedule, out expression))
        {
            throw new ArgumentException(
                $"unknown schedule preset '{schedule}'; use one of {string.Join(", ", Presets.Keys)}, {OnceTimetable.Schedule}, a cron expression, or null",
                nameof(schedule));
        }

        if (!CronExpression.TryParse(expression, CronFormat.Standard, out var cron))
        {
            throw new ArgumentException(
                $"'{schedule}' is not a valid cron expression (5 fields: minute hour day-of-month month day-of-week)", nameof(schedule));
        }

        // The calendar repeats every 400 years, so an expression silent for that long (30 February) never fires.
        var start = new DateTime(2000, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        if (cron.GetNextOccurrence(start) is not { } first || first >= start.AddYears(400))
        {
            throw new ArgumentException($"cron expression '{expression}' never fires", nameof(schedule));
        }

        var name = expression == schedule ? $"cron {expression}" : $"{schedule} (cron {expression})";
        return new CronTimetable(new ZonedCron(cron, zone), $"{name} in {zone.Id}");
    }

    public override DataInterval? NextAutomatedInterval(
        DataInterval? lastAutomated, DateTimeOffset? startDate, DateTimeOffset? endDate, bool catchup, DateTimeOffset now)
    {
        if (_boundaries.AtOrAfter(startDate ?? now) is not { } earliest)
        {
            return null;
        }

        var start = earliest;
        if (lastAutomated is { } last)
        {
            if (StartAfter(last) is not { } following)
            {
                return null;
            }

            start = Later(following, earliest);
        }

        if (!catchup && LatestCompletedStart(now) is { } latest)
        {
            start = Later(start, latest);
        }

        return start > endDate ? null : IntervalFrom(start);
    }

    public override DataInterval InferManualInterval(DateTimeOffset logicalDate) =>
        _boundaries.AtOrBefore(logicalDate) is { } start && IntervalFrom(start) is { } interval
            ? interval
            : throw new ArgumentOutOfRangeException(nameof(logicalDate), logicalDate, $"{Description} has no interval around this date");

    public override DataInterval? Following(DataInterval interval) => StartAfter(interval) is { } start ? IntervalFrom(start) : null;

    public override IEnumerable<DataInterval> CompletedIntervalsBetween(
        DateTimeOffset from, DateTimeOffset to, DateTimeOffset? startDate, DateTimeOffset? endDate, DateTimeOffset now)
    {
        var start = _boundaries.AtOrAfter(startDate is { } first ? Later(from, first) : from);
        var lastStart = endDate < to ? endDate.Value : to;
        while (start <= lastStart && IntervalFrom(start.Value) is { } interval)
        {
            if (interval.End > now)
            {
                yield break;
            }

            yield return interval;
            start = interval.End;
        }
    }

    private DataInterval? IntervalFrom(DateTimeOffset start) => _boundaries.After(start) is { } end ? new DataInterval(start, end) : null;

    // Aligned down, as Airflow does, so a run created under an earlier schedule still leads onto this one's boundaries.
    private DateTimeOffset? StartAfter(DataInterval interval) => _boundaries.AtOrBefore(interval.End);

    private DateTimeOffset? LatestCompletedStart(DateTimeOffset now) => _boundaries.AtOrBefore(now) is { } current ? _boundaries.Before(current) : null;

    private static DateTimeOffset Later(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;
}
