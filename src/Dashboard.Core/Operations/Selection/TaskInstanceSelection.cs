using Dashboard.Core.Domain;
using Dashboard.Core.Persistence;
using static Dashboard.Core.Persistence.DbCommands;

namespace Dashboard.Core.Operations.Selection;

/// <summary>
/// The one selection behind every Clear and Mark, for their previews and their executions alike:
/// targets, expanded to relatives in each target run's own DAG version (Airflow resolves relatives
/// in the run's version too), then to the same tasks in earlier or later runs by logical date.
/// </summary>
public sealed class TaskInstanceSelection(TaskGraphCache graphs)
{
    /// <summary>
    /// Reads the selected task instances, in grid order (runs oldest first, tasks in DAG order).
    /// With <paramref name="lockRuns"/> the runs in scope are first locked in id order, so two
    /// actions on overlapping runs queue up instead of deadlocking, and the scheduler passes them by.
    /// </summary>
    /// <exception cref="OperationRefusedException">Nothing is targeted, or a target does not exist.</exception>
    public async Task<List<AffectedTaskInstance>> SelectAsync(
        DashboardDbContext db, string dagId, IReadOnlyList<TaskTarget> targets, Relatives relatives, bool lockRuns, CancellationToken ct)
    {
        if (targets.Count == 0)
        {
            throw new OperationRefusedException("Nothing is selected: pick at least one task instance.");
        }

        var anchors = await ReadAnchorRunsAsync(db, dagId, targets, relatives, ct);
        var versionGraphs = await graphs.GetAsync(db, anchors.Values.Select(a => a.VersionId).OfType<int>(), ct);
        var scope = Scope(targets, relatives, anchors, versionGraphs);
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
            SELECT ti.id, ti.dag_run_id, r.run_id, ti.task_id, ti.state, ti.try_number, r.state, r.logical_date, r.run_after
            FROM unnest(@anchors, @tasks) AS s(anchor, task_id)
            JOIN dag_run a ON a.id = s.anchor
            JOIN dag_run r ON {RunsInScopeSql}
            JOIN task_instance ti ON ti.dag_run_id = r.id AND ti.task_id = s.task_id
            UNION ALL
            SELECT ti.id, ti.dag_run_id, r.run_id, ti.task_id, ti.state, ti.try_number, r.state, r.logical_date, r.run_after
            FROM dag_run a
            JOIN dag_run r ON {RunsInScopeSql}
            JOIN task_instance ti ON ti.dag_run_id = r.id
            WHERE a.id = ANY(@whole_runs)
            """, r => new AffectedTaskInstance(
                r.GetInt64(0), r.GetInt64(1), r.GetString(2), r.GetString(3),
                r.IsDBNull(4) ? null : SnakeCase.ParseSnakeCase<TaskInstanceState>(r.GetString(4)),
                r.GetInt32(5), SnakeCase.ParseSnakeCase<DagRunState>(r.GetString(6)),
                r.NullableField<DateTimeOffset?>(7), r.GetFieldValue<DateTimeOffset>(8)),
            ct,
            P("anchors", taskScope.Select(s => s.AnchorId).ToArray()),
            P("tasks", taskScope.Select(s => s.TaskId!).ToArray()),
            P("whole_runs", wholeRunAnchors),
            P("past", relatives.Past),
            P("future", relatives.Future));

        // Scopes overlap when anchors reach the same runs (Past or Future from more than one run): the
        // same instance then comes back once per scope, each time as the same row.
        var order = TaskOrder(anchors.Values, versionGraphs);
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

    private static async Task<Dictionary<string, AnchorRun>> ReadAnchorRunsAsync(
        DashboardDbContext db, string dagId, IReadOnlyList<TaskTarget> targets, Relatives relatives, CancellationToken ct)
    {
        var runIds = targets.Select(t => t.RunId).Distinct().ToArray();
        var anchors = (await db.QueryAsync(
                "SELECT id, run_id, logical_date, dag_version_id FROM dag_run WHERE dag_id = @dag AND run_id = ANY(@runs)",
                r => new AnchorRun(r.GetInt64(0), r.GetString(1), r.NullableField<DateTimeOffset?>(2), r.NullableField<int?>(3)),
                ct, P("dag", dagId), P("runs", runIds)))
            .ToDictionary(a => a.RunId, StringComparer.Ordinal);

        if (runIds.FirstOrDefault(id => !anchors.ContainsKey(id)) is { } missing)
        {
            throw new OperationRefusedException($"DAG '{dagId}' has no run '{missing}'.");
        }

        if ((relatives.Past || relatives.Future) && anchors.Values.FirstOrDefault(a => a.LogicalDate is null) is { } undated)
        {
            throw new OperationRefusedException(
                $"Past and Future reach runs by logical date, and run '{undated.RunId}' has none. Turn them off to act on this run alone.");
        }

        return anchors;
    }

    /// <summary>The (anchor run, task) pairs to read; a null task means every task of the run.</summary>
    private static List<(long AnchorId, string? TaskId)> Scope(
        IReadOnlyList<TaskTarget> targets, Relatives relatives, Dictionary<string, AnchorRun> anchors, IReadOnlyDictionary<int, TaskGraph> versionGraphs)
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

            var graph = anchor.VersionId is { } version ? versionGraphs[version] : null;
            var seeds = runTargets.SelectMany(t => SeedTasks(t, anchor, graph)).ToList();
            var tasks = graph?.WithRelatives(seeds, relatives.Upstream, relatives.Downstream) ?? [.. seeds];
            scope.UnionWith(tasks.Select(task => (anchor.Id, (string?)task)));
        }

        return [.. scope];
    }

    private static IEnumerable<string> SeedTasks(TaskTarget target, AnchorRun anchor, TaskGraph? graph)
    {
        var id = target.Id ?? throw new OperationRefusedException("A task or group target needs its id.");
        if (target.Kind == TargetKind.Group)
        {
            var members = graph?.TasksInGroup(id).ToList() ?? [];
            return members.Count > 0 ? members : throw new OperationRefusedException($"Run '{anchor.RunId}' has no task group '{id}'.");
        }

        return graph is null || graph.HasTask(id) ? [id] : throw new OperationRefusedException($"Run '{anchor.RunId}' has no task '{id}'.");
    }

    /// <summary>Each task's position in the DAG, from the newest version among the anchors (tasks only older versions had come last).</summary>
    private static Dictionary<string, int> TaskOrder(IEnumerable<AnchorRun> anchors, IReadOnlyDictionary<int, TaskGraph> versionGraphs)
    {
        var order = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var version in anchors.Select(a => a.VersionId).OfType<int>().Distinct().OrderDescending())
        {
            foreach (var task in versionGraphs[version].TaskIds)
            {
                order.TryAdd(task, order.Count);
            }
        }

        return order;
    }

    private sealed record AnchorRun(long Id, string RunId, DateTimeOffset? LogicalDate, int? VersionId);
}
