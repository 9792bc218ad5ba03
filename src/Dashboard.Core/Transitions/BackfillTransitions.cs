using Dashboard.Core.Persistence;
using static Dashboard.Core.Persistence.DbCommands;

namespace Dashboard.Core.Transitions;

/// <summary>The one door for backfill state and for the runs a backfill takes over or gives up.</summary>
public static class BackfillTransitions
{
    /// <summary>
    /// Finished runs a backfill re-runs become its runs: queued again, typed and triggered as
    /// backfill runs. A <paramref name="conf"/> replaces theirs, an empty one too; null keeps it
    /// (Airflow's <c>_handle_clear_run</c>). Their task instances are cleared first.
    /// </summary>
    public static async Task<int> AdoptRunsAsync(
        DashboardDbContext db, IReadOnlyCollection<long> runIds, int backfillId, string? conf, DateTimeOffset now, CancellationToken ct)
    {
        if (runIds.Count == 0)
        {
            return 0;
        }

        return await db.ExecuteAsync("""
            UPDATE dag_run
            SET backfill_id = @backfill, run_type = 'backfill', triggered_by = 'backfill', conf = coalesce(@conf::jsonb, conf),
                state = 'queued', queued_at = @now, start_date = NULL, end_date = NULL, last_scheduling_decision = NULL, updated_at = @now
            WHERE id = ANY(@ids)
            """, ct, P("ids", runIds.ToArray()), P("backfill", backfillId), P("conf", conf), P("now", now));
    }

    /// <returns>True when the backfill changed; false when it already was in the asked state.</returns>
    public static async Task<bool> SetPausedAsync(DashboardDbContext db, int backfillId, bool paused, DateTimeOffset now, CancellationToken ct) =>
        await db.ExecuteAsync("""
            UPDATE backfill SET is_paused = @paused, updated_at = @now
            WHERE id = @id AND completed_at IS NULL AND is_paused <> @paused
            """, ct, P("id", backfillId), P("paused", paused), P("now", now)) == 1;

    /// <summary>
    /// Cancel (Airflow's <c>cancel_backfill</c>): the backfill is complete at once, so the DAG can be
    /// backfilled again, and its queued runs fail; running ones finish. It is not paused, as
    /// Airflow's is: a complete backfill starts nothing anyway, and a run of it cleared later runs
    /// without a pause of a finished backfill in its way.
    /// </summary>
    /// <returns>How many queued runs failed; null when the backfill was already complete, and nothing changed.</returns>
    public static async Task<int?> CancelAsync(DashboardDbContext db, int backfillId, DateTimeOffset now, CancellationToken ct)
    {
        var completed = await db.ExecuteAsync(
            "UPDATE backfill SET completed_at = @now, updated_at = @now WHERE id = @id AND completed_at IS NULL",
            ct, P("id", backfillId), P("now", now));
        if (completed == 0)
        {
            return null;
        }

        return await db.ExecuteAsync("""
            UPDATE dag_run SET state = 'failed', end_date = @now, updated_at = @now
            WHERE backfill_id = @id AND state = 'queued'
            """, ct, P("id", backfillId), P("now", now));
    }

    /// <summary>Active backfills none of whose runs is queued or running are complete (Airflow's <c>_mark_backfills_complete</c>).</summary>
    public static async Task<int> CompleteFinishedAsync(DashboardDbContext db, DateTimeOffset now, CancellationToken ct) =>
        await db.ExecuteAsync("""
            UPDATE backfill b SET completed_at = @now, updated_at = @now
            WHERE b.completed_at IS NULL
              AND NOT EXISTS (SELECT 1 FROM dag_run r WHERE r.backfill_id = b.id AND r.state IN ('queued', 'running'))
            """, ct, P("now", now));
}
