using Dashboard.Core.Notifications.Outbox;
using Dashboard.Core.Persistence;
using static Dashboard.Core.Persistence.DbCommands;

namespace Dashboard.Core.Transitions;

/// <summary>Pauses a DAG on the scheduler's own account.</summary>
public static class DagPauseTransitions
{
    /// <summary>The audit actor of what the scheduler decides by itself.</summary>
    public const string SchedulerActor = "scheduler";

    /// <summary>
    /// Pauses the DAG when its last <paramref name="limit"/> runs, newest by run_after first (the
    /// grid's order, which is Airflow's count), all failed; with the audit row naming those runs and
    /// the dag_auto_paused notification, in one statement of the caller's transaction. A DAG with
    /// fewer runs, or already paused, is left alone.
    /// </summary>
    /// <returns>True when the DAG was paused.</returns>
    public static async Task<bool> PauseAfterFailuresAsync(
        DashboardDbContext db, string dagId, int limit, NotificationRoutes routes, DateTimeOffset now, CancellationToken ct)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        var paused = await db.QueryAsync($"""
            WITH latest AS (
                SELECT run_id, state FROM dag_run
                WHERE dag_id = @dag
                ORDER BY run_after DESC, id DESC
                LIMIT @limit
            ), failed AS (
                SELECT array_agg(run_id ORDER BY run_id) AS run_ids FROM latest
                HAVING count(*) = @limit AND bool_and(state = 'failed')
            ), paused AS (
                UPDATE dag d SET is_paused = true
                FROM failed
                WHERE d.dag_id = @dag AND NOT d.is_paused
                RETURNING d.dag_id, failed.run_ids
            ), audited AS (
                INSERT INTO audit_log (occurred_at, actor, action, dag_id, run_ids, task_ids, details, affected_count)
                SELECT @now, @actor, 'dag.auto_pause', p.dag_id, p.run_ids, ARRAY[]::text[],
                       jsonb_build_object('max_consecutive_failed_dag_runs', @limit, 'failed_run_ids', to_jsonb(p.run_ids)), 1
                FROM paused p
            ), notified AS (
                {NotificationOutbox.EnqueueSql("""
                    SELECT 'dag_auto_paused', p.dag_id,
                           jsonb_build_object('dag_id', p.dag_id, 'failed_runs', @limit, 'run_ids', to_jsonb(p.run_ids), 'occurred_at', @now)
                    FROM paused p
                    """)}
            )
            SELECT count(*) FROM paused
            """, r => r.GetInt64(0), ct,
            P("dag", dagId), P("limit", limit), P("actor", SchedulerActor), P("now", now), NotificationOutbox.DefaultsParameter(routes));
        return paused[0] == 1;
    }
}
