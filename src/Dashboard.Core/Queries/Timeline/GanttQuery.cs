using System.Data.Common;
using Dashboard.Core.Dags;
using Dashboard.Core.Domain;
using Dashboard.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using static Dashboard.Core.Persistence.DbCommands;

namespace Dashboard.Core.Queries.Timeline;

/// <summary>A run as the Gantt's run picker and the Durations chart list it.</summary>
public sealed record TimelineRun(
    long Id,
    string RunId,
    DagRunType RunType,
    DagRunState State,
    DateTimeOffset? LogicalDate,
    DateTimeOffset RunAfter,
    DateTimeOffset? QueuedAt,
    DateTimeOffset? StartDate,
    DateTimeOffset? EndDate,
    int? VersionId)
{
    /// <summary>The date a person recognises the run by: its logical date, or when it ran if it has none.</summary>
    public DateTimeOffset Date => LogicalDate ?? RunAfter;

    /// <summary>Seconds from start to end, or to <paramref name="now"/> while the run goes on; null before it starts.</summary>
    public double? RunSeconds(DateTimeOffset now) => StartDate is { } start ? Seconds(start, EndDate ?? now) : null;

    /// <summary>Seconds between being queued and starting (to <paramref name="now"/> while still queued); null when not known.</summary>
    public double? QueuedSeconds(DateTimeOffset now) => QueuedAt is { } queued ? Seconds(queued, StartDate ?? now) : null;

    internal static double Seconds(DateTimeOffset from, DateTimeOffset to) => Math.Max(0, (to - from).TotalSeconds);
}

/// <summary>
/// One try of one task instance: an archived one from history, or the instance's current try.
/// A try that never ran (scheduled, or upstream_failed without a run) has no times.
/// </summary>
public sealed record GanttTry(
    string TaskId,
    int TryNumber,
    TaskInstanceState? State,
    DateTimeOffset? QueuedAt,
    DateTimeOffset? StartDate,
    DateTimeOffset? EndDate,
    bool IsCurrent)
{
    /// <summary>Still queued or running: its end is "now", and it grows.</summary>
    public bool IsLive => IsCurrent && EndDate is null && State is TaskInstanceState.Queued or TaskInstanceState.Running
        or TaskInstanceState.Restarting or TaskInstanceState.Deferred;

    /// <summary>Where its bar begins: when it was queued, else when it started.</summary>
    public DateTimeOffset? From => QueuedAt is { } queued && (StartDate is null || queued < StartDate) ? queued : StartDate;

    /// <summary>Where its bar ends: its end, "now" while it is live, its start when it ended without saying when.</summary>
    public DateTimeOffset? To(DateTimeOffset now) => EndDate ?? (IsLive ? now : StartDate);

    /// <summary>Seconds it ran (to <paramref name="now"/> while running); null if it never started.</summary>
    public double? RunSeconds(DateTimeOffset now) => StartDate is { } start && To(now) is { } end ? TimelineRun.Seconds(start, end) : null;

    /// <summary>Seconds it waited in the queue; null when not known.</summary>
    public double? QueuedSeconds(DateTimeOffset now) =>
        QueuedAt is { } queued && (StartDate ?? (IsLive ? now : null)) is { } started ? TimelineRun.Seconds(queued, started) : null;
}

/// <summary>A row of the Gantt: a task in the DAG's order, with its current state and its tries, oldest first.</summary>
public sealed record GanttTask(string TaskId, string? GroupId, TaskInstanceState? State, IReadOnlyList<GanttTry> Tries);

/// <summary>What the Gantt of one DAG shows: the runs to pick from, and the tries of the chosen run by task.</summary>
/// <param name="Runs">The newest runs, newest first, plus the asked-for run when it is older.</param>
/// <param name="Run">The run shown: the one asked for, or the latest; null when the DAG has no runs or the one asked for does not exist.</param>
/// <param name="MissingRunId">The run id asked for when the DAG has no such run.</param>
/// <param name="LoadedAt">The "now" the query ran at.</param>
public sealed record GanttChart(
    string DagId,
    IReadOnlyList<TimelineRun> Runs,
    TimelineRun? Run,
    string? MissingRunId,
    IReadOnlyList<GanttTask> Tasks,
    DateTimeOffset LoadedAt)
{
    public IEnumerable<GanttTry> Tries => Tasks.SelectMany(t => t.Tries);

    public bool HasLiveTries => Tries.Any(t => t.IsLive);
}

/// <summary>
/// Reads the Gantt of one run in two round trips: the DAG with its newest runs (and the asked-for
/// one), then every try of the chosen run, archived and current, in one statement. The rows' order
/// is the run's DAG version's task order, from <see cref="DagVersionCache"/>.
/// </summary>
public sealed class GanttQuery(IDbContextFactory<DashboardDbContext> dbFactory, DagVersionCache versions, TimeProvider time)
{
    /// <summary>How many of the newest runs the run picker offers.</summary>
    public const int PickerRuns = 50;

    /// <param name="runId">The run to show; the latest when null.</param>
    /// <returns>Null when the DAG does not exist.</returns>
    public async Task<GanttChart?> LoadAsync(string dagId, string? runId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var rows = await db.QueryAsync("""
                SELECT d.current_version_id, r.id, r.run_id, r.run_type, r.state, r.logical_date, r.run_after, r.queued_at,
                       r.start_date, r.end_date, r.dag_version_id
                FROM dag d
                LEFT JOIN LATERAL (
                    (SELECT * FROM dag_run WHERE dag_id = d.dag_id ORDER BY run_after DESC, id DESC LIMIT @limit)
                    UNION
                    SELECT * FROM dag_run WHERE dag_id = d.dag_id AND run_id = @run
                ) r ON true
                WHERE d.dag_id = @dag
                ORDER BY r.run_after DESC, r.id DESC
                """,
            r => (CurrentVersionId: r.NullableField<int?>(0), Run: r.IsDBNull(1) ? null : ReadRun(r, 1)),
            ct, P("dag", dagId), P("run", runId ?? ""), P("limit", PickerRuns));
        if (rows.Count == 0)
        {
            return null;
        }

        var runs = rows.Select(r => r.Run).OfType<TimelineRun>().ToList();
        var run = runId is null ? runs.FirstOrDefault() : runs.FirstOrDefault(r => r.RunId == runId);
        var missing = runId is not null && run is null ? runId : null;
        if (run is null)
        {
            return new GanttChart(dagId, runs, null, missing, [], time.GetUtcNow());
        }

        // Every current instance comes back (for its state); it is a try too unless it never ran or its try is archived already.
        var rowsOfRun = await db.QueryAsync("""
                SELECT h.task_id, h.try_number, h.state, h.queued_at, h.start_date, h.end_date, 'archived'
                FROM task_instance_history h
                WHERE h.dag_run_id = @run
                UNION ALL
                SELECT t.task_id, t.try_number, t.state, t.queued_at, t.start_date, t.end_date,
                       CASE WHEN (t.try_number = 0 AND t.start_date IS NULL)
                                 OR EXISTS (SELECT 1 FROM task_instance_history h WHERE h.task_instance_id = t.id AND h.try_number = t.try_number)
                            THEN 'state' ELSE 'current' END
                FROM task_instance t
                WHERE t.dag_run_id = @run
                ORDER BY 1, 2
                """, r => (Try: ReadTry(r), Kind: r.GetString(6)), ct, P("run", run.Id));
        var tries = rowsOfRun.Where(r => r.Kind != "state").Select(r => r.Try).ToList();
        var states = rowsOfRun.Where(r => r.Kind != "archived").ToDictionary(r => r.Try.TaskId, r => r.Try.State, StringComparer.Ordinal);

        var versionId = run.VersionId ?? rows[0].CurrentVersionId;
        var version = versionId is { } id ? await versions.GetAsync(db, id, ct) : null;
        return new GanttChart(dagId, runs, run, null, Rows(version, tries, states), time.GetUtcNow());
    }

    /// <summary>The version's tasks in its order, then any task with an instance in the run that the version lacks.</summary>
    private static List<GanttTask> Rows(DagVersionModel? version, List<GanttTry> tries, Dictionary<string, TaskInstanceState?> states)
    {
        var byTask = tries.ToLookup(t => t.TaskId, StringComparer.Ordinal);
        var rows = new List<GanttTask>();
        foreach (var task in version?.Tasks ?? [])
        {
            rows.Add(new GanttTask(task.TaskId, task.GroupId, states.GetValueOrDefault(task.TaskId), byTask[task.TaskId].ToList()));
        }

        var known = rows.Select(r => r.TaskId).ToHashSet(StringComparer.Ordinal);
        foreach (var taskId in states.Keys.Where(t => !known.Contains(t)).Order(StringComparer.Ordinal))
        {
            rows.Add(new GanttTask(taskId, null, states[taskId], byTask[taskId].ToList()));
        }

        return rows;
    }

    internal static TimelineRun ReadRun(DbDataReader r, int first) => new(
        r.GetInt64(first), r.GetString(first + 1), SnakeCase.ParseSnakeCase<DagRunType>(r.GetString(first + 2)),
        SnakeCase.ParseSnakeCase<DagRunState>(r.GetString(first + 3)), r.NullableField<DateTimeOffset?>(first + 4),
        r.GetFieldValue<DateTimeOffset>(first + 5), r.NullableField<DateTimeOffset?>(first + 6), r.NullableField<DateTimeOffset?>(first + 7),
        r.NullableField<DateTimeOffset?>(first + 8), r.NullableField<int?>(first + 9));

    private static GanttTry ReadTry(DbDataReader r) => new(
        r.GetString(0), r.GetInt32(1), r.IsDBNull(2) ? null : SnakeCase.ParseSnakeCase<TaskInstanceState>(r.GetString(2)),
        r.NullableField<DateTimeOffset?>(3), r.NullableField<DateTimeOffset?>(4), r.NullableField<DateTimeOffset?>(5), r.GetString(6) != "archived");
}
