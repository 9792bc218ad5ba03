using Dashboard.Core.Domain;
using Dashboard.Core.Domain.Timetables;
using Dashboard.Core.Persistence;
using static Dashboard.Core.Persistence.DbCommands;

namespace Dashboard.Core.Transitions;

/// <summary>A run to create, with its place in time. Every creator (timetable, trigger, backfill) describes runs this way.</summary>
public sealed record NewDagRun(
    string RunId,
    DagRunType RunType,
    DateTimeOffset? LogicalDate,
    DataInterval? DataInterval,
    DateTimeOffset RunAfter,
    DagRunTriggeredBy TriggeredBy,
    string Conf = "{}",
    string? TriggeringUserName = null,
    int? BackfillId = null,
    TriggeringTask? TriggeringTask = null)
{
    /// <summary>Airflow's run id format: <c>scheduled__2024-01-01T00:00:00+00:00</c>.</summary>
    public static string RunIdFor(DagRunType type, DateTimeOffset logicalDate) =>
        $"{SnakeCase.ToSnakeCase(type)}__{logicalDate.ToUniversalTime():yyyy-MM-dd'T'HH:mm:ss}+00:00";
}

/// <summary>The trigger_dag task instance that created a run: its DAG, its run's run id and its task.</summary>
public sealed record TriggeringTask(string DagId, string RunId, string TaskId);

/// <summary>
/// Creates runs, queued, with a task instance (no state yet) for every task of the given structure
/// version, and each run's deadline from its DAG's.
/// </summary>
public static class DagRunCreation
{
    /// <summary>
    /// One statement for all runs. A run whose run id or logical date already exists is skipped, not
    /// an error: two schedulers, or a scheduler and a trigger, may race for the same slot.
    /// </summary>
    /// <returns>The created runs' ids by run id.</returns>
    public static async Task<Dictionary<string, long>> CreateAsync(
        DashboardDbContext db, string dagId, int versionId, IReadOnlyList<NewDagRun> runs, DateTimeOffset now, CancellationToken ct)
    {
        if (runs.Count == 0)
        {
            return [];
        }

        var created = await db.QueryAsync("""
            WITH new_runs AS (
                INSERT INTO dag_run (dag_id, run_id, run_type, logical_date, data_interval_start, data_interval_end, run_after,
                    state, queued_at, clear_number, conf, backfill_id, triggered_by, triggering_user_name, dag_version_id, updated_at,
                    triggering_dag_id, triggering_run_id, triggering_task_id, deadline_at)
                SELECT @dag, r.run_id, r.run_type, r.logical_date, r.interval_start, r.interval_end, r.run_after,
                    'queued', @now, 0, r.conf::jsonb, r.backfill_id, r.triggered_by, r.user_name, @version, @now,
                    r.by_dag, r.by_run, r.by_task,
                    -- The DAG's deadline as it is now, fixed for the run's life; null without one, and for a
                    -- run without a logical date when the deadline counts from it.
                    CASE d.deadline_reference WHEN 'logical_date' THEN r.logical_date WHEN 'queued_at' THEN @now
                                              WHEN 'run_after' THEN r.run_after END + d.deadline_interval
                FROM unnest(@run_ids, @run_types, @logical_dates, @interval_starts, @interval_ends, @run_afters,
                            @confs, @backfill_ids, @triggered_by, @user_names, @by_dags, @by_runs, @by_tasks)
                    AS r(run_id, run_type, logical_date, interval_start, interval_end, run_after, conf, backfill_id, triggered_by, user_name,
                         by_dag, by_run, by_task)
                LEFT JOIN dag d ON d.dag_id = @dag
                ON CONFLICT DO NOTHING
                RETURNING id, run_id
            ), new_task_instances AS (
                INSERT INTO task_instance (dag_run_id, dag_id, task_id, try_number, max_tries, dag_version_id, updated_at)
                SELECT new_runs.id, @dag, t.task_id, 0, t.retries, @version, @now
                FROM new_runs CROSS JOIN dag_task t
                WHERE t.dag_version_id = @version
            )
            SELECT id, run_id FROM new_runs
            """, r => (Id: r.GetInt64(0), RunId: r.GetString(1)), ct,
            P("dag", dagId),
            P("version", versionId),
            P("now", now),
            P("run_ids", runs.Select(r => r.RunId).ToArray()),
            P("run_types", runs.Select(r => SnakeCase.ToSnakeCase(r.RunType)).ToArray()),
            P("logical_dates", runs.Select(r => r.LogicalDate).ToArray()),
            P("interval_starts", runs.Select(r => r.DataInterval?.Start).ToArray()),
            P("interval_ends", runs.Select(r => r.DataInterval?.End).ToArray()),
            P("run_afters", runs.Select(r => r.RunAfter).ToArray()),
            P("confs", runs.Select(r => r.Conf).ToArray()),
            P("backfill_ids", runs.Select(r => r.BackfillId).ToArray()),
            P("triggered_by", runs.Select(r => SnakeCase.ToSnakeCase(r.TriggeredBy)).ToArray()),
            P("user_names", runs.Select(r => r.TriggeringUserName).ToArray()),
            P("by_dags", runs.Select(r => r.TriggeringTask?.DagId).ToArray()),
            P("by_runs", runs.Select(r => r.TriggeringTask?.RunId).ToArray()),
            P("by_tasks", runs.Select(r => r.TriggeringTask?.TaskId).ToArray()));
        return created.ToDictionary(r => r.RunId, r => r.Id);
    }
}
