using Dashboard.Core.Domain;
using Dashboard.Core.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Dashboard.Core.Queries;

public sealed record DagHeader(string DagId, string? Description, string? Schedule, bool IsPaused, bool IsActive, string Params, IReadOnlyList<string> Tags);

public sealed record RunRow(
    long Id,
    string RunId,
    DagRunType RunType,
    DagRunState State,
    DateTimeOffset? LogicalDate,
    DateTimeOffset RunAfter,
    DateTimeOffset? StartDate,
    DateTimeOffset? EndDate,
    string Conf,
    IReadOnlyList<TaskInstanceRow> TaskInstances);

public sealed record TaskInstanceRow(string TaskId, TaskInstanceState? State, int TryNumber, DateTimeOffset? StartDate, DateTimeOffset? EndDate, double? Duration);

/// <summary>A DAG's latest runs, newest first, each with its task instances in the run's task order.</summary>
public sealed class DagRunsQuery(IDbContextFactory<DashboardDbContext> dbFactory)
{
    public async Task<DagHeader?> HeaderAsync(string dagId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.Dags.AsNoTracking().Where(d => d.DagId == dagId)
            .Select(d => new DagHeader(d.DagId, d.Description, d.Schedule, d.IsPaused, d.IsActive, d.Params, d.Tags))
            .SingleOrDefaultAsync(ct);
    }

    public async Task<IReadOnlyList<RunRow>> LatestAsync(string dagId, int count, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var runs = await db.DagRuns.AsNoTracking()
            .Where(r => r.DagId == dagId)
            .OrderByDescending(r => r.RunAfter).ThenByDescending(r => r.Id)
            .Take(count)
            .ToListAsync(ct);
        var runIds = runs.Select(r => r.Id).ToList();
        var taskInstances = await (
                from ti in db.TaskInstances.AsNoTracking()
                join run in db.DagRuns on ti.DagRunId equals run.Id
                join task in db.DagTasks on new { VersionId = run.DagVersionId ?? 0, ti.TaskId } equals new { VersionId = task.DagVersionId, task.TaskId } into tasks
                from task in tasks.DefaultIfEmpty()
                where runIds.Contains(ti.DagRunId)
                orderby ti.DagRunId, task == null ? int.MaxValue : task.Ordinal, ti.TaskId
                select new { ti.DagRunId, Row = new TaskInstanceRow(ti.TaskId, ti.State, ti.TryNumber, ti.StartDate, ti.EndDate, ti.Duration) })
            .ToListAsync(ct);
        var byRun = taskInstances.ToLookup(t => t.DagRunId, t => t.Row);
        return runs.Select(r => new RunRow(r.Id, r.RunId, r.RunType, r.State, r.LogicalDate, r.RunAfter, r.StartDate, r.EndDate, r.Conf, byRun[r.Id].ToList()))
            .ToList();
    }
}
