using Dashboard.Core.Domain;

namespace Dashboard.Core.Queries.Calendar;

/// <summary>What a calendar cell shows as its colour, strongest first: any failed run wins.</summary>
public enum CalendarOutcome
{
    /// <summary>No run, and none was expected.</summary>
    None,

    /// <summary>The schedule expected a run and there is none.</summary>
    Missing,
    Success,

    /// <summary>Queued or running, none failed.</summary>
    Running,
    Failed,
}

/// <summary>Whether a cell is one day (daily and slower schedules) or one hour of a day (faster ones).</summary>
public enum CalendarScale
{
    Days,
    Hours,
}

/// <summary>
/// One day, or one hour of a day, in the DAG's time zone: the runs whose logical date (run_after for
/// a run without one) falls in it, by state, and the intervals the schedule expected in it that have no run.
/// </summary>
/// <param name="Start">When the cell begins, in UTC: its local midnight (or hour) as the DAG's zone shows it.</param>
/// <param name="End">When the next cell begins; equal to <paramref name="Start"/> for an hour that clocks skip.</param>
public sealed record CalendarCell(
    DateOnly Day, int? Hour, DateTimeOffset Start, DateTimeOffset End, int Queued, int Running, int Success, int Failed, int Missing)
{
    public int Runs => Queued + Running + Success + Failed;

    public CalendarOutcome Outcome =>
        Failed > 0 ? CalendarOutcome.Failed
        : Queued + Running > 0 ? CalendarOutcome.Running
        : Success > 0 ? CalendarOutcome.Success
        : Missing > 0 ? CalendarOutcome.Missing
        : CalendarOutcome.None;

    /// <summary>The cell's key in URLs and data attributes: 2026-11-03, or 2026-11-03T14 for an hour.</summary>
    public string Key => Hour is { } hour ? $"{Day:yyyy-MM-dd}T{hour:00}" : $"{Day:yyyy-MM-dd}";
}

/// <summary>
/// A DAG's runs over one year (by day) or, for a schedule that runs several times a day, one month
/// (by hour), in the DAG's time zone, with the runs its schedule expected and that are missing.
/// </summary>
/// <param name="Month">The month shown at <see cref="CalendarScale.Hours"/>; null for a year of days.</param>
/// <param name="Scheduled">Whether the schedule repeats: only then can a date be missing or be backfilled.</param>
/// <param name="Today">Today in the DAG's time zone.</param>
/// <param name="Cells">Every day (or hour) of the period in order, with or without runs.</param>
public sealed record RunCalendar(
    string DagId, string Timezone, CalendarScale Scale, bool Scheduled, int Year, int? Month, DateOnly Today, IReadOnlyList<CalendarCell> Cells)
{
    public int Missing => Cells.Sum(c => c.Missing);

    public int Runs => Cells.Sum(c => c.Runs);
}

/// <summary>A run listed for a calendar cell holding several.</summary>
public sealed record CalendarRun(string RunId, DagRunType RunType, DagRunState State, DateTimeOffset Date);
