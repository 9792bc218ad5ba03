using System.Text.Json.Nodes;
using Dashboard.Core.Auditing;
using Dashboard.Core.Dags;
using Dashboard.Core.Domain;
using Dashboard.Core.Domain.Timetables;
using Dashboard.Core.Operations.Selection;
using Dashboard.Core.Operations.Trigger;
using Dashboard.Core.Operations.Versions;
using Dashboard.Core.Persistence;
using Dashboard.Core.Transitions;
using Dashboard.Core.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Npgsql;
using static Dashboard.Core.Persistence.DbCommands;

namespace Dashboard.Core.Operations.Backfill;

public sealed class BackfillOptions
{
    public const string Section = "Backfill";

    /// <summary>The most runs one backfill may cover; a longer range is refused with its count.</summary>
    public int MaxRuns { get; set; } = 1_000;

    /// <summary>Reads <c>Backfill:MaxRuns</c> (Core binds by hand: it takes no dependency on the configuration binder).</summary>
    /// <exception cref="InvalidOperationException">The setting is there but not a positive whole number.</exception>
    public static void Read(IConfiguration? configuration, BackfillOptions options)
    {
        if (configuration?[$"{Section}:{nameof(MaxRuns)}"] is { Length: > 0 } text)
        {
            options.MaxRuns = int.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, out var value) && value > 0
                ? value
                : throw new InvalidOperationException($"{Section}:{nameof(MaxRuns)} must be a positive whole number, not '{text}'.");
        }
    }
}

/// <param name="Id">The new backfill's id.</param>
public sealed record BackfillCreated(int Id, int Created, int Rerun, int Skipped);

/// <summary>
/// Backfills (Airflow 3's scheduler-managed kind): the plan a preview shows is the plan a create
/// applies, in one transaction, with every run created up front as queued. The scheduler then
/// starts them in sort order within the backfill's own max_active_runs.
/// </summary>
public sealed class BackfillService(
    IDbContextFactory<DashboardDbContext> dbFactory, RerunVersionPlanner versions, TimeProvider clock, IOptions<BackfillOptions> options)
{
    /// <summary>The most intervals counted when a range is too long, so a minutely DAG over years still answers quickly.</summary>
    private const int CountCeiling = 1_000_000;

    public async Task<BackfillPlan> PreviewAsync(BackfillRequest request, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return (await PlanAsync(db, request, lockRuns: false, ct)).Plan;
    }

    /// <exception cref="OperationRefusedException">A rule is broken or there is nothing to do; nothing was created.</exception>
    public async Task<BackfillCreated> CreateAsync(BackfillRequest request, CancellationToken ct = default)
    {
        request.Actor.Demand(Permission.Backfill, "create backfills");
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        db.Database.AutoSavepointsEnabled = false;
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        await DagAccess.DemandAsync(db, request.Actor, [request.DagId], "create backfills", ct);
        var (plan, dag, conf) = await PlanAsync(db, request, lockRuns: true, ct);
        if (plan.Blocker is { } blocker || dag is null)
        {
            throw new OperationRefusedException(plan.Blocker ?? "There is no such DAG.");
        }

        var now = clock.GetUtcNow();
        var backfill = new Domain.Backfill
        {
            DagId = dag.DagId,
            FromDate = request.FromDate.ToUniversalTime(),
            ToDate = request.ToDate.ToUniversalTime(),
            DagRunConf = conf,
            ReprocessBehavior = request.Reprocess,
            MaxActiveRuns = request.MaxActiveRuns,
            RunBackwards = request.RunBackwards,
            CreatedAt = now,
            UpdatedAt = now,
            TriggeringUserName = request.Actor.Name,
        };
        db.Backfills.Add(backfill);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException e) when (e.InnerException is PostgresException { ConstraintName: "ux_backfill_one_active_per_dag" })
        {
            throw new OperationRefusedException($"DAG '{dag.DagId}' already has an active backfill: one was created a moment ago.");
        }

        var slots = await ApplyAsync(db, dag, backfill.Id, plan, conf, request.GivesConf, request.Actor.Name, now, ct);
        if (request.UnpauseDag && dag.IsPaused)
        {
            await db.Dags.Where(d => d.DagId == dag.DagId).ExecuteUpdateAsync(s => s.SetProperty(d => d.IsPaused, false), ct);
            AuditWriter.Record(db, now, request.Actor, "dag.unpause", dag.DagId, 1, new { reason = $"backfill #{backfill.Id}" });
        }

        var result = new BackfillCreated(backfill.Id,
            slots.Count(s => s.Action == SlotAction.Create), slots.Count(s => s.Action == SlotAction.Rerun), slots.Count(s => s.Action == SlotAction.Skip));
        AuditWriter.Record(db, now, request.Actor, "backfill.create", dag.DagId, result.Created + result.Rerun,
            new
            {
                backfill_id = backfill.Id,
                from_date = backfill.FromDate,
                to_date = backfill.ToDate,
                reprocess_behavior = SnakeCase.ToSnakeCase(request.Reprocess),
                max_active_runs = request.MaxActiveRuns,
                run_backwards = request.RunBackwards,
                dag_run_conf = request.GivesConf ? JsonNode.Parse(conf) : null,
                created = result.Created,
                rerun = result.Rerun,
                skipped = result.Skipped,
                request.KeepVersions,
                versions = PreviewCheck.AuditVersions(plan.Versions),
            });
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        return result;
    }

    /// <returns>True when the backfill changed; false when it already was paused (or running).</returns>
    /// <exception cref="OperationRefusedException">There is no such backfill, or it is complete.</exception>
    public async Task<bool> SetPausedAsync(int backfillId, bool paused, Actor actor, CancellationToken ct = default)
    {
        actor.Demand(Permission.Backfill, paused ? "pause backfills" : "unpause backfills");
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var backfill = await ActiveAsync(db, backfillId, paused ? "paused" : "resumed", ct);
        await DagAccess.DemandAsync(db, actor, [backfill.DagId], paused ? "pause backfills" : "unpause backfills", ct);
        var now = clock.GetUtcNow();
        if (!await BackfillTransitions.SetPausedAsync(db, backfillId, paused, now, ct))
        {
            return false;
        }

        AuditWriter.Record(db, now, actor, paused ? "backfill.pause" : "backfill.unpause", backfill.DagId, 1, new { backfill_id = backfillId });
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        return true;
    }

    /// <summary>
    /// Completes the backfill at once and fails its queued runs; running runs finish. The DAG may be
    /// backfilled again straight away.
    /// </summary>
    /// <returns>How many queued runs failed.</returns>
    /// <exception cref="OperationRefusedException">There is no such backfill, or it is complete (a second cancel too).</exception>
    public async Task<int> CancelAsync(int backfillId, Actor actor, CancellationToken ct = default)
    {
        actor.Demand(Permission.Backfill, "cancel backfills");
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var backfill = await ActiveAsync(db, backfillId, "cancelled", ct);
        await DagAccess.DemandAsync(db, actor, [backfill.DagId], "cancel backfills", ct);
        var now = clock.GetUtcNow();

        // Conditional: of two cancels at once, the second finds the backfill complete once the first commits.
        var failed = await BackfillTransitions.CancelAsync(db, backfillId, now, ct)
                     ?? throw new OperationRefusedException(Complete(backfillId, "cancelled"));
        AuditWriter.Record(db, now, actor, "backfill.cancel", backfill.DagId, failed, new { backfill_id = backfillId, queued_runs_failed = failed });
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        return failed;
    }

    private static async Task<Domain.Backfill> ActiveAsync(DashboardDbContext db, int backfillId, string verb, CancellationToken ct)
    {
        var backfill = await db.Backfills.AsNoTracking().SingleOrDefaultAsync(b => b.Id == backfillId, ct)
                       ?? throw new OperationRefusedException($"There is no backfill #{backfillId}.");
        return backfill.CompletedAt is null ? backfill : throw new OperationRefusedException(Complete(backfillId, verb));
    }

    private static string Complete(int backfillId, string verb) => $"Backfill #{backfillId} is complete, so it cannot be {verb}.";

    /// <summary>
    /// The plan: every rule checked (all problems reported at once, each with its field), then each
    /// completed interval in [from, to] matched with the run that has its logical date. With
    /// <paramref name="lockRuns"/> the runs to re-run are locked, and one another transaction holds
    /// is in flight instead.
    /// </summary>
    private async Task<(BackfillPlan Plan, Dag? Dag, string Conf)> PlanAsync(
        DashboardDbContext db, BackfillRequest request, bool lockRuns, CancellationToken ct)
    {
        var problems = new List<BackfillProblem>();
        void Problem(BackfillField field, string message) => problems.Add(new BackfillProblem(field, message));

        var dag = await db.Dags.AsNoTracking().SingleOrDefaultAsync(d => d.DagId == request.DagId, ct);
        if (dag is null)
        {
            Problem(BackfillField.Dag, $"There is no DAG '{request.DagId}'.");
            return (new BackfillPlan([], problems, false, RerunVersions.None), null, "{}");
        }

        // Locked first when creating: the DAG-file processor cannot make another version current meanwhile.
        var current = await versions.CurrentAsync(db, dag.DagId, lockDag: lockRuns, ct);
        if (request.PreviewedVersionId is { } previewed && current.Current is { } latest && latest.VersionId != previewed)
        {
            throw new PreviewOutdatedException(
                $"Nothing was created, because the DAG file changed since the preview: the current version is now {latest.Label}. Check the new preview and submit again.");
        }

        var now = clock.GetUtcNow();
        var (from, to) = (request.FromDate.ToUniversalTime(), request.ToDate.ToUniversalTime());
        var timetable = Timetable.For(dag.Schedule, dag.Timezone);
        if (!dag.IsActive || dag.CurrentVersionId is null)
        {
            Problem(BackfillField.Dag, $"DAG '{dag.DagId}' cannot run: its file is gone or was never loaded.");
        }
        else if (!timetable.IsPeriodic)
        {
            Problem(BackfillField.Dag, $"DAG '{dag.DagId}' has no periodic schedule ({dag.Schedule ?? "manual runs only"}), so it has no intervals to backfill.");
        }

        if (from > to)
        {
            Problem(BackfillField.ToDate, "The end date is before the start date.");
        }
        else if (from > now)
        {
            Problem(BackfillField.FromDate, "Backfill cannot run for future dates: the range starts after now.");
        }

        if (request.MaxActiveRuns is < 1 or > 1_000)
        {
            Problem(BackfillField.MaxActiveRuns, "Max active runs must be between 1 and 1,000.");
        }

        var conf = "{}";
        try
        {
            conf = DagTriggerService.ValidateConf(request.ConfJson, current.Current?.Params ?? DagParams.None);
        }
        catch (OperationRefusedException invalid)
        {
            Problem(BackfillField.Conf, invalid.Message);
        }

        if (dag.CurrentVersionId is { } version && await db.DagTasks.AnyAsync(t => t.DagVersionId == version && t.DependsOnPast, ct))
        {
            if (request.RunBackwards)
            {
                Problem(BackfillField.RunBackwards, "This DAG has tasks that depend on their past runs, so it cannot be backfilled backwards.");
            }

            if (request.Reprocess == ReprocessBehavior.None)
            {
                Problem(BackfillField.Reprocess,
                    "This DAG has tasks that depend on their past runs: choose \"Missing and errored runs\" (failed) or \"All runs\" (completed) so the history they depend on is complete.");
            }
        }

        var intervals = problems.Count == 0 || timetable.IsPeriodic && from <= to
            ? timetable.CompletedIntervalsBetween(from, to, dag.StartDate, dag.EndDate, now).Take(CountCeiling + 1).ToList()
            : [];
        if (intervals.Count > options.Value.MaxRuns)
        {
            var count = intervals.Count > CountCeiling ? $"more than {CountCeiling:N0}" : $"{intervals.Count:N0}";
            Problem(BackfillField.ToDate, $"The range holds {count} runs, more than the limit of {options.Value.MaxRuns:N0} per backfill: narrow the range.");
        }

        var slots = problems.Count == 0 ? await SlotsAsync(db, dag.DagId, intervals, request.Reprocess, lockRuns, ct) : [];

        // Read after the runs: a backfill that committed while this plan was made is seen here if its
        // runs were seen above, so a racing create is refused for that backfill, not for "nothing to do".
        if (await db.Backfills.AsNoTracking().Where(b => b.DagId == dag.DagId && b.CompletedAt == null).FirstOrDefaultAsync(ct) is { } active)
        {
            Problem(BackfillField.Dag,
                $"DAG '{dag.DagId}' already has an active backfill (#{active.Id}, {active.FromDate:yyyy-MM-dd} to {active.ToDate:yyyy-MM-dd}): wait for it to complete, or cancel it.");
            slots = [];
        }

        if (request.RunBackwards)
        {
            slots.Reverse();
        }

        var rerun = slots.Where(s => s.Action == SlotAction.Rerun).Select(s => (s.ExistingId!.Value, s.ExistingRunId!, s.ExistingVersionId));
        var plan = await versions.PlanAsync(db, current, rerun, request.KeepVersions, ct);
        return (new BackfillPlan(slots, problems, dag.IsPaused, plan), dag, conf);
    }

    private static async Task<List<BackfillSlot>> SlotsAsync(
        DashboardDbContext db, string dagId, List<DataInterval> intervals, ReprocessBehavior reprocess, bool lockRuns, CancellationToken ct)
    {
        if (intervals.Count == 0)
        {
            return [];
        }

        var existing = (await db.QueryAsync("""
                SELECT logical_date, id, run_id, state, dag_version_id FROM dag_run
                WHERE dag_id = @dag AND logical_date BETWEEN @first AND @last
                """,
                r => (LogicalDate: r.GetFieldValue<DateTimeOffset>(0), Id: r.GetInt64(1), RunId: r.GetString(2),
                    State: SnakeCase.ParseSnakeCase<DagRunState>(r.GetString(3)), VersionId: r.NullableField<int?>(4)),
                ct, P("dag", dagId), P("first", intervals[0].Start), P("last", intervals[^1].Start)))
            .ToDictionary(r => r.LogicalDate);

        var slots = intervals.Select(interval => existing.TryGetValue(interval.Start, out var run)
                ? new BackfillSlot(interval, Reprocesses(reprocess, run.State) ? SlotAction.Rerun : SlotAction.Skip, run.RunId, run.State,
                    run.State.IsFinished() ? Reprocesses(reprocess, run.State) ? null : BackfillSlot.AlreadyExists : BackfillSlot.InFlight,
                    run.Id, run.VersionId)
                : new BackfillSlot(interval, SlotAction.Create, null, null, null))
            .ToList();
        if (!lockRuns)
        {
            return slots;
        }

        // A run someone is clearing or the scheduler is finishing right now stays theirs: in flight.
        var rerunIds = slots.Where(s => s.Action == SlotAction.Rerun).Select(s => existing[s.LogicalDate].Id).ToArray();
        var locked = (await db.QueryAsync("""
                SELECT id FROM dag_run WHERE id = ANY(@ids) AND state IN ('success', 'failed') ORDER BY id FOR UPDATE SKIP LOCKED
                """, r => r.GetInt64(0), ct, P("ids", rerunIds))).ToHashSet();
        return slots
            .Select(s => s.Action == SlotAction.Rerun && !locked.Contains(existing[s.LogicalDate].Id)
                ? s with { Action = SlotAction.Skip, SkipReason = BackfillSlot.InFlight }
                : s)
            .ToList();
    }

    /// <summary>Airflow's reprocess table: queued and running runs are never touched; failed ones with "failed" or "completed"; successful ones with "completed".</summary>
    private static bool Reprocesses(ReprocessBehavior reprocess, DagRunState state) => (reprocess, state) switch
    {
        (ReprocessBehavior.Completed, DagRunState.Success or DagRunState.Failed) => true,
        (ReprocessBehavior.Failed, DagRunState.Failed) => true,
        _ => false,
    };

    /// <summary>Creates the missing runs, clears and adopts the ones to re-run, and records every slot: a handful of set-based statements.</summary>
    /// <returns>The slots as applied: a run another creator took a moment ago is in flight.</returns>
    private static async Task<List<BackfillSlot>> ApplyAsync(
        DashboardDbContext db, Dag dag, int backfillId, BackfillPlan plan, string conf, bool rerunsGetConf, string actor, DateTimeOffset now,
        CancellationToken ct)
    {
        var toCreate = plan.Slots.Where(s => s.Action == SlotAction.Create)
            .Select(s => new NewDagRun(NewDagRun.RunIdFor(DagRunType.Backfill, s.LogicalDate), DagRunType.Backfill, s.LogicalDate, s.Interval,
                s.Interval.End, DagRunTriggeredBy.Backfill, conf, actor, backfillId))
            .ToList();
        var created = await DagRunCreation.CreateAsync(db, dag.DagId, dag.CurrentVersionId!.Value, toCreate, now, ct);

        var rerunRunIds = plan.Slots.Where(s => s.Action == SlotAction.Rerun).Select(s => s.ExistingRunId!).ToArray();
        var rerun = (await db.QueryAsync(
                "SELECT id, run_id FROM dag_run WHERE dag_id = @dag AND run_id = ANY(@runs)",
                r => (Id: r.GetInt64(0), RunId: r.GetString(1)), ct, P("dag", dag.DagId), P("runs", rerunRunIds)))
            .ToDictionary(r => r.RunId, r => r.Id);

        // Moved first, so the clear below finds the instances of tasks the current version no longer has removed, and skips them.
        await PreviewCheck.MoveRunsAsync(db, dag.DagId, plan.Versions, now, ct);
        var toClear = await db.QueryAsync("""
                SELECT id, state, try_number FROM task_instance
                WHERE dag_run_id = ANY(@runs) AND state IS DISTINCT FROM 'removed'
                """,
            r => (r.GetInt64(0), r.IsDBNull(1) ? (TaskInstanceState?)null : SnakeCase.ParseSnakeCase<TaskInstanceState>(r.GetString(1)), r.GetInt32(2)),
            ct, P("runs", rerun.Values.ToArray()));
        await TaskInstanceTransitions.ClearAsync(db, toClear, now, ct);
        await BackfillTransitions.AdoptRunsAsync(db, rerun.Values, backfillId, rerunsGetConf ? conf : null, now, ct);

        var applied = plan.Slots
            .Select(s => s.Action == SlotAction.Create && !created.ContainsKey(NewDagRun.RunIdFor(DagRunType.Backfill, s.LogicalDate))
                ? s with { Action = SlotAction.Skip, SkipReason = BackfillSlot.InFlight }
                : s)
            .ToList();
        long? RunOf(BackfillSlot s) => s.Action switch
        {
            SlotAction.Create => created[NewDagRun.RunIdFor(DagRunType.Backfill, s.LogicalDate)],
            SlotAction.Rerun => rerun[s.ExistingRunId!],
            _ => null,
        };
        await db.ExecuteAsync("""
            INSERT INTO backfill_dag_run (backfill_id, dag_run_id, exception_reason, logical_date, sort_ordinal)
            SELECT @backfill, s.run, s.reason, s.logical_date, s.ordinal
            FROM unnest(@runs, @reasons, @dates, @ordinals) AS s(run, reason, logical_date, ordinal)
            """, ct,
            P("backfill", backfillId),
            P("runs", applied.Select(RunOf).ToArray()),
            P("reasons", applied.Select(s => s.SkipReason).ToArray()),
            P("dates", applied.Select(s => s.LogicalDate).ToArray()),
            P("ordinals", applied.Select((_, i) => i + 1).ToArray()));
        return applied;
    }
}
