using Dashboard.Core.Domain;
using Dashboard.Core.Notifications.Outbox;
using Dashboard.Core.Persistence;
using static Dashboard.Core.Persistence.DbCommands;

namespace Dashboard.Core.Transitions;

/// <summary>The one door for run state: conditional UPDATEs, like <see cref="TaskInstanceTransitions"/>.</summary>
public static class DagRunTransitions
{
    /// <summary>queued → running. A run that ran before (it was cleared) keeps no old end date.</summary>
    public static async Task<int> StartAsync(DashboardDbContext db, IReadOnlyCollection<long> runIds, DateTimeOffset now, CancellationToken ct)
    {
        if (runIds.Count == 0)
        {
            return 0;
        }

        return await db.ExecuteAsync("""
            UPDATE dag_run
            SET state = 'running', start_date = coalesce(start_date, @now), end_date = NULL, updated_at = @now
            WHERE id = ANY(@ids) AND state = 'queued'
            """, ct, P("ids", runIds.ToArray()), P("now", now));
    }

    /// <summary>
    /// running → success or failed, as the scheduler decided from the run's leaf tasks, with the
    /// run_success or run_failure notifications in the same statement.
    /// </summary>
    public static async Task<bool> FinishAsync(
        DashboardDbContext db, long runId, DagRunState state, NotificationRoutes routes, DateTimeOffset now, CancellationToken ct)
    {
        if (!state.IsFinished())
        {
            throw new ArgumentOutOfRangeException(nameof(state), state, "A run finishes as success or failed.");
        }

        var moved = await db.QueryAsync($"""
            WITH moved AS (
                UPDATE dag_run SET state = @state, end_date = @now, updated_at = @now
                WHERE id = @id AND state = 'running'
                RETURNING *
            ), notified AS (
                {NotificationOutbox.EnqueueSql("""
                    SELECT CASE WHEN r.state = 'failed' THEN 'run_failure' ELSE 'run_success' END, r.dag_id,
                           jsonb_build_object('dag_id', r.dag_id, 'run_id', r.run_id, 'state', r.state, 'logical_date', r.logical_date,
                                              'start_date', r.start_date, 'occurred_at', @now)
                    FROM moved r
                    """)}
            )
            SELECT count(*) FROM moved
            """, r => r.GetInt64(0), ct, P("id", runId), P("state", SnakeCase.ToSnakeCase(state)), P("now", now),
            NotificationOutbox.DefaultsParameter(routes));
        return moved[0] == 1;
    }

    /// <summary>
    /// Marks every run still unfinished at its deadline as having missed it, with its deadline_missed
    /// notification in the same statement: one indexed query over the runs whose deadline is still to
    /// be judged, however many DAGs there are. A run marked keeps its mark (it finished late, or was
    /// cleared); a run another transaction holds is skipped, and taken on the next pass.
    /// </summary>
    /// <returns>
    /// How many runs were marked, and the earliest deadline still to be judged (from the same index;
    /// a skipped run's is already past), so the caller need not look again before it.
    /// </returns>
    public static async Task<(int Marked, DateTimeOffset? NextDue)> MarkDeadlinesMissedAsync(
        DashboardDbContext db, NotificationRoutes routes, DateTimeOffset now, CancellationToken ct)
    {
        var marked = await db.QueryAsync($"""
            WITH due AS (
                SELECT id FROM dag_run
                WHERE deadline_at <= @now AND deadline_missed_at IS NULL AND state IN ('queued', 'running')
                FOR UPDATE SKIP LOCKED
            ), missed AS (
                UPDATE dag_run r SET deadline_missed_at = @now, updated_at = @now
                FROM due
                WHERE r.id = due.id
                RETURNING r.*
            ), notified AS (
                {NotificationOutbox.EnqueueSql("""
                    SELECT 'deadline_missed', r.dag_id,
                           jsonb_build_object('dag_id', r.dag_id, 'run_id', r.run_id, 'state', r.state, 'logical_date', r.logical_date,
                                              'deadline_at', r.deadline_at, 'occurred_at', @now)
                    FROM missed r
                    """)}
            )
            SELECT (SELECT count(*) FROM missed),
                   -- The statement's snapshot still shows the runs it marks as pending: leave them out.
                   (SELECT min(deadline_at) FROM dag_run
                    WHERE deadline_at IS NOT NULL AND deadline_missed_at IS NULL AND state IN ('queued', 'running')
                      AND id NOT IN (SELECT id FROM missed))
            """, r => ((int)r.GetInt64(0), r.NullableField<DateTimeOffset?>(1)), ct, P("now", now), NotificationOutbox.DefaultsParameter(routes));
        return marked[0];
    }

    /// <summary>
    /// Finished → queued, so the scheduler decides the run's outcome again after a user changed one
    /// of its task instances by hand. Unlike a clear, this does not count as one.
    /// </summary>
    public static async Task<int> RequeueAsync(DashboardDbContext db, IReadOnlyCollection<long> runIds, DateTimeOffset now, CancellationToken ct)
    {
        if (runIds.Count == 0)
        {
            return 0;
        }

        return await db.ExecuteAsync("""
            UPDATE dag_run
            SET state = 'queued', queued_at = @now, start_date = NULL, end_date = NULL, last_scheduling_decision = NULL, updated_at = @now
            WHERE id = ANY(@ids) AND state IN ('success', 'failed')
            """, ct, P("ids", runIds.ToArray()), P("now", now));
    }

    /// <summary>
    /// A user's mark of a whole run, to any other state, with the dates Airflow's <c>DagRun.set_state</c>
    /// gives: queued is queued anew and has not started; running keeps the start of a queued run
    /// (starting now if it had none) and starts a finished one again now; success and failed end now,
    /// unless the run had already ended. Unlike a clear, none of these counts as one.
    /// </summary>
    public static async Task<bool> MarkAsync(DashboardDbContext db, long runId, DagRunState state, DateTimeOffset now, CancellationToken ct) =>
        await db.ExecuteAsync("""
            UPDATE dag_run
            SET state = @state,
                queued_at = CASE WHEN @state = 'queued' THEN @now ELSE queued_at END,
                start_date = CASE WHEN @state = 'queued' THEN NULL
                                  WHEN @state = 'running' AND state IN ('success', 'failed') THEN @now
                                  ELSE coalesce(start_date, @now) END,
                end_date = CASE WHEN @state IN ('queued', 'running') THEN NULL
                                WHEN state IN ('success', 'failed') THEN coalesce(end_date, @now)
                                ELSE @now END,
                updated_at = @now
            WHERE id = @id AND state <> @state
            """, ct, P("id", runId), P("state", SnakeCase.ToSnakeCase(state)), P("now", now)) == 1;

    /// <summary>
    /// Moves runs to another version of their DAG, as Airflow's integrity check does: task instances
    /// of tasks the version no longer has become removed (a running one finishes and keeps its
    /// result), removed ones whose task is back go to no status, and tasks new in the version get an
    /// instance with no status, to run when their upstream allows. Every other instance keeps its
    /// state; those not started yet will run the new version. A run is moved only if it is still on
    /// the version expected.
    /// </summary>
    /// <returns>How many runs moved.</returns>
    public static async Task<int> MoveToVersionAsync(
        DashboardDbContext db, string dagId, IReadOnlyCollection<(long RunId, int? FromVersionId)> runs, int toVersionId, DateTimeOffset now, CancellationToken ct)
    {
        if (runs.Count == 0)
        {
            return 0;
        }

        var moved = await db.QueryAsync("""
            WITH moved AS (
                UPDATE dag_run r
                SET dag_version_id = @to, updated_at = @now
                FROM unnest(@runs, @froms) AS m(id, from_version)
                WHERE r.id = m.id AND r.dag_id = @dag AND r.dag_version_id IS NOT DISTINCT FROM m.from_version
                RETURNING r.id
            ), kept AS (
                SELECT task_id FROM dag_task WHERE dag_version_id = @to
            ), removed AS (
                UPDATE task_instance ti
                SET state = 'removed', end_date = coalesce(ti.end_date, @now), updated_at = @now
                FROM moved
                WHERE ti.dag_run_id = moved.id AND ti.task_id NOT IN (SELECT task_id FROM kept)
                  AND (ti.state IS NULL OR ti.state NOT IN ('removed', 'running', 'restarting'))
            ), restamped AS (
                UPDATE task_instance ti
                SET dag_version_id = @to
                FROM moved
                WHERE ti.dag_run_id = moved.id AND ti.task_id IN (SELECT task_id FROM kept)
                  AND (ti.state IS NULL OR ti.state IN ('scheduled', 'queued', 'up_for_retry'))
            ), restored AS (
                UPDATE task_instance ti
                SET state = NULL, dag_version_id = @to, end_date = NULL, updated_at = @now
                FROM moved
                WHERE ti.dag_run_id = moved.id AND ti.state = 'removed' AND ti.task_id IN (SELECT task_id FROM kept)
            ), added AS (
                INSERT INTO task_instance (dag_run_id, dag_id, task_id, try_number, max_tries, dag_version_id, updated_at)
                SELECT moved.id, @dag, t.task_id, 0, t.retries, @to, @now
                FROM moved CROSS JOIN dag_task t
                WHERE t.dag_version_id = @to
                  AND NOT EXISTS (SELECT FROM task_instance x WHERE x.dag_run_id = moved.id AND x.task_id = t.task_id)
            )
            SELECT count(*) FROM moved
            """, r => r.GetInt64(0), ct,
            P("dag", dagId), P("to", toVersionId), P("now", now),
            P("runs", runs.Select(r => r.RunId).ToArray()),
            P("froms", runs.Select(r => r.FromVersionId).ToArray()));
        return (int)moved[0];
    }

    /// <summary>Records the trigger_dag task instance that (re)started a run, so both grids link to each other.</summary>
    public static async Task RecordTriggerAsync(DashboardDbContext db, long runId, TriggeringTask by, DateTimeOffset now, CancellationToken ct) =>
        await db.ExecuteAsync("""
            UPDATE dag_run
            SET triggering_dag_id = @dag, triggering_run_id = @run, triggering_task_id = @task, updated_at = @now
            WHERE id = @id
            """, ct, P("id", runId), P("dag", by.DagId), P("run", by.RunId), P("task", by.TaskId), P("now", now));
}
