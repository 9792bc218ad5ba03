using Dashboard.Core.Domain;
using Dashboard.Core.Notifications.Outbox;
using Dashboard.Core.Persistence;
using static Dashboard.Core.Persistence.DbCommands;

namespace Dashboard.Core.Transitions;

/// <summary>
/// The one door for task-instance state. Every method is a conditional, set-based UPDATE that moves
/// only rows still in the expected state (and, for the executor, still on the expected try), inside
/// the caller's transaction, and reports what moved. A row that already moved on is left alone:
/// that is what keeps a late result from overwriting a clear and a double click from acting twice.
/// </summary>
public static class TaskInstanceTransitions
{
    /// <summary>
    /// none or due up_for_retry → scheduled, starting a new try (<c>try_number + 1</c>). The try an
    /// up_for_retry instance finished is archived to history first.
    /// </summary>
    public static async Task<int> ScheduleAsync(DashboardDbContext db, IReadOnlyCollection<long> ids, DateTimeOffset now, CancellationToken ct)
    {
        if (ids.Count == 0)
        {
            return 0;
        }

        return await db.ExecuteAsync($"""
            WITH target AS (
                SELECT id FROM task_instance
                WHERE id = ANY(@ids) AND (state IS NULL OR (state = 'up_for_retry' AND coalesce(retry_at, @now) <= @now))
                FOR UPDATE
            ), archived AS (
                {ArchiveSql("JOIN target USING (id) WHERE ti.state = 'up_for_retry'")}
            )
            UPDATE task_instance ti
            SET state = 'scheduled', try_number = ti.try_number + 1, scheduled_at = @now, {ResetTrySql}, {RunVersionSql}, updated_at = @now
            FROM target WHERE ti.id = target.id
            """, ct, P("ids", ids.ToArray()), P("now", now));
    }

    /// <summary>
    /// none → a final state the scheduler decides without running anything: success for an empty or
    /// latest_only task (which counts as a try), skipped or upstream_failed from trigger rules (which do not).
    /// </summary>
    public static async Task<int> FinishWithoutRunningAsync(
        DashboardDbContext db, IReadOnlyCollection<long> ids, TaskInstanceState state, DateTimeOffset now, CancellationToken ct)
    {
        if (ids.Count == 0)
        {
            return 0;
        }

        if (state is not (TaskInstanceState.Success or TaskInstanceState.Skipped or TaskInstanceState.UpstreamFailed))
        {
            throw new ArgumentOutOfRangeException(nameof(state), state, "Only success, skipped and upstream_failed need no run.");
        }

        return await db.ExecuteAsync($"""
            UPDATE task_instance ti
            SET state = @state, try_number = ti.try_number + CASE WHEN @state = 'success' THEN 1 ELSE 0 END,
                start_date = @now, end_date = @now, duration = 0, {RunVersionSql}, updated_at = @now
            WHERE ti.id = ANY(@ids) AND ti.state IS NULL
            """, ct, P("ids", ids.ToArray()), P("state", SnakeCase.ToSnakeCase(state)), P("now", now));
    }

    /// <summary>
    /// The scheduler's check of an external_task or trigger_dag instance, which never reaches an
    /// executor: none (its first check starts a try and its start date, from which a timeout counts)
    /// or up_for_reschedule (a later check, on the same try) → success, failed, skipped, or
    /// up_for_reschedule again with the next check's time in <c>retry_at</c>. Each moved instance
    /// gets the poke's line in its try's log; a failed one, its task_failure notifications. Rows no
    /// longer as the poke read them are left alone.
    /// </summary>
    /// <returns>The ids that moved.</returns>
    public static async Task<List<long>> PokeAsync(
        DashboardDbContext db, IReadOnlyCollection<Poke> pokes, NotificationRoutes routes, DateTimeOffset now, CancellationToken ct)
    {
        if (pokes.Count == 0)
        {
            return [];
        }

        if (pokes.FirstOrDefault(p => p.State is not (TaskInstanceState.Success or TaskInstanceState.Failed or TaskInstanceState.Skipped
                or TaskInstanceState.UpForReschedule)) is { } wrong)
        {
            throw new ArgumentOutOfRangeException(nameof(pokes), wrong.State, "A poke ends in success, failed, skipped or up_for_reschedule.");
        }

        return await db.QueryAsync($"""
            WITH poke AS (
                SELECT * FROM unnest(@ids, @expected, @tries, @states, @next, @lines) AS p(id, expected, try_number, state, next_check, line)
            ), moved AS (
                UPDATE task_instance ti
                SET state = p.state,
                    try_number = CASE WHEN ti.state IS NULL THEN ti.try_number + 1 ELSE ti.try_number END,
                    start_date = CASE WHEN ti.state IS NULL THEN @now ELSE ti.start_date END,
                    retry_at = CASE WHEN p.state = 'up_for_reschedule' THEN p.next_check END,
                    end_date = CASE WHEN p.state = 'up_for_reschedule' THEN NULL ELSE @now END,
                    duration = CASE WHEN p.state = 'up_for_reschedule' THEN NULL
                                    ELSE extract(epoch FROM @now - CASE WHEN ti.state IS NULL THEN @now ELSE coalesce(ti.start_date, @now) END) END,
                    dag_version_id = CASE WHEN ti.state IS NULL THEN (SELECT r.dag_version_id FROM dag_run r WHERE r.id = ti.dag_run_id)
                                          ELSE ti.dag_version_id END,
                    updated_at = @now
                FROM poke p
                WHERE ti.id = p.id AND ti.state IS NOT DISTINCT FROM p.expected AND ti.try_number = p.try_number
                  AND (ti.state IS NULL OR ti.state = 'up_for_reschedule')
                RETURNING ti.*, p.line
            ), logged AS (
                INSERT INTO task_log (task_instance_id, try_number, logged_at, stream, line)
                SELECT id, try_number, @now, 'system', line FROM moved
            ), notified AS (
                {NotificationOutbox.EnqueueSql($"""
                    SELECT 'task_failure', ti.dag_id, {NotificationOutbox.TaskPayloadSql}
                    FROM moved ti JOIN dag_run r ON r.id = ti.dag_run_id
                    WHERE ti.state = 'failed'
                    """)}
            )
            SELECT id FROM moved
            """, r => r.GetInt64(0), ct,
            P("ids", pokes.Select(p => p.Id).ToArray()),
            P("expected", pokes.Select(p => p.Expected is { } state ? SnakeCase.ToSnakeCase(state) : null).ToArray()),
            P("tries", pokes.Select(p => p.TryNumber).ToArray()),
            P("states", pokes.Select(p => SnakeCase.ToSnakeCase(p.State)).ToArray()),
            P("next", pokes.Select(p => p.NextCheck).ToArray()),
            P("lines", pokes.Select(p => p.LogLine).ToArray()),
            P("now", now),
            NotificationOutbox.DefaultsParameter(routes));
    }

    /// <summary>scheduled → queued for this executor, oldest first; rows another executor is claiming are skipped, not waited for.</summary>
    public static async Task<List<ClaimedTry>> ClaimAsync(
        DashboardDbContext db, string executorId, string hostname, int limit, DateTimeOffset now, CancellationToken ct) =>
        await db.QueryAsync("""
            WITH claimable AS (
                SELECT id FROM task_instance
                WHERE state = 'scheduled'
                ORDER BY scheduled_at, id
                LIMIT @limit
                FOR UPDATE SKIP LOCKED
            )
            UPDATE task_instance ti
            SET state = 'queued', queued_at = @now, executor_id = @executor, hostname = @host,
                last_heartbeat_at = @now, updated_at = @now
            FROM claimable c WHERE ti.id = c.id
            RETURNING ti.id, ti.try_number
            """, r => new ClaimedTry(r.GetInt64(0), r.GetInt32(1)), ct,
            P("limit", limit), P("executor", executorId), P("host", hostname), P("now", now));

    /// <summary>queued → running, only for the executor that claimed this very try. Nothing runs before this succeeds.</summary>
    public static async Task<bool> StartAsync(DashboardDbContext db, ClaimedTry claim, string executorId, DateTimeOffset now, CancellationToken ct) =>
        await db.ExecuteAsync("""
            UPDATE task_instance
            SET state = 'running', start_date = @now, last_heartbeat_at = @now, updated_at = @now
            WHERE id = @id AND try_number = @try AND executor_id = @executor AND state = 'queued'
            """, ct, P("id", claim.Id), P("try", claim.TryNumber), P("executor", executorId), P("now", now)) == 1;

    /// <summary>Records the try's process id once it exists (shown in the UI; not a state change).</summary>
    /// <param name="renderedCommand">The command as it runs, its secrets already masked: the panel shows it.</param>
    public static async Task RecordProcessAsync(DashboardDbContext db, ClaimedTry claim, string executorId, int pid, string renderedCommand, CancellationToken ct) =>
        await db.ExecuteAsync(
            "UPDATE task_instance SET pid = @pid, rendered_command = @command WHERE id = @id AND try_number = @try AND executor_id = @executor",
            ct, P("id", claim.Id), P("try", claim.TryNumber), P("executor", executorId), P("pid", pid), P("command", renderedCommand));

    /// <summary>
    /// Records that this executor's tries are alive and returns their current state. A try that is
    /// missing from the answer, or comes back <c>restarting</c>, must be killed: someone cleared or
    /// marked it while it ran.
    /// </summary>
    public static async Task<Dictionary<ClaimedTry, TaskInstanceState>> HeartbeatAsync(
        DashboardDbContext db, string executorId, IReadOnlyCollection<long> ids, DateTimeOffset now, CancellationToken ct)
    {
        var rows = await db.QueryAsync("""
            UPDATE task_instance SET last_heartbeat_at = @now
            WHERE id = ANY(@ids) AND executor_id = @executor AND state IN ('queued', 'running', 'restarting')
            RETURNING id, try_number, state
            """, r => (Try: new ClaimedTry(r.GetInt64(0), r.GetInt32(1)), State: SnakeCase.ParseSnakeCase<TaskInstanceState>(r.GetString(2))),
            ct, P("ids", ids.ToArray()), P("executor", executorId), P("now", now));
        return rows.ToDictionary(r => r.Try, r => r.State);
    }

    /// <summary>
    /// running → success, up_for_retry (while tries remain) or failed. An interrupted try, and any try
    /// of an instance cleared while it ran (restarting), becomes up_for_retry whatever the retries,
    /// due at once. Returns the new state, or null when the try had already been moved on by someone
    /// else, in which case its result is dropped. A failed try enqueues its task_failure or retry
    /// notifications in the same statement; an interrupted one is nobody's failure and enqueues none.
    /// </summary>
    public static async Task<TaskInstanceState?> FinishTryAsync(
        DashboardDbContext db, ClaimedTry claim, string executorId, TryOutcome outcome, TimeSpan retryDelay, NotificationRoutes routes,
        DateTimeOffset now, CancellationToken ct)
    {
        var rows = await db.QueryAsync($"""
            WITH target AS (
                SELECT id, state AS was FROM task_instance
                WHERE id = @id AND try_number = @try AND executor_id = @executor AND state IN ('running', 'restarting')
                FOR UPDATE
            ), moved AS (
                UPDATE task_instance ti
                SET state = CASE WHEN target.was = 'restarting' OR @outcome = 'interrupted' THEN 'up_for_retry'
                                 WHEN @outcome = 'succeeded' THEN 'success'
                                 WHEN ti.try_number <= ti.max_tries THEN 'up_for_retry'
                                 ELSE 'failed' END,
                    retry_at = CASE WHEN target.was = 'restarting' OR @outcome = 'interrupted' THEN @now
                                    WHEN @outcome = 'failed' AND ti.try_number <= ti.max_tries THEN @now + @delay END,
                    end_date = @now, duration = extract(epoch FROM @now - coalesce(ti.start_date, @now)), updated_at = @now
                FROM target WHERE ti.id = target.id
                RETURNING ti.*, target.was
            ), notified AS (
                {NotificationOutbox.EnqueueSql($"""
                    SELECT CASE WHEN ti.state = 'failed' THEN 'task_failure' ELSE 'retry' END, ti.dag_id, {NotificationOutbox.TaskPayloadSql}
                    FROM moved ti JOIN dag_run r ON r.id = ti.dag_run_id
                    WHERE @outcome = 'failed' AND ti.was = 'running' AND ti.state IN ('failed', 'up_for_retry')
                    """)}
            )
            SELECT state FROM moved
            """, r => SnakeCase.ParseSnakeCase<TaskInstanceState>(r.GetString(0)), ct,
            P("id", claim.Id), P("try", claim.TryNumber), P("executor", executorId), P("outcome", SnakeCase.ToSnakeCase(outcome)),
            P("delay", retryDelay), P("now", now), NotificationOutbox.DefaultsParameter(routes));
        return rows.Count == 1 ? rows[0] : null;
    }

    /// <summary>
    /// Tries whose executor stopped heart-beating before <paramref name="silentSince"/> (it crashed or
    /// was killed), or whose executor is one of <paramref name="goneExecutors"/> (known to have ended,
    /// so there is no need to wait for the heartbeat timeout). A running try is retried if it has
    /// tries left and failed otherwise, and notifies as a failed try does; a restarting one is always
    /// retried; a queued one never started, so it is simply scheduled again.
    /// </summary>
    public static async Task<List<LostTry>> RecoverLostAsync(
        DashboardDbContext db, DateTimeOffset silentSince, IReadOnlyCollection<string> goneExecutors, NotificationRoutes routes,
        DateTimeOffset now, CancellationToken ct) =>
        await db.QueryAsync($"""
            WITH lost AS (
                SELECT ti.id, ti.state, ti.try_number, ti.max_tries, ti.last_heartbeat_at, ti.executor_id,
                       coalesce(t.retry_delay, interval '0') AS retry_delay
                FROM task_instance ti
                JOIN dag_run r ON r.id = ti.dag_run_id
                LEFT JOIN dag_task t ON t.dag_version_id = r.dag_version_id AND t.task_id = ti.task_id
                WHERE ti.state IN ('queued', 'running', 'restarting') AND (ti.last_heartbeat_at < @silent OR ti.executor_id = ANY(@gone))
                FOR UPDATE OF ti SKIP LOCKED
            ), moved AS (
                UPDATE task_instance ti
                SET state = CASE WHEN lost.state = 'queued' THEN 'scheduled'
                                 WHEN lost.state = 'restarting' OR lost.try_number <= lost.max_tries THEN 'up_for_retry'
                                 ELSE 'failed' END,
                    retry_at = CASE WHEN lost.state = 'restarting' THEN @now
                                    WHEN lost.state = 'running' AND lost.try_number <= lost.max_tries THEN @now + lost.retry_delay END,
                    end_date = CASE WHEN lost.state = 'queued' THEN NULL ELSE @now END,
                    duration = CASE WHEN lost.state = 'queued' THEN NULL ELSE extract(epoch FROM @now - coalesce(ti.start_date, @now)) END,
                    executor_id = CASE WHEN lost.state = 'queued' THEN NULL ELSE ti.executor_id END,
                    updated_at = @now
                FROM lost WHERE ti.id = lost.id
                RETURNING ti.*, lost.state AS was, lost.last_heartbeat_at AS last_heard, lost.executor_id = ANY(@gone) AS gone
            ), notified AS (
                {NotificationOutbox.EnqueueSql($"""
                    SELECT CASE WHEN ti.state = 'failed' THEN 'task_failure' ELSE 'retry' END, ti.dag_id, {NotificationOutbox.TaskPayloadSql}
                    FROM moved ti JOIN dag_run r ON r.id = ti.dag_run_id
                    WHERE ti.was = 'running' AND ti.state IN ('failed', 'up_for_retry')
                    """)}
            )
            SELECT id, try_number, was, state, last_heard, gone, dag_id FROM moved
            """, r => new LostTry(
                new ClaimedTry(r.GetInt64(0), r.GetInt32(1)),
                r.GetString(6),
                SnakeCase.ParseSnakeCase<TaskInstanceState>(r.GetString(2)),
                SnakeCase.ParseSnakeCase<TaskInstanceState>(r.GetString(3)),
                r.GetFieldValue<DateTimeOffset>(4),
                r.GetBoolean(5)),
            ct, P("silent", silentSince), P("gone", goneExecutors.ToArray()), P("now", now), NotificationOutbox.DefaultsParameter(routes));

    /// <summary>The executors that hold unfinished tries on <paramref name="hostname"/>.</summary>
    public static async Task<List<string>> ExecutorsOnHostAsync(DashboardDbContext db, string hostname, CancellationToken ct) =>
        await db.QueryAsync("""
            SELECT DISTINCT executor_id FROM task_instance
            WHERE state IN ('queued', 'running', 'restarting') AND hostname = @host AND executor_id IS NOT NULL
            """, r => r.GetString(0), ct, P("host", hostname));

    /// <summary>
    /// A user's clear of task instances still exactly as selected (same state and try; the others are
    /// left alone and the caller sees the count fall short). A running one becomes restarting: its
    /// executor kills it and it is retried. Any other is archived to history and goes back to no
    /// status with a fresh retry budget (<c>max_tries = try_number + retries</c>), to be scheduled as a
    /// new try. Finished runs that now hold a cleared instance are queued again, one clear more.
    /// </summary>
    public static async Task<ClearCounts> ClearAsync(
        DashboardDbContext db, IReadOnlyCollection<(long Id, TaskInstanceState? State, int TryNumber)> expected, DateTimeOffset now, CancellationToken ct)
    {
        if (expected.Count == 0)
        {
            return new ClearCounts(0, 0, 0);
        }

        var rows = await db.QueryAsync($"""
            WITH expected AS (
                SELECT * FROM unnest(@ids, @states, @tries) AS e(id, state, try_number)
            ), planned AS (
                -- Carries the expected state and try, so the archive and the update need not join
                -- the expected rows again. A task gone from the run's version keeps the budget it
                -- had, as Airflow does.
                SELECT e.id, e.state, e.try_number, ti.try_number + coalesce(dt.retries, greatest(ti.max_tries - ti.try_number, 0)) AS max_tries,
                       r.dag_version_id AS run_version
                FROM expected e
                JOIN task_instance ti ON ti.id = e.id
                JOIN dag_run r ON r.id = ti.dag_run_id
                LEFT JOIN dag_task dt ON dt.dag_version_id = r.dag_version_id AND dt.task_id = ti.task_id
                WHERE e.state IS DISTINCT FROM 'running'
            ), archived AS (
                {ArchiveSql("JOIN planned p USING (id) WHERE ti.state IS NOT DISTINCT FROM p.state")}
            ), cleared AS (
                UPDATE task_instance ti
                SET state = NULL, max_tries = p.max_tries, {ResetTrySql}, dag_version_id = p.run_version, updated_at = @now
                FROM planned p
                WHERE ti.id = p.id AND ti.state IS NOT DISTINCT FROM p.state AND ti.try_number = p.try_number
                RETURNING ti.dag_run_id
            ), restarted AS (
                UPDATE task_instance ti
                SET state = 'restarting', updated_at = @now
                FROM expected e
                WHERE ti.id = e.id AND e.state = 'running' AND ti.state = 'running' AND ti.try_number = e.try_number
                RETURNING ti.dag_run_id
            ), requeued AS (
                UPDATE dag_run
                SET state = 'queued', clear_number = clear_number + 1, queued_at = @now, start_date = NULL, end_date = NULL,
                    last_scheduling_decision = NULL, updated_at = @now
                WHERE id IN (SELECT dag_run_id FROM cleared UNION SELECT dag_run_id FROM restarted) AND state IN ('success', 'failed')
                RETURNING id
            )
            SELECT (SELECT count(*) FROM cleared), (SELECT count(*) FROM restarted), (SELECT count(*) FROM requeued)
            """, r => new ClearCounts(r.GetInt32(0), r.GetInt32(1), r.GetInt32(2)), ct,
            P("ids", expected.Select(e => e.Id).ToArray()),
            P("states", expected.Select(e => e.State is { } state ? SnakeCase.ToSnakeCase(state) : null).ToArray()),
            P("tries", expected.Select(e => e.TryNumber).ToArray()),
            P("now", now));
        return rows[0];
    }

    /// <summary>
    /// A user's mark of task instances still exactly as selected. The try keeps its number; a running
    /// one ends now, and its executor, finding it no longer running, kills the process and drops its result.
    /// </summary>
    /// <returns>The run of each instance marked.</returns>
    public static async Task<List<long>> MarkAsync(
        DashboardDbContext db, IReadOnlyCollection<(long Id, TaskInstanceState? State, int TryNumber)> expected, TaskInstanceState state,
        DateTimeOffset now, CancellationToken ct)
    {
        if (state is not (TaskInstanceState.Success or TaskInstanceState.Failed or TaskInstanceState.Skipped))
        {
            throw new ArgumentOutOfRangeException(nameof(state), state, "Task instances are marked success, failed or skipped.");
        }

        return await db.QueryAsync("""
            WITH expected AS (
                SELECT * FROM unnest(@ids, @states, @tries) AS e(id, state, try_number)
            )
            UPDATE task_instance ti
            SET state = @state, start_date = coalesce(ti.start_date, @now), end_date = coalesce(ti.end_date, @now),
                duration = extract(epoch FROM coalesce(ti.end_date, @now) - coalesce(ti.start_date, @now)),
                retry_at = NULL, updated_at = @now
            FROM expected e
            WHERE ti.id = e.id AND ti.state IS NOT DISTINCT FROM e.state AND ti.try_number = e.try_number
            RETURNING ti.dag_run_id
            """, r => r.GetInt64(0), ct,
            P("ids", expected.Select(e => e.Id).ToArray()),
            P("states", expected.Select(e => e.State is { } s ? SnakeCase.ToSnakeCase(s) : null).ToArray()),
            P("tries", expected.Select(e => e.TryNumber).ToArray()),
            P("state", SnakeCase.ToSnakeCase(state)),
            P("now", now));
    }

    /// <summary>
    /// Copies the selected instances' current try into history (once per try), from the row as it was
    /// before this statement. A try that ended in a state that is not final (up_for_retry) is recorded
    /// as failed, as Airflow's history does: the try itself failed, and the tries list must say so.
    /// </summary>
    private static string ArchiveSql(string selection) => $"""
        INSERT INTO task_instance_history (task_instance_id, dag_run_id, dag_id, task_id, try_number, state, max_tries, dag_version_id,
            start_date, end_date, duration, hostname, pid, queued_at, note, rendered_command, recorded_at)
        SELECT ti.id, ti.dag_run_id, ti.dag_id, ti.task_id, ti.try_number,
            CASE WHEN ti.state IN ('success', 'failed', 'skipped', 'upstream_failed', 'removed') THEN ti.state ELSE 'failed' END, ti.max_tries,
            ti.dag_version_id, ti.start_date, ti.end_date, ti.duration, ti.hostname, ti.pid, ti.queued_at, ti.note, ti.rendered_command, @now
        FROM task_instance ti {selection} AND ti.try_number > 0
        ON CONFLICT (task_instance_id, try_number) DO NOTHING
        """;

    /// <summary>A new try runs its run's version as it is now (a re-run may have moved the run to another).</summary>
    private const string RunVersionSql = "dag_version_id = (SELECT r.dag_version_id FROM dag_run r WHERE r.id = ti.dag_run_id)";

    /// <summary>A new try starts with none of the previous try's run details.</summary>
    private const string ResetTrySql =
        "queued_at = NULL, start_date = NULL, end_date = NULL, duration = NULL, hostname = NULL, pid = NULL, " +
        "executor_id = NULL, last_heartbeat_at = NULL, retry_at = NULL, rendered_command = NULL";
}

/// <summary>What a clear moved: instances reset to no status, running ones set restarting, finished runs queued again.</summary>
public readonly record struct ClearCounts(int Cleared, int Restarted, int RunsRequeued)
{
    public int TaskInstances => Cleared + Restarted;
}

/// <summary>
/// One check of an instance the scheduler runs itself: the state and try it was read in, what it
/// becomes, when it is checked again (for up_for_reschedule) and the line its log gets.
/// </summary>
public sealed record Poke(long Id, TaskInstanceState? Expected, int TryNumber, TaskInstanceState State, DateTimeOffset? NextCheck, string LogLine);

/// <summary>How a try ended, as its executor saw it.</summary>
public enum TryOutcome
{
    Succeeded,
    Failed,

    /// <summary>Stopped from outside (a clear while running, a shutdown): not the task's fault.</summary>
    Interrupted,
}

/// <summary>One try of one task instance: the key the executor moves forward by.</summary>
public readonly record struct ClaimedTry(long Id, int TryNumber);

/// <summary>A try recovered from a dead executor: what it was and what it became, and whether its executor was known to be gone.</summary>
public sealed record LostTry(ClaimedTry Try, string DagId, TaskInstanceState WasState, TaskInstanceState NewState, DateTimeOffset LastHeartbeatAt, bool ExecutorGone);
