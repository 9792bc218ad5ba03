using System.Collections.Concurrent;
using Dashboard.Core.Domain.Timetables;
using Dashboard.Core.Persistence;
using static Dashboard.Core.Persistence.DbCommands;

namespace Dashboard.Core.Queries;

/// <summary>
/// What the scheduler creates next for a DAG, as every page shows it (the DAG list, the Details
/// tab): the same timetable and the same "last automated run" the scheduler continues from.
/// </summary>
public static class NextRuns
{
    /// <summary>
    /// The interval the scheduler continues from (DagScheduler.CreateDueRunsAsync): the latest
    /// scheduled run's. <c>{0}</c> is the SQL expression of the DAG id.
    /// </summary>
    public const string LastAutomatedSql = """
        SELECT data_interval_start, data_interval_end FROM dag_run
        WHERE dag_id = {0} AND run_type = 'scheduled' AND data_interval_start IS NOT NULL
        ORDER BY logical_date DESC
        LIMIT 1
        """;

    private static readonly ConcurrentDictionary<(string? Schedule, string Timezone), Timetable?> Timetables = new();

    /// <summary>
    /// What the scheduler creates next, or null (shown as none) when the DAG's dates or schedule cannot
    /// give one: one DAG, whatever a database row holds, never takes a page down.
    /// </summary>
    public static DataInterval? Next(
        string? schedule, string timezone, DataInterval? lastAutomated, DateTimeOffset? startDate, DateTimeOffset? endDate, bool catchup, DateTimeOffset now)
    {
        try
        {
            return TimetableFor(schedule, timezone)?.NextAutomatedInterval(lastAutomated, startDate, endDate, catchup, now);
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    /// <summary>The interval of <paramref name="dagId"/>'s latest scheduled run, or null before its first.</summary>
    public static async Task<DataInterval?> LastAutomatedAsync(DashboardDbContext db, string dagId, CancellationToken ct)
    {
        var rows = await db.QueryAsync(string.Format(System.Globalization.CultureInfo.InvariantCulture, LastAutomatedSql, "@dag_id"),
            r => new DataInterval(r.GetFieldValue<DateTimeOffset>(0), r.GetFieldValue<DateTimeOffset>(1)), ct, P("dag_id", dagId));
        return rows.Count > 0 ? rows[0] : null;
    }

    /// <summary>
    /// The same timetable the scheduler builds, cached per schedule (DAGs share a handful). The DAG-file
    /// processor only stores schedules that parse, so null only guards against a time zone this machine lacks.
    /// </summary>
    public static Timetable? TimetableFor(string? schedule, string timezone) =>
        Timetables.GetOrAdd((schedule, timezone), key =>
        {
            try
            {
                return Timetable.For(key.Schedule, key.Timezone);
            }
            catch (ArgumentException)
            {
                return null;
            }
        });
}
