using Dashboard.Core.Dags;
using Dashboard.Core.Domain;
using Dashboard.Core.Persistence;
using static Dashboard.Core.Persistence.DbCommands;

namespace Dashboard.Core.Operations.Selection;

/// <summary>
/// The one selection behind every Clear and Mark, for their previews and their executions alike:
/// targets, expanded to relatives (in each target run's own DAG version, as Airflow does, or in the
/// version a re-run moves the runs to), then to the same tasks in earlier or later runs by logical date.
/// </summary>
public sealed class TaskInstanceSelection(DagVersionCache versions)
{
    /// <summary>
    /// Reads the selected task instances, in grid order (runs oldest first, tasks in DAG order).
    /// With <paramref name="lockRuns"/> the runs in scope are first locked in id order, so two
    /// actions on overlapping runs queue up instead of deadlocking, and the scheduler passes them by.
    /// </summary>
    /// <param name="resolveInCurrent">
    /// Find relatives and group members in the DAG's current version for every run, the version a
    /// re-run moves the runs to; otherwise in each run's own version.
    /// </param>
    /// <exception cref="OperationRefusedException">Nothing is targeted, or a target does not exist.</exception>
    public async Task<List<AffectedTaskInstance>> SelectAsync(
        DashboardDbContext db, string dagId, IReadOnlyList<TaskTarget> targets, Relatives relatives, bool lockRuns, CancellationToken ct,
        bool resolveInCurrent = false)
    {
        if (targets.Count == 0)
        {
            throw new OperationRefusedException("Nothing is selected: pick at least one task instance.");
        }

        var (anchors, currentId) = await ReadAnchorRunsAsync(db, dagId, targets, relatives, ct);
        var models = await versions.GetAsync(db, anchors.Values.Select(a => a.VersionId).Append(currentId).OfType<int>(), ct);
        var current = currentId is { } id ? models[id] : null;
        var resolveIn = resolveInCurrent ? current : null;
        var scope = Scope(targets, relatives, anchors, models, resolveIn);
        var taskScope = scope.Where(s => s.TaskId is not null).ToList();
        var wholeRunAnchors = scope.Where(s => s.TaskId is null).Select(s => s.AnchorId).ToArray();
        if (lockRuns)
        {
            await db.ExecuteAsync($"""
                SELECT r.id FROM dag_run a
                JOIN dag_run r ON {RunsInScopeSql}
                WHERE a.id = ANY(@anchors)
                ORDER BY r.id
                FOR UPDATE OF r
                """, ct, P("anchors", anchors.Values.Select(a => a.Id).ToArray()), P("past", relatives.Past), P("future", relatives.Future));
        }

        // Task scopes join on (run, task) and whole runs on the run alone. One join on
        // "task IS NULL OR task = ..." can neither be hashed nor use the (run, task) index: it paired
        // every task instance of every run in scope with every task of the scope (400,000 pairs to
        // find 10,000 instances for 28 tasks over a year of daily runs).
        var selected = await db.QueryAsync($"""
            SELECT ti.id, ti.dag_run_id, r.run_id, ti.task_id, ti.state, ti.try_number, r.state, r.logical_date, r.run_after, r.dag_version_id
            FROM unnest(@anchors, @tasks) AS s(anchor, task_id)
            JOIN dag_run a ON a.id = s.anchor
            JOIN dag_run r ON {RunsInScopeSql}
            JOIN task_instance ti ON ti.dag_run_id = r.id AND ti.task_id = s.task_id
            UNION ALL
            SELECT ti.id, ti.dag_run_id, r.run_id, ti.task_id, ti.state, ti.try_number, r.state, r.logical_date, r.run_after, r.dag_version_id
            FROM dag_run a
            JOIN dag_run r ON {RunsInScopeSql}
            JOIN task_instance ti ON ti.dag_run_id = r.id
            WHERE a.id = ANY(@whole_runs)
            """, r => new AffectedTaskInstance(
                r.GetInt64(0), r.GetInt64(1), r.GetString(2), r.GetString(3),
                r.IsDBNull(4) ? null : SnakeCase.ParseSnakeCase<TaskInstanceState>(r.GetString(4)),
                r.GetInt32(5), SnakeCase.ParseSnakeCase<DagRunState>(r.GetString(6)),
                r.NullableField<DateTimeOffset?>(7), r.GetFieldValue<DateTimeOffset>(8), r.NullableField<int?>(9)),
            ct,
            P("anchors", taskScope.Select(s => s.AnchorId).ToArray()),
            P("tasks", taskScope.Select(s => s.TaskId!).ToArray()),
            P("whole_runs", wholeRunAnchors),
            P("past", relatives.Past),
            P("future", relatives.Future));

        // Scopes overlap when anchors reach the same runs (Past or Future from more than one run): the
        // same instance then comes back once per scope, each time as the same row.
        var order = TaskOrder(anchors.Values, models, current);
        return selected
            .DistinctBy(t => t.Id)
            .OrderBy(t => t.RunAfter).ThenBy(t => t.DagRunId)
            .ThenBy(t => order.GetValueOrDefault(t.TaskId, int.MaxValue)).ThenBy(t => t.TaskId, StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>Run <c>r</c> is in the scope of anchor run <c>a</c>: it is the anchor, or earlier or later by logical date.</summary>
    private const string RunsInScopeSql = """
        r.dag_id = a.dag_id AND (r.id = a.id
            OR (@past AND r.logical_date < a.logical_date)
            OR (@future AND r.logical_date > a.logical_date))
        """;

    /// <returns>The target runs by run id, and the DAG's current version.</returns>
    private static async Task<(Dictionary<string, AnchorRun> Anchors, int? CurrentVersionId)> ReadAnchorRunsAsync(
        DashboardDbContext db, string dagId, IReadOnlyList<TaskTarget> targets, Relatives relatives, CancellationToken ct)
    {
        var runIds = targets.Select(t => t.RunId).Distinct().ToArray();
        var rows = await db.QueryAsync("""
                SELECT r.id, r.run_id, r.logical_date, r.dag_version_id, d.current_version_id
                FROM dag d LEFT JOIN dag_run r ON r.dag_id = d.dag_id AND r.run_id = ANY(@runs)
                WHERE d.dag_id = @dag
                """,
                r => (Run: r.IsDBNull(0) ? null : new AnchorRun(r.GetInt64(0), r.GetString(1), r.NullableField<DateTimeOffset?>(2), r.NullableField<int?>(3)),
                    Current: r.NullableField<int?>(4)),
                ct, P("dag", dagId), P("runs", runIds));
        var anchors = rows.Select(r => r.Run).OfType<AnchorRun>().ToDictionary(a => a.RunId, StringComparer.Ordinal);

        if (runIds.FirstOrDefault(id => !anchors.ContainsKey(id)) is { } missing)
        {
            throw new OperationRefusedException($"DAG '{dagId}' has no run '{missing}'.");
        }

        if ((relatives.Past || relatives.Future) && anchors.Values.FirstOrDefault(a => a.LogicalDate is null) is { } undated)
        {
            throw new OperationRefusedException(
                $"Past and Future reach runs by logical date, and run '{undated.RunId}' has none. Turn them off to act on this run alone.");
        }

        return (anchors, rows.FirstOrDefault().Current);
    }

    /// <summary>The (anchor run, task) pairs to read; a null task means every task of the run.</summary>
    private static List<(long AnchorId, string? TaskId)> Scope(
        IReadOnlyList<TaskTarget> targets, Relatives relatives, Dictionary<string, AnchorRun> anchors,
        IReadOnlyDictionary<int, DagVersionModel> models, DagVersionModel? resolveIn)
    {
        var scope = new HashSet<(long, string?)>();
        foreach (var runTargets in targets.GroupBy(t => t.RunId))
        {
            var anchor = anchors[runTargets.Key];
            if (runTargets.Any(t => t.Kind == TargetKind.Run))
            {
                scope.Add((anchor.Id, null));
                continue;
            }

            // The cell picked is of the run's own version; its relatives are of the version it will run.
            var own = anchor.VersionId is { } version ? models[version] : null;
            var graph = resolveIn ?? own;
            var seeds = runTargets.SelectMany(t => SeedTasks(t, anchor, own, resolveIn)).ToList();
            var tasks = graph?.WithRelatives(seeds, relatives.Upstream, relatives.Downstream) ?? [];
            tasks.UnionWith(seeds);
            scope.UnionWith(tasks.Select(task => (anchor.Id, (string?)task)));
        }

        return [.. scope];
    }

    /// <summary>The tasks a target names: a task of the run, or the members of a group in the run's version and in the version it will run.</summary>
    private static IEnumerable<string> SeedTasks(TaskTarget target, AnchorRun anchor, DagVersionModel? own, DagVersionModel? resolveIn)
    {
        var id = target.Id ?? throw new OperationRefusedException("A task or group target needs its id.");
        if (target.Kind == TargetKind.Group)
        {
            var members = (own?.TasksInGroup(id) ?? []).Union(resolveIn?.TasksInGroup(id) ?? []).ToList();
            return members.Count > 0 ? members : throw new OperationRefusedException($"Run '{anchor.RunId}' has no task group '{id}'.");
        }

        return own is null || own.HasTask(id) || resolveIn?.HasTask(id) == true
            ? [id]
            : throw new OperationRefusedException($"Run '{anchor.RunId}' has no task '{id}'.");
    }

    /// <summary>
    /// Each task's position, as the grid orders its rows: the DAG's current version first, then the
    /// newest version among the anchors (tasks only older versions had come last).
    /// </summary>
    private static Dictionary<string, int> TaskOrder(IEnumerable<AnchorRun> anchors, IReadOnlyDictionary<int, DagVersionModel> models, DagVersionModel? current)
    {
        var order = new Dictionary<string, int>(StringComparer.Ordinal);
        var ordered = anchors.Select(a => a.VersionId).OfType<int>().Distinct().OrderDescending().Select(v => models[v]);
        foreach (var model in current is null ? ordered : ordered.Prepend(current))
        {
            foreach (var task in model.Tasks)
            {
                order.TryAdd(task.TaskId, order.Count);
            }
        }

        return order;
    }

    private sealed record AnchorRun(long Id, string RunId, DateTimeOffset? LogicalDate, int? VersionId);
}
