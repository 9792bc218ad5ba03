namespace Dashboard.Core.Domain.Timetables;

/// <summary>
/// When a DAG runs and which data interval each run covers, as Airflow's interval-based timetables
/// do it. Every instant it returns is in UTC.
/// </summary>
public abstract class Timetable
{
    /// <summary>
    /// The years a DAG's dates may fall in: wide enough for any pipeline, and narrow enough that every
    /// boundary and interval around them can be computed (PostgreSQL stores year 1 as -infinity).
    /// </summary>
    public const int EarliestYear = 1900;

    /// <inheritdoc cref="EarliestYear"/>
    public const int LatestYear = 2200;

    /// <summary>
    /// The timetable of a DAG's <c>schedule</c> (a preset, <c>@once</c>, a cron expression, or null
    /// for manual runs only), evaluated in the IANA time zone <paramref name="timezone"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The schedule or the time zone is not valid.</exception>
    public static Timetable For(string? schedule, string timezone)
    {
        if (!TimeZoneInfo.TryFindSystemTimeZoneById(timezone, out var zone))
        {
            throw new ArgumentException($"unknown time zone '{timezone}'; use an IANA name such as Europe/Berlin", nameof(timezone));
        }

        return schedule switch
        {
            null => new ManualOnlyTimetable(),
            OnceTimetable.Schedule => new OnceTimetable(),
            _ => CronTimetable.Parse(schedule, zone),
        };
    }

    /// <summary>Whether runs repeat on a schedule (cron and presets other than <c>@once</c>).</summary>
    public abstract bool IsPeriodic { get; }

    public abstract string Description { get; }

    /// <summary>
    /// The interval automatic scheduling should create next, given the interval of the last run it
    /// created; it may not have ended yet, and the caller creates the run only once it has. Null when
    /// nothing more is ever due.
    /// </summary>
    public abstract DataInterval? NextAutomatedInterval(
        DataInterval? lastAutomated, DateTimeOffset? startDate, DateTimeOffset? endDate, bool catchup, DateTimeOffset now);

    /// <summary>
    /// The latest interval that has ended by <paramref name="now"/>: the one the scheduler runs when
    /// it does not catch up, and so the one "run the latest period now" means. Null when runs do not
    /// repeat, when none has ended since the start date, and once the end date is past.
    /// </summary>
    public DataInterval? LatestCompletedInterval(DateTimeOffset? startDate, DateTimeOffset? endDate, DateTimeOffset now) =>
        IsPeriodic && NextAutomatedInterval(null, startDate, endDate, catchup: false, now) is { } latest && latest.End <= now ? latest : null;

    /// <summary>The interval a manual run with this logical date covers.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The date is so far out that the schedule has no interval around it.</exception>
    public abstract DataInterval InferManualInterval(DateTimeOffset logicalDate);

    /// <summary>The interval right after <paramref name="interval"/>; null when runs do not repeat.</summary>
    public abstract DataInterval? Following(DataInterval interval);

    /// <summary>
    /// Every interval that has ended by <paramref name="now"/> and starts within [<paramref name="from"/>,
    /// <paramref name="to"/>] and within the DAG's start and end dates, oldest first: what a backfill runs.
    /// </summary>
    public abstract IEnumerable<DataInterval> CompletedIntervalsBetween(
        DateTimeOffset from, DateTimeOffset to, DateTimeOffset? startDate, DateTimeOffset? endDate, DateTimeOffset now);
}
