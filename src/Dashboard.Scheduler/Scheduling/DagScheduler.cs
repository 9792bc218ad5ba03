using System.Collections.Concurrent;
using Dashboard.Core.Dags;
using Dashboard.Core.Domain;
using Dashboard.Core.Domain.Timetables;
using Dashboard.Core.Notifications.Outbox;
using Dashboard.Core.Observability;
using Dashboard.Core.Persistence;
using Dashboard.Core.Transitions;
using Dashboard.Scheduler.Dependencies;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using static Dashboard.Core.Persistence.DbCommands;

namespace Dashboard.Scheduler.Scheduling;

/// <summary>
/// One scheduling pass over one DAG, in one transaction: create the runs its timetable says are due,
/// start queued runs within their concurrency budgets, and move the task instances of running runs
/// forward. A transaction-scoped advisory lock gives the DAG to one scheduler at a time; runs are
/// locked with SKIP LOCKED, so a user's Clear or Mark on a run simply makes the pass skip it.
/// </summary>
public sealed class DagScheduler(
    DagVersionCache versions, NotificationRoutes routes, DashboardMetrics metrics, IOptions<SchedulerOptions> options, TimeProvider clock)
{
    private readonly ConcurrentDictionary<(string? Schedule, string Timezone), Timetable> timetables = new();

    /// <returns>True when the pass changed anything (another pass may find more to do).</returns>
    public async Task<PassResult> ProcessAsync(DashboardDbContext db, string dagId, CancellationToken ct)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var locked = await db.QueryAsync(
            "SELECT pg_try_advisory_xact_lock(hashtext('dashboard.scheduler'), hashtext(@dag))",
            r => r.GetBoolean(0), ct, P("dag", dagId));
        if (!locked[0])
        {
            return PassResult.Nothing;
        }

        var dag = await db.Dags.AsNoTracking().SingleOrDefaultAsync(d => d.DagId == dagId, ct);
        if (dag is null || dag.IsPaused || !dag.IsActive)
        {
            return PassResult.Nothing;
        }

        var now = clock.GetUtcNow();
        var timetable = timetables.GetOrAdd((dag.Schedule, dag.Timezone), key => Timetable.For(key.Schedule, key.Timezone));
        var created = await CreateDueRunsAsync(db, dag, timetable, now, ct);
        var runs = await LockUnfinishedRunsAsync(db, dagId, ct);
        var started = await StartQueuedRunsAsync(db, dag, runs, now, ct);
        var (scheduled, finished) = await AdvanceRunningRunsAsync(db, dag, timetable, runs.Where(r => r.State == DagRunState.Running || started.Contains(r.Id)).ToList(), now, ct);

        await transaction.CommitAsync(ct);
        finished.Record(metrics, dagId);
        return new PassResult(created + started.Count + finished.Runs.Count > 0 || scheduled.Moved > 0, scheduled.Scheduled);
    }

    /// <summary>
    /// The timetable's due intervals, as many as the DAG's max_active_runs leaves room for (regular
    /// runs only; backfills have their own budget). With catchup off the timetable jumps to the latest
    /// interval; an interval that already has a run (a manual or backfill run on that date) is passed over.
    /// </summary>
    private static async Task<int> CreateDueRunsAsync(DashboardDbContext db, Dag dag, Timetable timetable, DateTimeOffset now, CancellationToken ct)
    {
        if (dag.CurrentVersionId is not { } versionId || dag.Schedule is null)
        {
            return 0;
        }

        var regularActive = await db.DagRuns.CountAsync(
            r => r.DagId == dag.DagId && r.BackfillId == null && (r.State == DagRunState.Queued || r.State == DagRunState.Running), ct);
        var last = await db.DagRuns.AsNoTracking()
            .Where(r => r.DagId == dag.DagId && r.RunType == DagRunType.Scheduled && r.DataIntervalStart != null)
            .OrderByDescending(r => r.LogicalDate)
            .Select(r => new { Start = r.DataIntervalStart!.Value, End = r.DataIntervalEnd!.Value })
            .FirstOrDefaultAsync(ct);
        var lastInterval = last is null ? (DataInterval?)null : new DataInterval(last.Start, last.End);

        HashSet<DateTimeOffset>? taken = null; // logical dates that already have a run, read once when first needed
        var runs = new List<NewDagRun>();
        while (regularActive + runs.Count < dag.MaxActiveRuns
               && timetable.NextAutomatedInterval(lastInterval, dag.StartDate, dag.EndDate, dag.Catchup, now) is { } next
               && next.End <= now)
        {
            taken ??= (await db.DagRuns.Where(r => r.DagId == dag.DagId && r.LogicalDate >= next.Start)
                .Select(r => r.LogicalDate!.Value).ToListAsync(ct)).ToHashSet();

            if (!taken.Contains(next.Start))
            {
                runs.Add(new NewDagRun(
                    NewDagRun.RunIdFor(DagRunType.Scheduled, next.Start), DagRunType.Scheduled, next.Start, next, next.End,
                    DagRunTriggeredBy.Timetable));
            }

            taken.Add(next.Start);
            lastInterval = next;
        }

        return (await DagRunCreation.CreateAsync(db, dag.DagId, versionId, runs, now, ct)).Count;
    }

    private static Task<List<LockedRun>> LockUnfinishedRunsAsync(DashboardDbContext db, string dagId, CancellationToken ct) =>
        db.QueryAsync("""
            SELECT r.id, r.state, r.run_type, r.data_interval_start, r.data_interval_end, r.run_after, r.backfill_id,
                   r.dag_version_id, b.is_paused AND b.completed_at IS NULL, b.max_active_runs, bdr.sort_ordinal
            FROM dag_run r
            LEFT JOIN backfill b ON b.id = r.backfill_id
            -- The slot of the run's current backfill: a run re-run by a later backfill has a slot in each.
            LEFT JOIN backfill_dag_run bdr ON bdr.dag_run_id = r.id AND bdr.backfill_id = r.backfill_id
            WHERE r.dag_id = @dag AND r.state IN ('queued', 'running')
            ORDER BY r.id
            FOR UPDATE OF r SKIP LOCKED
            """, r => new LockedRun(
                r.GetInt64(0),
                SnakeCase.ParseSnakeCase<DagRunState>(r.GetString(1)),
                SnakeCase.ParseSnakeCase<DagRunType>(r.GetString(2)),
                r.IsDBNull(3) ? null : new DataInterval(r.GetFieldValue<DateTimeOffset>(3), r.GetFieldValue<DateTimeOffset>(4)),
                r.GetFieldValue<DateTimeOffset>(5),
                r.NullableField<int?>(6),
                r.NullableField<int?>(7),
                r.NullableField<bool?>(8) ?? false,
                r.NullableField<int?>(9),
                r.NullableField<int?>(10)),
            ct, P("dag", dagId));

    /// <summary>
    /// Airflow's queued → running gate: runs count against their (DAG, backfill) group's budget, regular
    /// runs go before backfill runs, backfill runs start in their sort order, and nothing starts
    /// before its run_after or while its backfill is paused.
    /// </summary>
    private static async Task<HashSet<long>> StartQueuedRunsAsync(
        DashboardDbContext db, Dag dag, List<LockedRun> runs, DateTimeOffset now, CancellationToken ct)
    {
        var queued = runs
            .Where(r => r.State == DagRunState.Queued && r.RunAfter <= now && !r.BackfillPaused)
            .OrderBy(r => r.SortOrdinal.HasValue).ThenBy(r => r.SortOrdinal).ThenBy(r => r.RunAfter).ThenBy(r => r.Id)
            .ToList();
        if (queued.Count == 0)
        {
            return [];
        }

        var running = (await db.DagRuns.Where(r => r.DagId == dag.DagId && r.State == DagRunState.Running)
                .GroupBy(r => r.BackfillId).Select(g => new { g.Key, Count = g.Count() }).ToListAsync(ct))
            .ToDictionary(g => g.Key ?? 0, g => g.Count);
        var toStart = new List<long>();
        foreach (var run in queued)
        {
            var group = run.BackfillId ?? 0;
            if (running.GetValueOrDefault(group) < (run.BackfillMaxActiveRuns ?? dag.MaxActiveRuns))
            {
                toStart.Add(run.Id);
                running[group] = running.GetValueOrDefault(group) + 1;
            }
        }

        await DagRunTransitions.StartAsync(db, toStart, now, ct);
        return [.. toStart];
    }

    private async Task<(TransitionCounts Scheduled, Finished Finished)> AdvanceRunningRunsAsync(
        DashboardDbContext db, Dag dag, Timetable timetable, List<LockedRun> runs, DateTimeOffset now, CancellationToken ct)
    {
        if (runs.Count == 0)
        {
            return (TransitionCounts.None, Finished.Empty());
        }

        var runIds = runs.Select(r => r.Id).ToArray();
        var taskInstances = (await db.QueryAsync(
                "SELECT id, dag_run_id, task_id, state, retry_at FROM task_instance WHERE dag_run_id = ANY(@runs)",
                r => (RunId: r.GetInt64(1), Ti: new TaskInstanceSnapshot(
                    r.GetInt64(0), r.GetString(2),
                    r.IsDBNull(3) ? null : SnakeCase.ParseSnakeCase<TaskInstanceState>(r.GetString(3)),
                    r.NullableField<DateTimeOffset?>(4))),
                ct, P("runs", runIds)))
            .ToLookup(t => t.RunId, t => t.Ti);
        var busy = await db.TaskInstances.CountAsync(
            t => t.DagId == dag.DagId && (t.State == TaskInstanceState.Scheduled || t.State == TaskInstanceState.Queued
                                          || t.State == TaskInstanceState.Running || t.State == TaskInstanceState.Restarting), ct);
        var freeSlots = Math.Max(0, dag.MaxActiveTasks - busy);

        var models = await versions.GetAsync(db, runs.Select(r => r.VersionId).OfType<int>(), ct);
        var structuresByRun = runs.Where(r => r.VersionId is not null).ToDictionary(r => r.Id, r => models[r.VersionId!.Value]);

        var previous = structuresByRun.Values.Any(s => s.HasPastDependencies)
            ? await PreviousRunStatesAsync(db, dag, runIds, ct)
            : [];

        var all = new RunDecisions();
        var outcomes = new List<(long RunId, DagRunState State)>();
        foreach (var run in runs.Where(r => structuresByRun.ContainsKey(r.Id)).OrderBy(r => r.RunAfter))
        {
            var snapshot = new RunSnapshot(run.Id, taskInstances[run.Id].ToList(), IsLatestInterval(run, timetable, now), PastOf(run, previous));
            var decisions = RunEvaluator.Evaluate(structuresByRun[run.Id], snapshot, now, ref freeSlots);
            all.Schedule.AddRange(decisions.Schedule);
            all.Succeed.AddRange(decisions.Succeed);
            all.Skip.AddRange(decisions.Skip);
            all.UpstreamFail.AddRange(decisions.UpstreamFail);
            all.Poke.AddRange(decisions.Poke);
            if (decisions.Outcome is { } outcome)
            {
                outcomes.Add((run.Id, outcome));
            }
        }

        var finished = Finished.Empty();
        foreach (var (ids, state) in new[] { (all.Succeed, TaskInstanceState.Success), (all.Skip, TaskInstanceState.Skipped), (all.UpstreamFail, TaskInstanceState.UpstreamFailed) })
        {
            finished.TaskInstances[state] = await TaskInstanceTransitions.FinishWithoutRunningAsync(db, ids, state, now, ct);
        }

        var moved = finished.TaskInstances.Values.Sum() + await CrossDagPoker.PokeAsync(db, versions, all.Poke, structuresByRun, routes, now, ct);
        var scheduled = await TaskInstanceTransitions.ScheduleAsync(db, all.Schedule, now, ct);
        foreach (var (runId, state) in outcomes)
        {
            if (await DagRunTransitions.FinishAsync(db, runId, state, routes, now, ct))
            {
                finished.Runs.Add(state);
            }
        }

        // Only a run failing now can complete a streak; the pause joins this pass's transaction.
        if (finished.Runs.Contains(DagRunState.Failed) && (dag.MaxConsecutiveFailedDagRuns ?? options.Value.MaxConsecutiveFailedDagRuns) is > 0 and var limit)
        {
            await DagPauseTransitions.PauseAfterFailuresAsync(db, dag.DagId, limit, routes, now, ct);
        }

        return (new TransitionCounts(moved + scheduled, scheduled), finished);
    }

    /// <summary>
    /// LatestOnly's window (Airflow's LatestOnlyOperator): a run is the latest when now lies after its
    /// interval's end and no later than the next interval's end. Manual runs, runs without an
    /// interval and zero-length intervals always count as the latest.
    /// </summary>
    internal static bool IsLatestInterval(LockedRun run, Timetable timetable, DateTimeOffset now)
    {
        if (run.RunType == DagRunType.Manual || run.Interval is not { } interval || interval.Start == interval.End
            || timetable.Following(interval) is not { } following)
        {
            return true;
        }

        return interval.End < now && now <= following.End;
    }

    /// <summary>
    /// The previous run depends_on_past looks at, or null for none. The first run of a backfill, in
    /// the order it runs (its slot's sort ordinal is 1), has none: Airflow lets it start whatever the
    /// run before the range did (<c>PrevDagrunDep</c>), or the backfill could wait forever on a run it
    /// does not cover. Its later runs wait on each other as usual.
    /// </summary>
    private static IReadOnlyDictionary<string, TaskInstanceState?>? PastOf(
        LockedRun run, Dictionary<long, IReadOnlyDictionary<string, TaskInstanceState?>> previous) =>
        run.SortOrdinal == 1 ? null : previous.GetValueOrDefault(run.Id);

    /// <summary>
    /// For each run, the states of the previous run's task instances: the previous non-manual run by
    /// logical date when the DAG catches up, otherwise any earlier run (Airflow's prev_dagrun_dep).
    /// </summary>
    private static async Task<Dictionary<long, IReadOnlyDictionary<string, TaskInstanceState?>>> PreviousRunStatesAsync(
        DashboardDbContext db, Dag dag, long[] runIds, CancellationToken ct)
    {
        var rows = await db.QueryAsync("""
            SELECT r.id, ti.task_id, ti.state
            FROM dag_run r
            CROSS JOIN LATERAL (
                SELECT p.id FROM dag_run p
                WHERE p.dag_id = r.dag_id AND p.logical_date < r.logical_date AND (NOT @catchup OR p.run_type <> 'manual')
                ORDER BY p.logical_date DESC
                LIMIT 1
            ) previous
            JOIN task_instance ti ON ti.dag_run_id = previous.id
            WHERE r.id = ANY(@runs) AND r.logical_date IS NOT NULL
            """, r => (RunId: r.GetInt64(0), TaskId: r.GetString(1),
                State: r.IsDBNull(2) ? (TaskInstanceState?)null : SnakeCase.ParseSnakeCase<TaskInstanceState>(r.GetString(2))),
            ct, P("runs", runIds), P("catchup", dag.Catchup));
        return rows.GroupBy(r => r.RunId).ToDictionary(
            g => g.Key,
            g => (IReadOnlyDictionary<string, TaskInstanceState?>)g.ToDictionary(r => r.TaskId, r => r.State, StringComparer.Ordinal));
    }

    internal sealed record LockedRun(
        long Id,
        DagRunState State,
        DagRunType RunType,
        DataInterval? Interval,
        DateTimeOffset RunAfter,
        int? BackfillId,
        int? VersionId,
        bool BackfillPaused,
        int? BackfillMaxActiveRuns,
        int? SortOrdinal);

    private readonly record struct TransitionCounts(int Moved, int Scheduled)
    {
        public static readonly TransitionCounts None = new(0, 0);
    }

    /// <summary>What a pass finished, kept until its transaction commits: a rolled-back pass counts nothing.</summary>
    private sealed record Finished(Dictionary<TaskInstanceState, int> TaskInstances, List<DagRunState> Runs)
    {
        public static Finished Empty() => new([], []);

        public void Record(DashboardMetrics metrics, string dagId)
        {
            foreach (var (state, count) in TaskInstances)
            {
                metrics.TaskInstancesFinished(dagId, state, count);
            }

            foreach (var state in Runs)
            {
                metrics.DagRunFinished(dagId, state);
            }
        }
    }
}

/// <summary>What a pass did: whether anything moved, and how many tries it handed to executors.</summary>
public readonly record struct PassResult(bool Changed, int Scheduled)
{
    public static readonly PassResult Nothing = new(false, 0);
}
