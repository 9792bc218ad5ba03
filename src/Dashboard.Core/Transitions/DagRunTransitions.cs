using Dashboard.Core.Domain;
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

    /// <summary>running → success or failed, as the scheduler decided from the run's leaf tasks.</summary>
    public static async Task<bool> FinishAsync(DashboardDbContext db, long runId, DagRunState state, DateTimeOffset now, CancellationToken ct)
    {
        if (!state.IsFinished())
        {
            throw new ArgumentOutOfRangeException(nameof(state), state, "A run finishes as success or failed.");
        }

        return await db.ExecuteAsync("""
            UPDATE dag_run SET state = @state, end_date = @now, updated_at = @now
            WHERE id = @id AND state = 'running'
            """, ct, P("id", runId), P("state", SnakeCase.ToSnakeCase(state)), P("now", now)) == 1;
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

    /// <summary>A user's mark of a whole run: any state → success or failed, ending now unless it had ended.</summary>
    public static async Task<bool> MarkAsync(DashboardDbContext db, long runId, DagRunState state, DateTimeOffset now, CancellationToken ct)
    {
        if (!state.IsFinished())
        {
            throw new ArgumentOutOfRangeException(nameof(state), state, "A run is marked success or failed.");
        }

        return await db.ExecuteAsync("""
            UPDATE dag_run
            SET state = @state, start_date = coalesce(start_date, @now),
                end_date = CASE WHEN state IN ('success', 'failed') THEN coalesce(end_date, @now) ELSE @now END, updated_at = @now
            WHERE id = @id AND state <> @state
            """, ct, P("id", runId), P("state", SnakeCase.ToSnakeCase(state)), P("now", now)) == 1;
    }
}
