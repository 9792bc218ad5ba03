using NCrontab;

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

        var cron = CrontabSchedule.TryParse(expression)
            ?? throw new ArgumentException(
                $"'{schedule}' is not a valid cron expression (5 fields: minute hour day-of-month month day-of-week)", nameof(schedule));

        // The calendar repeats every 400 years, so an expression silent for that long (30 February) never fires.
        var end = new DateTime(2401, 1, 1);
        if (cron.GetNextOccurrence(new DateTime(2000, 1, 1), end) == end)
        {
            throw new ArgumentException($"cron expression '{expression}' never fires", nameof(schedule));
        }

        var name = expression == schedule ? $"cron {expression}" : $"{schedule} (cron {expression})";
        return new CronTimetable(new ZonedCron(cron, zone), $"{name} in {zone.Id}");
    }

    public override DataInterval? NextAutomatedInterval(
        DataInterval? lastAutomated, DateTimeOffset? startDate, DateTimeOffset? endDate, bool catchup, DateTimeOffset now)
    {
        var earliest = _boundaries.AtOrAfter(startDate ?? now);
        var start = lastAutomated is { } last ? Later(StartAfter(last), earliest) : earliest;
        if (!catchup)
        {
            start = Later(start, LatestCompletedStart(now));
        }

        return start > endDate ? null : IntervalFrom(start);
    }

    public override DataInterval InferManualInterval(DateTimeOffset logicalDate) => IntervalFrom(_boundaries.AtOrBefore(logicalDate));

    public override DataInterval? Following(DataInterval interval) => IntervalFrom(StartAfter(interval));

    public override IEnumerable<DataInterval> CompletedIntervalsBetween(
        DateTimeOffset from, DateTimeOffset to, DateTimeOffset? startDate, DateTimeOffset? endDate, DateTimeOffset now)
    {
        var start = _boundaries.AtOrAfter(startDate is { } first ? Later(from, first) : from);
        var lastStart = endDate < to ? endDate.Value : to;
        while (start <= lastStart)
        {
            var interval = IntervalFrom(start);
            if (interval.End > now)
            {
                yield break;
            }

            yield return interval;
            start = interval.End;
        }
    }

    private DataInterval IntervalFrom(DateTimeOffset start) => new(start, _boundaries.After(start));

    // Aligned down, as Airflow does, so a run created under an earlier schedule still leads onto this one's boundaries.
    private DateTimeOffset StartAfter(DataInterval interval) => _boundaries.AtOrBefore(interval.End);

    private DateTimeOffset LatestCompletedStart(DateTimeOffset now) => _boundaries.Before(_boundaries.AtOrBefore(now));

    private static DateTimeOffset Later(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;
}
