using Dashboard.Core.Dags;
using Dashboard.Core.Domain;
using Dashboard.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using static Dashboard.Core.Persistence.DbCommands;

namespace Dashboard.Core.Queries.Timeline;

/// <summary>One task's current try in one run, as the task-duration chart draws it.</summary>
public sealed record TaskDuration(long RunKey, string TaskId, int TryNumber, TaskInstanceState? State, DateTimeOffset? QueuedAt, DateTimeOffset? StartDate, DateTimeOffset? EndDate)
{
    public bool IsFinished => StartDate is not null && EndDate is not null;

    public double? RunSeconds(DateTimeOffset now) =>
        StartDate is { } start ? TimelineRun.Seconds(start, EndDate ?? (State is TaskInstanceState.Running ? now : start)) : null;

    public double? QueuedSeconds(DateTimeOffset now) =>
        QueuedAt is { } queued && (StartDate ?? (State is TaskInstanceState.Queued ? now : null)) is { } started ? TimelineRun.Seconds(queued, started) : null;
}

/// <summary>The median and the slowest of a series of durations: finished ones only, since a running one is not done growing.</summary>
/// <param name="Slowest">The index (into the series) of the slowest finished item.</param>
public sealed record DurationStats(double? Median, int? Slowest, int Finished)
{
    public static readonly DurationStats None = new(null, null, 0);

    public static DurationStats Of(IReadOnlyList<double?> finishedSeconds)
    {
        var finished = finishedSeconds.Select((seconds, index) => (Seconds: seconds, Index: index)).Where(d => d.Seconds is not null).ToList();
        if (finished.Count == 0)
        {
            return None;
        }

        var sorted = finished.Select(d => d.Seconds!.Value).Order().ToList();
        var middle = sorted.Count / 2;
        var median = sorted.Count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
        var slowest = finished.MaxBy(d => d.Seconds!.Value).Index;
        return new DurationStats(median, slowest, finished.Count);
    }
}

/// <summary>
/// What the Durations view shows: the last runs (oldest first) with their stats, and one task's
/// current try in each of them with its stats.
/// </summary>
/// <param name="TaskIds">The tasks to pick from, in the DAG's order.</param>
/// <param name="Task">The task charted: the one asked for, else the one with the longest median; null when the DAG has no tasks.</param>
/// <param name="MissingTaskId">The task asked for when no run shown and no version has it.</param>
/// <param name="TaskDurations">Aligned with <see cref="Runs"/>: the charted task's try in each run, null where the run has none.</param>
public sealed record DurationsChart(
    string DagId,
    IReadOnlyList<TimelineRun> Runs,
    DurationStats RunStats,
    IReadOnlyList<string> TaskIds,
    string? Task,
    string? MissingTaskId,
    IReadOnlyList<TaskDuration?> TaskDurations,
    DurationStats TaskStats,
    DateTimeOffset LoadedAt);

/// <summary>
/// Reads the Durations view in two round trips whatever the number of runs and tasks: the DAG with
/// its last runs, then every task instance of those runs (one scan of ux_task_instance_run_task),
/// from which each task's median is worked out to pick the default task.
/// </summary>
public sealed class DurationsQuery(IDbContextFactory<DashboardDbContext> dbFactory, DagVersionCache versions, TimeProvider time)
{
    public static readonly IReadOnlyList<int> RunCounts = [10, 25, 50, 100];

    public const int DefaultRuns = 25;

    /// <returns>Null when the DAG does not exist.</returns>
    public async Task<DurationsChart?> LoadAsync(string dagId, int runs, string? taskId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var rows = await db.QueryAsync("""
                SELECT d.current_version_id, r.id, r.run_id, r.run_type, r.state, r.logical_date, r.run_after, r.queued_at,
                       r.start_date, r.end_date, r.dag_version_id
                FROM dag d
                LEFT JOIN LATERAL (
                    SELECT * FROM dag_run WHERE dag_id = d.dag_id ORDER BY run_after DESC, id DESC LIMIT @limit
                ) r ON true
                WHERE d.dag_id = @dag
                ORDER BY r.run_after, r.id
                """,
            r => (CurrentVersionId: r.NullableField<int?>(0), Run: r.IsDBNull(1) ? null : GanttQuery.ReadRun(r, 1)),
            ct, P("dag", dagId), P("limit", Math.Clamp(runs, 1, RunCounts[^1])));
        if (rows.Count == 0)
        {
            return null;
        }

        var now = time.GetUtcNow();
        var window = rows.Select(r => r.Run).OfType<TimelineRun>().ToList();
        var runStats = DurationStats.Of(window.Select(r => r.EndDate is not null ? r.RunSeconds(now) : null).ToList());

        var instances = window.Count == 0 ? [] : await db.QueryAsync("""
                SELECT dag_run_id, task_id, try_number, state, queued_at, start_date, end_date
                FROM task_instance
                WHERE dag_run_id = ANY(@runs)
                """, r => new TaskDuration(
                    r.GetInt64(0), r.GetString(1), r.GetInt32(2), r.IsDBNull(3) ? null : SnakeCase.ParseSnakeCase<TaskInstanceState>(r.GetString(3)),
                    r.NullableField<DateTimeOffset?>(4), r.NullableField<DateTimeOffset?>(5), r.NullableField<DateTimeOffset?>(6)),
                ct, P("runs", window.Select(r => r.Id).ToArray()));

        var versionIds = window.Select(r => r.VersionId).Prepend(rows[0].CurrentVersionId).OfType<int>().Distinct().ToList();
        var models = versionIds.Count == 0 ? new Dictionary<int, DagVersionModel>() : await versions.GetAsync(db, versionIds, ct);
        var taskIds = versionIds.SelectMany(v => models[v].Tasks.Select(t => t.TaskId))
            .Concat(instances.Select(i => i.TaskId).Order(StringComparer.Ordinal))
            .Distinct(StringComparer.Ordinal)
            .ToList();

        var byTask = instances.ToLookup(i => i.TaskId, StringComparer.Ordinal);
        var missing = taskId is not null && !taskIds.Contains(taskId, StringComparer.Ordinal) ? taskId : null;
        var task = taskId is not null && missing is null ? taskId : LongestMedian(taskIds, byTask, now);
        var durations = task is null ? [] : Aligned(window, byTask[task]);
        var taskStats = DurationStats.Of(durations.Select(d => d is { IsFinished: true } ? d.RunSeconds(now) : null).ToList());
        return new DurationsChart(dagId, window, runStats, taskIds, task, missing, durations, taskStats, now);
    }

    /// <summary>The task whose finished tries took longest in the middle; the first task when none has finished.</summary>
    private static string? LongestMedian(List<string> taskIds, ILookup<string, TaskDuration> byTask, DateTimeOffset now) =>
        taskIds.Select(t => (TaskId: t, Stats: DurationStats.Of(byTask[t].Where(d => d.IsFinished).Select(d => d.RunSeconds(now)).ToList())))
            .OrderByDescending(t => t.Stats.Median ?? -1)
            .Select(t => t.TaskId)
            .FirstOrDefault();

    private static List<TaskDuration?> Aligned(List<TimelineRun> runs, IEnumerable<TaskDuration> durations)
    {
        var byRun = durations.ToDictionary(d => d.RunKey);
        return runs.Select(r => byRun.GetValueOrDefault(r.Id)).ToList();
    }
}
