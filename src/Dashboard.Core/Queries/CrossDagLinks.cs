using Dashboard.Core.Dags;
using Dashboard.Core.Domain;
using Dashboard.Core.Persistence;
using Dashboard.Core.Operations.Selection;
using Microsoft.EntityFrameworkCore;
using static Dashboard.Core.Persistence.DbCommands;

namespace Dashboard.Core.Queries;

/// <summary>A task of a DAG's current version that waits on another DAG.</summary>
public sealed record WaitingTask(string DagId, string TaskId, string? WaitsOnTaskId, TimeSpan ExecutionDelta);

/// <summary>A task instance or run of another DAG that depends on cleared task instances, and why.</summary>
/// <param name="Reason">The link in words: "waits on taxi_pipeline.dbt_test", "triggered by daily_revenue_report.trigger_notify".</param>
public sealed record DependentTarget(string DagId, TaskTarget Target, string Reason);

/// <summary>
/// The links between DAGs that external_task and trigger_dag tasks make, as stored: what a clear
/// that follows them across DAGs (Airflow's recursive clear) starts from. Both are indexed lookups.
/// </summary>
public static class CrossDagLinks
{
    /// <summary>
    /// The external_task tasks of active DAGs' current versions that wait on <paramref name="dagId"/>:
    /// on <paramref name="taskId"/> itself or on its whole run (with no task given, every one of them).
    /// </summary>
    public static async Task<List<WaitingTask>> WaitingOnAsync(DashboardDbContext db, string dagId, string? taskId, CancellationToken ct)
    {
        var rows = await (
                from t in db.DagTasks.AsNoTracking()
                join v in db.DagVersions on t.DagVersionId equals v.Id
                join d in db.Dags on v.Id equals d.CurrentVersionId
                where d.IsActive && t.Kind == TaskKind.ExternalTask && t.ExternalDagId == dagId
                      && (taskId == null || t.ExternalTaskId == null || t.ExternalTaskId == taskId)
                orderby d.DagId, t.Ordinal
                select new { d.DagId, t.TaskId, t.ExternalTaskId, t.CrossDag })
            .ToListAsync(ct);
        return rows.Select(r => new WaitingTask(r.DagId, r.TaskId, r.ExternalTaskId, CrossDagSettings.FromJson(r.CrossDag)?.ExecutionDelta ?? TimeSpan.Zero))
            .ToList();
    }

    /// <summary>The runs (their DAG and run id) one trigger_dag task instance created or reset, newest first.</summary>
    public static async Task<List<(string DagId, string RunId)>> TriggeredByAsync(
        DashboardDbContext db, string dagId, string runId, string taskId, CancellationToken ct) =>
        (await db.DagRuns.AsNoTracking()
            .Where(r => r.TriggeringDagId == dagId && r.TriggeringRunId == runId && r.TriggeringTaskId == taskId)
            .OrderByDescending(r => r.UpdatedAt).ThenByDescending(r => r.Id)
            .Select(r => new { r.DagId, r.RunId })
            .ToListAsync(ct))
        .Select(r => (r.DagId, r.RunId)).ToList();

    /// <summary>
    /// What depends on these task instances of <paramref name="dagId"/> in other DAGs (or in the same
    /// one): the external_task sensors that wait on them, in the runs at the logical date plus the
    /// sensor's execution_delta, and the runs their trigger_dag tasks created. Two queries in all.
    /// </summary>
    public static async Task<List<DependentTarget>> DependentsAsync(
        DashboardDbContext db, string dagId, IReadOnlyCollection<AffectedTaskInstance> instances, CancellationToken ct)
    {
        var sensors = await SensorTargetsAsync(db, dagId, instances, ct);
        var triggered = await db.QueryAsync("""
                SELECT r.dag_id, r.run_id, r.triggering_task_id
                FROM unnest(@runs, @tasks) AS t(run_id, task_id)
                JOIN dag_run r ON r.triggering_dag_id = @dag AND r.triggering_run_id = t.run_id AND r.triggering_task_id = t.task_id
                ORDER BY r.dag_id, r.id
                """,
            r => new DependentTarget(r.GetString(0), TaskTarget.WholeRun(r.GetString(1)), $"triggered by {dagId}.{r.GetString(2)}"),
            ct, P("dag", dagId), P("runs", instances.Select(t => t.RunId).ToArray()), P("tasks", instances.Select(t => t.TaskId).ToArray()));
        return [.. sensors, .. triggered];
    }

    /// <summary>
    /// A sensor at logical date D waits on the run at D minus its execution_delta, so the sensor that
    /// waits on an instance at date L is in the run at L plus the delta. Dates without such a run are left out.
    /// </summary>
    private static async Task<List<DependentTarget>> SensorTargetsAsync(
        DashboardDbContext db, string dagId, IReadOnlyCollection<AffectedTaskInstance> instances, CancellationToken ct)
    {
        var wanted = (await WaitingOnAsync(db, dagId, taskId: null, ct))
            .SelectMany(sensor => instances
                .Where(t => sensor.WaitsOnTaskId is null || t.TaskId == sensor.WaitsOnTaskId)
                .Select(t => t.LogicalDate).OfType<DateTimeOffset>().Distinct()
                .Select(date => (Sensor: sensor, Date: date + sensor.ExecutionDelta)))
            .ToList();
        if (wanted.Count == 0)
        {
            return [];
        }

        var runs = await db.QueryAsync("""
                SELECT DISTINCT w.dag_id, w.logical_date, r.run_id
                FROM unnest(@dags, @dates) AS w(dag_id, logical_date)
                JOIN dag_run r ON r.dag_id = w.dag_id AND r.logical_date = w.logical_date
                """,
            r => (DagId: r.GetString(0), Date: r.GetFieldValue<DateTimeOffset>(1), RunId: r.GetString(2)),
            ct, P("dags", wanted.Select(w => w.Sensor.DagId).ToArray()), P("dates", wanted.Select(w => w.Date.ToUniversalTime()).ToArray()));
        var runAt = runs.ToLookup(r => (r.DagId, r.Date.ToUniversalTime()), r => r.RunId);
        return wanted
            .SelectMany(w => runAt[(w.Sensor.DagId, w.Date.ToUniversalTime())].Select(runId => new DependentTarget(
                w.Sensor.DagId, TaskTarget.Task(runId, w.Sensor.TaskId), $"waits on {dagId}.{w.Sensor.WaitsOnTaskId ?? "(whole run)"}")))
            .ToList();
    }
}
