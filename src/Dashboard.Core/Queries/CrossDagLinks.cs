using Dashboard.Core.Dags;
using Dashboard.Core.Domain;
using Dashboard.Core.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Dashboard.Core.Queries;

/// <summary>A task of a DAG's current version that waits on another DAG.</summary>
public sealed record WaitingTask(string DagId, string TaskId, string? WaitsOnTaskId, TimeSpan ExecutionDelta);

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
}
