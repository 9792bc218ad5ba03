using Dashboard.Core.Domain;
using Dashboard.Core.Domain.Timetables;
using Dashboard.Core.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Dashboard.Core.Queries.Calendar;

/// <summary>
/// The Calendar tab's read side: a DAG's runs counted per day (or per hour, for schedules that run
/// several times a day) in its own time zone, and the intervals its timetable expected between its
/// start date and now (within its end date) that have no run: what a backfill would create.
/// </summary>
public sealed class CalendarQuery(IDbContextFactory<DashboardDbContext> dbFactory, TimeProvider clock)
{
    /// <summary>Intervals sampled to tell a daily schedule from a faster one.</summary>
    private const int SampledIntervals = 48;

    /// <summary>A cell's counts: one column per <see cref="DagRunState"/> (its value), then the missing intervals.</summary>
    private const int MissingColumn = 4;

    /// <summary>
    /// Shorter than any day (a day loses an hour when clocks spring forward), so a daily schedule is
    /// never taken for a faster one.
    /// </summary>
    private static readonly TimeSpan ShortestDay = TimeSpan.FromHours(23);

    /// <param name="month">For an hourly calendar, the month (1-12) shown; null: the current month this year, else January.</param>
    /// <returns>Null when there is no such DAG.</returns>
    public async Task<RunCalendar?> LoadAsync(string dagId, int year, int? month = null, CancellationToken ct = default)
    {
        year = Math.Clamp(year, Timetable.EarliestYear, Timetable.LatestYear - 1);
        var now = clock.GetUtcNow();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var dag = await db.Dags.AsNoTracking().Where(d => d.DagId == dagId)
            .Select(d => new { d.Schedule, d.Timezone, d.StartDate, d.EndDate })
            .SingleOrDefaultAsync(ct);
        if (dag is null)
        {
            return null;
        }

        var zone = TimeZoneInfo.TryFindSystemTimeZoneById(dag.Timezone, out var found) ? found : TimeZoneInfo.Utc;
        var timetable = NextRuns.TimetableFor(dag.Schedule, dag.Timezone);
        var scheduled = timetable is { IsPeriodic: true };
        var scale = scheduled && RunsSeveralTimesADay(timetable!, now) ? CalendarScale.Hours : CalendarScale.Days;
        var today = DateOnly.FromDateTime(WallClock.Of(now, zone));
        int? shownMonth = scale == CalendarScale.Hours ? Math.Clamp(month ?? (year == today.Year ? today.Month : 1), 1, 12) : null;
        var firstDay = new DateOnly(year, shownMonth ?? 1, 1);
        var endDay = shownMonth is null ? firstDay.AddYears(1) : firstDay.AddMonths(1);
        var (from, to) = (Midnight(firstDay, zone), Midnight(endDay, zone));

        var runs = await RunsBetween(db, dagId, from, to)
            .Select(r => new { r.LogicalDate, r.RunAfter, r.State })
            .ToListAsync(ct);
        var taken = runs.Where(r => r.LogicalDate is not null).Select(r => r.LogicalDate!.Value.UtcTicks).ToHashSet();
        var expected = scheduled && dag.StartDate is not null
            ? timetable!.CompletedIntervalsBetween(from, to.AddTicks(-1), dag.StartDate, dag.EndDate, now).Where(i => i.Start < to)
            : [];

        var counts = new Dictionary<(DateOnly Day, int? Hour), int[]>();
        int[] Counts(DateTimeOffset instant)
        {
            var local = WallClock.Of(instant, zone);
            var key = (DateOnly.FromDateTime(local), scale == CalendarScale.Hours ? local.Hour : (int?)null);
            return counts.TryGetValue(key, out var row) ? row : counts[key] = new int[5];
        }

        foreach (var run in runs)
        {
            Counts(run.LogicalDate ?? run.RunAfter)[(int)run.State]++;
        }

        foreach (var interval in expected.Where(i => !taken.Contains(i.Start.UtcTicks)))
        {
            Counts(interval.Start)[MissingColumn]++;
        }

        var cells = new List<CalendarCell>();
        for (var day = firstDay; day < endDay; day = day.AddDays(1))
        {
            if (scale == CalendarScale.Days)
            {
                cells.Add(Cell(day, null, Midnight(day, zone), Midnight(day.AddDays(1), zone), counts));
                continue;
            }

            for (var hour = 0; hour < 24; hour++)
            {
                var start = WallClock.ToUtc(day.ToDateTime(new TimeOnly(hour, 0)), zone);
                var end = hour == 23 ? Midnight(day.AddDays(1), zone) : WallClock.ToUtc(day.ToDateTime(new TimeOnly(hour + 1, 0)), zone);
                cells.Add(Cell(day, hour, start, end, counts));
            }
        }

        return new RunCalendar(dagId, zone.Id, scale, scheduled, year, shownMonth, today, cells);
    }

    /// <summary>The runs of one cell (its [<paramref name="from"/>, <paramref name="to"/>) in UTC), oldest first: the list a click on a busy day opens.</summary>
    public async Task<IReadOnlyList<CalendarRun>> RunsAsync(string dagId, DateTimeOffset from, DateTimeOffset to, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var runs = await RunsBetween(db, dagId, from, to)
            .Select(r => new CalendarRun(r.RunId, r.RunType, r.State, r.LogicalDate ?? r.RunAfter))
            .ToListAsync(ct);
        return [.. runs.OrderBy(r => r.Date).ThenBy(r => r.RunId, StringComparer.Ordinal)];
    }

    /// <summary>
    /// The runs whose logical date (run_after for a run without one) is in [<paramref name="from"/>,
    /// <paramref name="to"/>): through ux_dag_run_dag_logical_date and ix_dag_run_dag_run_after.
    /// </summary>
    private static IQueryable<DagRun> RunsBetween(DashboardDbContext db, string dagId, DateTimeOffset from, DateTimeOffset to) =>
        db.DagRuns.AsNoTracking().Where(r => r.DagId == dagId
            && ((r.LogicalDate >= from && r.LogicalDate < to) || (r.LogicalDate == null && r.RunAfter >= from && r.RunAfter < to)));

    private static CalendarCell Cell(DateOnly day, int? hour, DateTimeOffset start, DateTimeOffset end, Dictionary<(DateOnly, int?), int[]> counts)
    {
        var c = counts.GetValueOrDefault((day, hour)) ?? new int[5];
        return new CalendarCell(day, hour, start, end,
            c[(int)DagRunState.Queued], c[(int)DagRunState.Running], c[(int)DagRunState.Success], c[(int)DagRunState.Failed], c[MissingColumn]);
    }

    private static DateTimeOffset Midnight(DateOnly day, TimeZoneInfo zone) => WallClock.ToUtc(day.ToDateTime(TimeOnly.MinValue), zone);

    /// <summary>Whether some interval of the schedule is shorter than a day: then a day holds several runs, and the calendar shows hours.</summary>
    private static bool RunsSeveralTimesADay(Timetable timetable, DateTimeOffset now)
    {
        try
        {
            DataInterval? interval = timetable.InferManualInterval(now);
            for (var i = 0; i < SampledIntervals && interval is { } current; i++)
            {
                if (current.End - current.Start < ShortestDay)
                {
                    return true;
                }

                interval = timetable.Following(current);
            }

            return false;
        }
        catch (ArgumentOutOfRangeException)
        {
            return false;
        }
    }
}
