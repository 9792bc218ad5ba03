using System.Globalization;
using System.Text.Json.Nodes;
using Dashboard.Core.Dags;
using Dashboard.Core.Domain;
using Dashboard.Core.Domain.Timetables;
using Dashboard.Core.Notifications.Outbox;
using Dashboard.Core.Operations;
using Dashboard.Core.Operations.Trigger;
using Dashboard.Core.Persistence;
using Dashboard.Core.Transitions;
using Dashboard.Scheduler.Execution;
using static Dashboard.Core.Persistence.DbCommands;

namespace Dashboard.Scheduler.Scheduling;

/// <summary>
/// Checks the external_task and trigger_dag instances a pass found due, inside the pass's
/// transaction: the scheduler does their work, so a sensor waiting for hours holds no executor
/// slot (better than Airflow's reschedule mode, which still takes one per check). Whatever waits
/// is <c>up_for_reschedule</c> with its next check in <c>retry_at</c>: every bit of state is in the
/// database, so any scheduler instance, or one restarted after a crash, simply carries on.
/// </summary>
internal static class CrossDagPoker
{
    /// <returns>How many instances moved.</returns>
    public static async Task<int> PokeAsync(
        DashboardDbContext db, DagVersionCache versions, IReadOnlyCollection<long> ids, IReadOnlyDictionary<long, DagVersionModel> structuresByRun,
        NotificationRoutes routes, DateTimeOffset now, CancellationToken ct)
    {
        if (ids.Count == 0)
        {
            return 0;
        }

        var due = (await db.QueryAsync("""
                SELECT ti.id, ti.dag_run_id, ti.dag_id, ti.task_id, ti.state, ti.try_number, ti.start_date,
                       r.run_id, r.logical_date, r.data_interval_start, r.data_interval_end, r.conf::text
                FROM task_instance ti JOIN dag_run r ON r.id = ti.dag_run_id
                WHERE ti.id = ANY(@ids)
                """, r => new Due(
                    r.GetInt64(0), r.GetInt64(1), r.GetString(2), r.GetString(3),
                    r.IsDBNull(4) ? null : SnakeCase.ParseSnakeCase<TaskInstanceState>(r.GetString(4)),
                    r.GetInt32(5), r.NullableField<DateTimeOffset?>(6), r.GetString(7),
                    r.NullableField<DateTimeOffset?>(8), r.NullableField<DateTimeOffset?>(9), r.NullableField<DateTimeOffset?>(10),
                    r.GetString(11)),
                ct, P("ids", ids.ToArray())))
            .Select(d => d with { Settings = structuresByRun[d.RunDbId].Task(d.TaskId)?.CrossDag! })
            .Where(d => d.Settings is not null)
            .ToList();

        var pokes = new List<Poke>();
        pokes.AddRange(await CheckSensorsAsync(db, due.Where(d => structuresByRun[d.RunDbId].Task(d.TaskId)!.Kind == TaskKind.ExternalTask).ToList(), now, ct));
        var triggers = due.Where(d => structuresByRun[d.RunDbId].Task(d.TaskId)!.Kind == TaskKind.TriggerDag).ToList();
        pokes.AddRange(await CheckTriggeredRunsAsync(db, triggers.Where(t => t.State == TaskInstanceState.UpForReschedule).ToList(), now, ct));
        foreach (var trigger in triggers.Where(t => t.State is null))
        {
            if (await TriggerAsync(db, versions, trigger, structuresByRun[trigger.RunDbId], now, ct) is { } poke)
            {
                pokes.Add(poke);
            }
        }

        return (await TaskInstanceTransitions.PokeAsync(db, pokes, routes, now, ct)).Count;
    }

    /// <summary>One query for every due sensor: the state of the task (or run) each waits on.</summary>
    private static async Task<List<Poke>> CheckSensorsAsync(DashboardDbContext db, List<Due> sensors, DateTimeOffset now, CancellationToken ct)
    {
        var pokes = new List<Poke>();
        var dated = new List<Due>();
        foreach (var sensor in sensors)
        {
            if (sensor.LogicalDate is null)
            {
                pokes.Add(sensor.Finish(TaskInstanceState.Failed,
                    $"run {sensor.RunId} has no logical date, and an external_task sensor looks for the run of {sensor.Settings.DagId} at this run's logical date: trigger it with one"));
            }
            else
            {
                dated.Add(sensor);
            }
        }

        if (dated.Count == 0)
        {
            return pokes;
        }

        var targets = await db.QueryAsync("""
            SELECT q.ord, r.run_id, r.state, ti.state, ti.id IS NOT NULL
            FROM unnest(@dags, @dates, @tasks) WITH ORDINALITY AS q(dag_id, logical_date, task_id, ord)
            LEFT JOIN dag_run r ON r.dag_id = q.dag_id AND r.logical_date = q.logical_date
            LEFT JOIN task_instance ti ON ti.dag_run_id = r.id AND ti.task_id = q.task_id
            """, r => (Index: (int)r.GetInt64(0) - 1, RunId: r.NullableField<string>(1), RunState: r.NullableField<string>(2),
                TaskState: r.NullableField<string>(3), HasTask: r.GetBoolean(4)),
            ct,
            P("dags", dated.Select(d => d.Settings.DagId).ToArray()),
            P("dates", dated.Select(d => d.LogicalDate!.Value - d.Settings.ExecutionDelta).ToArray()),
            P("tasks", dated.Select(d => d.Settings.TaskId).ToArray()));

        foreach (var target in targets)
        {
            var sensor = dated[target.Index];
            var settings = sensor.Settings;
            var what = $"{settings.DagId}{(settings.TaskId is null ? "" : "." + settings.TaskId)} at {Iso(sensor.LogicalDate!.Value - settings.ExecutionDelta)}";
            var (state, shown) = (target.RunId, settings.TaskId) switch
            {
                (null, _) => (null, "no run yet"),
                (_, null) => (target.RunState, $"run {target.RunId} {target.RunState}"),
                _ when !target.HasTask => (null, $"run {target.RunId} has no task {settings.TaskId}"),
                _ => (target.TaskState, target.TaskState ?? "no status yet"),
            };
            pokes.Add(Decide(sensor, state, $"{what}: {shown}", now));
        }

        return pokes;
    }

    /// <summary>A trigger_dag waiting for completion: one query for the state of every run they created.</summary>
    private static async Task<List<Poke>> CheckTriggeredRunsAsync(DashboardDbContext db, List<Due> waiting, DateTimeOffset now, CancellationToken ct)
    {
        if (waiting.Count == 0)
        {
            return [];
        }

        var runs = await db.QueryAsync("""
            SELECT q.ord, created.run_id, created.state
            FROM unnest(@dags, @runs, @tasks) WITH ORDINALITY AS q(dag_id, run_id, task_id, ord)
            LEFT JOIN LATERAL (
                SELECT r.run_id, r.state FROM dag_run r
                WHERE r.triggering_dag_id = q.dag_id AND r.triggering_run_id = q.run_id AND r.triggering_task_id = q.task_id
                ORDER BY r.updated_at DESC, r.id DESC
                LIMIT 1
            ) created ON true
            """, r => (Index: (int)r.GetInt64(0) - 1, RunId: r.NullableField<string>(1), State: r.NullableField<string>(2)),
            ct,
            P("dags", waiting.Select(w => w.DagId).ToArray()),
            P("runs", waiting.Select(w => w.RunId).ToArray()),
            P("tasks", waiting.Select(w => w.TaskId).ToArray()));
        return runs.Select(run =>
        {
            var trigger = waiting[run.Index];
            return run.RunId is null
                ? trigger.Finish(TaskInstanceState.Failed, $"the run of {trigger.Settings.DagId} this task created is gone")
                : Decide(trigger, run.State, $"{trigger.Settings.DagId} run {run.RunId}: {run.State}", now);
        }).ToList();
    }

    /// <summary>
    /// Allowed → success, failed → failed, skipped → skipped; otherwise wait until the next check or,
    /// past the timeout (counted from the first check), give up: failed, or skipped with soft_fail.
    /// soft_fail also turns a failed state into a skip, as Airflow's sensors do.
    /// </summary>
    private static Poke Decide(Due due, string? state, string seen, DateTimeOffset now)
    {
        var settings = due.Settings;
        if (state is not null && settings.AllowedStates.Contains(state))
        {
            return due.Finish(TaskInstanceState.Success, $"{seen}: allowed, done");
        }

        if (state is not null && settings.FailedStates.Contains(state))
        {
            return due.Finish(settings.SoftFail ? TaskInstanceState.Skipped : TaskInstanceState.Failed,
                $"{seen}: a failed state{(settings.SoftFail ? "; skipped (soft_fail)" : "")}");
        }

        if (state is not null && settings.SkippedStates.Contains(state))
        {
            return due.Finish(TaskInstanceState.Skipped, $"{seen}: a skipped state, skipped");
        }

        var started = due.State is null ? now : due.StartDate ?? now;
        if (settings.Timeout is { } timeout && now >= started + timeout)
        {
            return due.Finish(settings.SoftFail ? TaskInstanceState.Skipped : TaskInstanceState.Failed,
                $"{seen}; gave up after the timeout of {timeout}{(settings.SoftFail ? "; skipped (soft_fail)" : "")}");
        }

        var next = now + settings.PokeInterval;
        if (settings.Timeout is { } limit && next > started + limit)
        {
            next = started + limit;
        }

        return new Poke(due.Id, due.State, due.TryNumber, TaskInstanceState.UpForReschedule, next, $"{seen}; next check at {Iso(next)}");
    }

    /// <summary>
    /// The first check of a trigger_dag: render the conf, create the other DAG's run through the
    /// same code every run creator uses (or, with reset_dag_run, clear the run already at that date),
    /// and finish or start waiting. Null when the run to reset is locked by its own scheduler: the
    /// next pass tries again.
    /// </summary>
    private static async Task<Poke?> TriggerAsync(DashboardDbContext db, DagVersionCache versions, Due trigger, DagVersionModel structure, DateTimeOffset now, CancellationToken ct)
    {
        var settings = trigger.Settings;
        var target = await db.QueryAsync(
            "SELECT is_active, is_paused, current_version_id, schedule, timezone FROM dag WHERE dag_id = @dag",
            r => (Active: r.GetBoolean(0), Paused: r.GetBoolean(1), Version: r.NullableField<int?>(2), Schedule: r.NullableField<string>(3), Timezone: r.GetString(4)),
            ct, P("dag", settings.DagId));
        if (target.Count == 0)
        {
            return trigger.Finish(TaskInstanceState.Failed, $"there is no DAG '{settings.DagId}' to trigger");
        }

        if (!target[0].Active || target[0].Version is not { } versionId)
        {
            return trigger.Finish(TaskInstanceState.Failed, $"DAG '{settings.DagId}' cannot run: its file is gone or was never loaded");
        }

        var context = new TemplateContext(trigger.DagId, trigger.TaskId, trigger.RunId, trigger.TryNumber + 1, trigger.LogicalDate,
            trigger.IntervalStart, trigger.IntervalEnd, structure.Params.WithDefaults(JsonNode.Parse(trigger.Conf) as JsonObject ?? []));
        var errors = new List<string>();
        var conf = Render(JsonNode.Parse(settings.Conf), context, errors);
        if (errors.Count > 0)
        {
            return trigger.Finish(TaskInstanceState.Failed, $"the conf for {settings.DagId} cannot be rendered: {string.Join("; ", errors)}");
        }

        string confJson;
        try
        {
            confJson = DagTriggerService.ValidateConf(conf?.ToJsonString(), (await versions.GetAsync(db, versionId, ct)).Params);
        }
        catch (OperationRefusedException e)
        {
            return trigger.Finish(TaskInstanceState.Failed, $"the conf does not fit {settings.DagId}: {e.Message}");
        }

        var logicalDate = settings.SameLogicalDate ? trigger.LogicalDate : null;
        var by = new TriggeringTask(trigger.DagId, trigger.RunId, trigger.TaskId);
        var run = new NewDagRun(
            NewDagRun.RunIdFor(DagRunType.Manual, logicalDate ?? now), DagRunType.Manual, logicalDate,
            logicalDate is { } date ? Timetable.For(target[0].Schedule, target[0].Timezone).InferManualInterval(date) : null,
            now, DagRunTriggeredBy.Operator, confJson, TriggeringTask: by);
        var created = await DagRunCreation.CreateAsync(db, settings.DagId, versionId, [run], now, ct);
        var paused = target[0].Paused ? $"; DAG {settings.DagId} is paused, so the run waits until it is unpaused" : "";
        string done;
        if (created.ContainsKey(run.RunId))
        {
            done = $"triggered {settings.DagId} run {run.RunId}{paused}";
        }
        else
        {
            var existing = await db.QueryAsync(
                "SELECT id, run_id FROM dag_run WHERE dag_id = @dag AND (run_id = @run OR logical_date = @date) ORDER BY id LIMIT 1",
                r => (Id: r.GetInt64(0), RunId: r.GetString(1)), ct, P("dag", settings.DagId), P("run", run.RunId), P("date", logicalDate));
            if (existing.Count == 0)
            {
                return null; // created and deleted between the two statements: try again next pass
            }

            if (existing[0].Id == trigger.RunDbId)
            {
                return trigger.Finish(TaskInstanceState.Failed,
                    $"the run of {settings.DagId} at {Iso(logicalDate ?? now)} is this very run, which cannot clear itself; use logical_date: none to trigger a new run of its own DAG");
            }

            if (!settings.ResetDagRun || logicalDate is null)
            {
                return trigger.Finish(TaskInstanceState.Failed,
                    $"DAG {settings.DagId} already has a run at {Iso(logicalDate ?? now)} ({existing[0].RunId}); with reset_dag_run: true it is cleared and run again");
            }

            if (!await ResetAsync(db, existing[0].Id, by, now, ct))
            {
                return null;
            }

            done = $"cleared {settings.DagId} run {existing[0].RunId}, which already had that logical date, to run again (reset_dag_run){paused}";
        }

        return settings.WaitForCompletion
            ? new Poke(trigger.Id, trigger.State, trigger.TryNumber, TaskInstanceState.UpForReschedule, now + settings.PokeInterval,
                $"{done}; waiting for it to finish, next check at {Iso(now + settings.PokeInterval)}")
            : trigger.Finish(TaskInstanceState.Success, done);
    }

    /// <summary>reset_dag_run: clears every task instance of the run (the run is queued again) and records this task as its trigger.</summary>
    private static async Task<bool> ResetAsync(DashboardDbContext db, long runId, TriggeringTask by, DateTimeOffset now, CancellationToken ct)
    {
        // Its own DAG's scheduler may hold the run: then wait a pass rather than a lock.
        var locked = await db.QueryAsync("SELECT id FROM dag_run WHERE id = @id FOR UPDATE SKIP LOCKED", r => r.GetInt64(0), ct, P("id", runId));
        if (locked.Count == 0)
        {
            return false;
        }

        var instances = await db.QueryAsync(
            "SELECT id, state, try_number FROM task_instance WHERE dag_run_id = @id ORDER BY id FOR UPDATE",
            r => (r.GetInt64(0), r.IsDBNull(1) ? (TaskInstanceState?)null : SnakeCase.ParseSnakeCase<TaskInstanceState>(r.GetString(1)), r.GetInt32(2)),
            ct, P("id", runId));
        await TaskInstanceTransitions.ClearAsync(db, instances, now, ct);
        await DagRunTransitions.RecordTriggerAsync(db, runId, by, now, ct);
        return true;
    }

    /// <summary>The conf with each string value rendered as a command is; other values are kept as they are.</summary>
    private static JsonNode? Render(JsonNode? node, TemplateContext context, List<string> errors)
    {
        switch (node)
        {
            case JsonObject obj:
                var rendered = new JsonObject();
                foreach (var (key, value) in obj)
                {
                    rendered[key] = Render(value, context, errors);
                }

                return rendered;
            case JsonArray array:
                return new JsonArray(array.Select(item => Render(item, context, errors)).ToArray());
            case JsonValue value when value.GetValueKind() == System.Text.Json.JsonValueKind.String:
                var result = TaskTemplate.Render(value.GetValue<string>(), context);
                errors.AddRange(result.Errors);
                return JsonValue.Create(result.Command);
            default:
                return node?.DeepClone();
        }
    }

    private static string Iso(DateTimeOffset at) => at.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private sealed record Due(
        long Id, long RunDbId, string DagId, string TaskId, TaskInstanceState? State, int TryNumber, DateTimeOffset? StartDate,
        string RunId, DateTimeOffset? LogicalDate, DateTimeOffset? IntervalStart, DateTimeOffset? IntervalEnd, string Conf)
    {
        public CrossDagSettings Settings { get; init; } = null!;

        public Poke Finish(TaskInstanceState state, string line) => new(Id, State, TryNumber, state, null, line);
    }
}
