using System.Globalization;
using Dashboard.Core.Domain;
using Dashboard.Core.Domain.Timetables;
using Dashboard.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using static Dashboard.Core.Persistence.DbCommands;

namespace Dashboard.Core.Queries;

/// <param name="NextRun">
/// The data interval the scheduler creates its next run for (the logical date is its start; the run
/// starts once it has ended), or null when nothing more is scheduled (manual only, @once done, past the end date).
/// </param>
/// <param name="FailedLast24Hours">Runs that ended failed in the last 24 hours.</param>
/// <param name="RecentRuns">The latest runs, oldest first.</param>
/// <param name="EditAccess">Who besides Admins may change it (its file's access_control); null when its role decides alone.</param>
public sealed record DagSummary(
    string DagId,
    string? Description,
    string? Schedule,
    string Timezone,
    IReadOnlyList<string> Tags,
    bool IsPaused,
    DataInterval? NextRun,
    int FailedLast24Hours,
    int RunningCount,
    IReadOnlyList<RunStateSummary> RecentRuns,
    IReadOnlyList<string>? EditAccess = null)
{
    /// <summary>Its latest run by run_after, if any.</summary>
    public RunStateSummary? LastRun => RecentRuns.Count > 0 ? RecentRuns[^1] : null;

    /// <summary>Its latest run (by run_after) failed: what "failing" means on the list and in the page title.</summary>
    public bool IsFailing => RecentRuns.Count > 0 && RecentRuns[^1].State == DagRunState.Failed;
}

/// <summary>A run as a coloured square: its id, state, logical date (or run_after when it has none) and when it ran.</summary>
public sealed record RunStateSummary(string RunId, DagRunState State, DateTimeOffset Date, DateTimeOffset? StartDate = null, DateTimeOffset? EndDate = null)
{
    /// <summary>How long it ran, or has been running by <paramref name="now"/>; null before it starts.</summary>
    public TimeSpan? Duration(DateTimeOffset now) => StartDate is { } start ? (EndDate ?? now) - start : null;
}

/// <summary>
/// The DAG list page's rows: every DAG with a file, in name order, with its latest runs and the
/// figures on-call staff scan for. Two statements for the whole list, however many DAGs.
/// </summary>
public sealed class DagListQuery(IDbContextFactory<DashboardDbContext> dbFactory, TimeProvider clock)
{
    public const int RecentRunCount = 5;

    public static readonly TimeSpan FailedRunWindow = TimeSpan.FromHours(24);

    public async Task<IReadOnlyList<DagSummary>> ListAsync(CancellationToken ct = default)
    {
        var now = clock.GetUtcNow();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var dags = await db.QueryAsync($"""
            SELECT d.dag_id, d.description, d.schedule, d.timezone, d.tags, d.is_paused, d.start_date, d.end_date, d.catchup,
                   last_automated.data_interval_start, last_automated.data_interval_end,
                   coalesce(figures.failed, 0), coalesce(figures.running, 0), d.edit_access
            FROM dag d
            LEFT JOIN LATERAL (
            {string.Format(CultureInfo.InvariantCulture, NextRuns.LastAutomatedSql, "d.dag_id")}
            ) last_automated ON true
            LEFT JOIN (
                -- Through ix_dag_run_failed_end_date and ix_dag_run_unfinished: never the whole history.
                SELECT dag_id, count(*) FILTER (WHERE state = 'failed') AS failed, count(*) FILTER (WHERE state = 'running') AS running
                FROM dag_run
                WHERE (state = 'failed' AND end_date >= @failed_since) OR state = 'running'
                GROUP BY dag_id
            ) figures ON figures.dag_id = d.dag_id
            WHERE d.is_active
            ORDER BY d.dag_id
            """, r => new
            {
                DagId = r.GetString(0),
                Description = r.NullableField<string>(1),
                Schedule = r.NullableField<string>(2),
                Timezone = r.GetString(3),
                Tags = r.GetFieldValue<string[]>(4),
                IsPaused = r.GetBoolean(5),
                StartDate = r.NullableField<DateTimeOffset?>(6),
                EndDate = r.NullableField<DateTimeOffset?>(7),
                Catchup = r.GetBoolean(8),
                LastAutomated = r.IsDBNull(9) ? (DataInterval?)null : new DataInterval(r.GetFieldValue<DateTimeOffset>(9), r.GetFieldValue<DateTimeOffset>(10)),
                Failed = (int)r.GetInt64(11),
                Running = (int)r.GetInt64(12),
                EditAccess = r.NullableField<string[]>(13),
            }, ct, P("failed_since", now - FailedRunWindow));
        var runs = await RecentRunsAsync(db, ct);
        return dags.Select(d => new DagSummary(
                d.DagId, d.Description, d.Schedule, d.Timezone, d.Tags, d.IsPaused,
                NextRuns.Next(d.Schedule, d.Timezone, d.LastAutomated, d.StartDate, d.EndDate, d.Catchup, now),
                d.Failed, d.Running, runs[d.DagId].ToList(), d.EditAccess))
            .ToList();
    }

    private static async Task<ILookup<string, RunStateSummary>> RecentRunsAsync(DashboardDbContext db, CancellationToken ct) =>
        (await db.QueryAsync("""
                SELECT d.dag_id, r.run_id, r.state, coalesce(r.logical_date, r.run_after), r.start_date, r.end_date
                FROM dag d
                CROSS JOIN LATERAL (
                    -- Walks ix_dag_run_dag_run_after backwards and stops after a few rows, however long the history.
                    SELECT * FROM dag_run WHERE dag_id = d.dag_id ORDER BY run_after DESC, id DESC LIMIT @count
                ) r
                WHERE d.is_active
                ORDER BY d.dag_id, r.run_after, r.id
                """, r => (DagId: r.GetString(0), Run: new RunStateSummary(
                    r.GetString(1), SnakeCase.ParseSnakeCase<DagRunState>(r.GetString(2)), r.GetFieldValue<DateTimeOffset>(3),
                    r.NullableField<DateTimeOffset?>(4), r.NullableField<DateTimeOffset?>(5))),
                ct, P("count", RecentRunCount)))
            .ToLookup(r => r.DagId, r => r.Run);
}
