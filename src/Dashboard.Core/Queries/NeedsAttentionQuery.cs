using Dashboard.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using static Dashboard.Core.Persistence.DbCommands;

namespace Dashboard.Core.Queries;

/// <param name="QueuedRunAlertAfter">A run waiting this long to start is worth a look.</param>
/// <param name="TaskHeartbeatTimeout">The scheduler's limit: a running try silent for longer has lost its executor.</param>
public sealed record AttentionThresholds(TimeSpan QueuedRunAlertAfter, TimeSpan TaskHeartbeatTimeout);

/// <param name="At">
/// The moment that matters for the item's category: when a failed run ended, when a retry is due,
/// since when a run has waited, when a stuck task last heart-beat, when a late run was due.
/// </param>
/// <param name="TaskId">For task-instance categories (retrying, stuck).</param>
/// <param name="TryNumber">For task-instance categories: the try that failed or went silent.</param>
/// <param name="DagPaused">The DAG is paused, which alone explains a run that waits.</param>
/// <param name="FailedTasks">For a failed run, the tasks that failed in it (not those that only failed upstream).</param>
public sealed record AttentionItem(
    string DagId, string RunId, string? TaskId, int? TryNumber, DateTimeOffset? At, bool DagPaused, IReadOnlyList<string>? FailedTasks = null);

/// <summary>The first items of a category and how many there are in all.</summary>
public sealed record AttentionList(IReadOnlyList<AttentionItem> Items, int Total)
{
    public static readonly AttentionList Empty = new([], 0);

    public int NotShown => Total - Items.Count;
}

/// <summary>What on-call staff should look at first, across every DAG.</summary>
/// <param name="NextChangeAt">
/// The next moment this report changes with no change being committed: a queued run becomes late,
/// a failed run leaves the last 24 h, a running task's silence reaches the heartbeat timeout. A page
/// reads again then, rather than polling. Null when nothing shown is waiting on the clock.
/// </param>
public sealed record NeedsAttention(
    AttentionList FailedRuns, AttentionList Retrying, AttentionList QueuedRuns, AttentionList StuckTasks, DateTimeOffset? NextChangeAt = null)
{
    /// <summary>Runs that missed their deadline in the last 24 h, finished since or not.</summary>
    public AttentionList MissedDeadlines { get; init; } = AttentionList.Empty;

    public bool IsEmpty => FailedRuns.Total + Retrying.Total + QueuedRuns.Total + StuckTasks.Total + MissedDeadlines.Total == 0;
}

/// <summary>
/// The "needs attention" section of the DAG list: runs that failed lately, task instances waiting to
/// retry, runs queued for too long, running tasks whose executor went silent and runs that missed their
/// deadline lately. One statement, each category bounded, each read through a partial index on the
/// states it is about.
/// </summary>
public sealed class NeedsAttentionQuery(IDbContextFactory<DashboardDbContext> dbFactory, TimeProvider clock)
{
    public const int ItemsPerCategory = 10;

    public async Task<NeedsAttention> LoadAsync(AttentionThresholds thresholds, CancellationToken ct = default)
    {
        var now = clock.GetUtcNow();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var rows = await db.QueryAsync("""
            (SELECT 'failed', r.dag_id, r.run_id, NULL::text, NULL::int, r.end_date, false, count(*) OVER (),
                    ARRAY(SELECT ti.task_id FROM task_instance ti WHERE ti.dag_run_id = r.id AND ti.state = 'failed' ORDER BY ti.task_id LIMIT 5)
             FROM dag_run r
             WHERE r.state = 'failed' AND r.end_date >= @failed_since
             ORDER BY r.end_date DESC, r.id DESC
             LIMIT @limit)
            UNION ALL
            (SELECT 'retrying', ti.dag_id, r.run_id, ti.task_id, ti.try_number, ti.retry_at, false, count(*) OVER (), NULL::text[]
             FROM task_instance ti
             JOIN dag_run r ON r.id = ti.dag_run_id
             WHERE ti.state = 'up_for_retry'
             ORDER BY ti.retry_at NULLS LAST, ti.id
             LIMIT @limit)
            UNION ALL
            -- Waiting counts from run_after: a run is not late before it may start. Backfill runs wait their
            -- turn by design (the backfill's max_active_runs); the Backfills page shows their progress.
            (SELECT 'queued', r.dag_id, r.run_id, NULL, NULL, greatest(r.queued_at, r.run_after), d.is_paused, count(*) OVER (), NULL
             FROM dag_run r
             JOIN dag d ON d.dag_id = r.dag_id
             WHERE r.state = 'queued' AND r.backfill_id IS NULL AND greatest(r.queued_at, r.run_after) < @queued_before
             ORDER BY greatest(r.queued_at, r.run_after), r.id
             LIMIT @limit)
            UNION ALL
            -- The rule SchedulerLoop recovers by: while these are listed, no scheduler is recovering them.
            (SELECT 'stuck', ti.dag_id, r.run_id, ti.task_id, ti.try_number, ti.last_heartbeat_at, false, count(*) OVER (), NULL
             FROM task_instance ti
             JOIN dag_run r ON r.id = ti.dag_run_id
             WHERE ti.state = 'running' AND ti.last_heartbeat_at < @silent_since
             ORDER BY ti.last_heartbeat_at, ti.id
             LIMIT @limit)
            UNION ALL
            -- Listed for as long as failed runs are, by when the scheduler found them late.
            (SELECT 'missed', r.dag_id, r.run_id, NULL, NULL, r.deadline_at, false, count(*) OVER (), NULL
             FROM dag_run r
             WHERE r.deadline_missed_at >= @failed_since
             ORDER BY r.deadline_missed_at DESC, r.id DESC
             LIMIT @limit)
            UNION ALL
            -- When the earliest of the time-bound memberships above changes (least ignores nulls).
            SELECT 'due', '', '', NULL, NULL, least(
                (SELECT min(end_date) FROM dag_run WHERE state = 'failed' AND end_date >= @failed_since) + @failed_window,
                (SELECT min(deadline_missed_at) FROM dag_run WHERE deadline_missed_at >= @failed_since) + @failed_window,
                (SELECT min(greatest(queued_at, run_after)) FROM dag_run
                 WHERE state = 'queued' AND backfill_id IS NULL AND greatest(queued_at, run_after) >= @queued_before) + @queued_after,
                (SELECT min(last_heartbeat_at) FROM task_instance WHERE state = 'running' AND last_heartbeat_at >= @silent_since) + @heartbeat_timeout),
                false, 0, NULL
            """, r => (Category: r.GetString(0), Total: (int)r.GetInt64(7), Item: new AttentionItem(
                r.GetString(1), r.GetString(2), r.NullableField<string>(3), r.NullableField<int?>(4),
                r.NullableField<DateTimeOffset?>(5), r.GetBoolean(6), r.IsDBNull(8) ? null : r.GetFieldValue<string[]>(8))),
            ct,
            P("limit", ItemsPerCategory),
            P("failed_since", now - DagListQuery.FailedRunWindow),
            P("queued_before", now - thresholds.QueuedRunAlertAfter),
            P("silent_since", now - thresholds.TaskHeartbeatTimeout),
            P("failed_window", DagListQuery.FailedRunWindow),
            P("queued_after", thresholds.QueuedRunAlertAfter),
            P("heartbeat_timeout", thresholds.TaskHeartbeatTimeout));

        AttentionList Category(string name)
        {
            var items = rows.Where(r => r.Category == name).ToList();
            return items.Count == 0 ? AttentionList.Empty : new AttentionList(items.Select(i => i.Item).ToList(), items[0].Total);
        }

        var due = rows.Single(r => r.Category == "due").Item.At;
        return new NeedsAttention(Category("failed"), Category("retrying"), Category("queued"), Category("stuck"), due)
        {
            MissedDeadlines = Category("missed"),
        };
    }
}
