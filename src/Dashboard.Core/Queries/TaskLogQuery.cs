using Dashboard.Core.Domain;
using Dashboard.Core.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Dashboard.Core.Queries;

public sealed record TryRow(int TryNumber, TaskInstanceState? State, DateTimeOffset? StartDate, DateTimeOffset? EndDate, double? Duration, string? Hostname);

/// <param name="Instance">The task instance as stored (its current try).</param>
/// <param name="Task">The task's definition in the run's DAG version; null if the version no longer has it.</param>
/// <param name="Lines">The shown try's log: all of it, or its last lines when a limit was asked for.</param>
/// <param name="LinesOmitted">How many earlier lines a limit left out.</param>
public sealed record TaskInstanceLog(
    string DagId,
    string RunId,
    string TaskId,
    TaskInstance Instance,
    DagTask? Task,
    IReadOnlyList<TryRow> Tries,
    int? ShownTry,
    IReadOnlyList<TaskLogLine> Lines,
    int LinesOmitted)
{
    public TaskInstanceState? State => Instance.State;

    public int TryNumber => Instance.TryNumber;
}

/// <summary>One task instance's tries (archived ones from history, plus the current one) and the log of one try.</summary>
public sealed class TaskLogQuery(IDbContextFactory<DashboardDbContext> dbFactory)
{
    /// <param name="tryNumber">The try to show; null for the latest.</param>
    /// <param name="lastLines">Show only this many of the try's last lines (a side panel); null for all.</param>
    public async Task<TaskInstanceLog?> GetAsync(
        string dagId, string runId, string taskId, int? tryNumber, int? lastLines = null, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var found = await (
                from t in db.TaskInstances.AsNoTracking()
                join r in db.DagRuns on t.DagRunId equals r.Id
                where r.DagId == dagId && r.RunId == runId && t.TaskId == taskId
                select new
                {
                    Instance = t,
                    Task = db.DagTasks.FirstOrDefault(d => d.DagVersionId == r.DagVersionId && d.TaskId == t.TaskId),
                })
            .SingleOrDefaultAsync(ct);
        if (found is null)
        {
            return null;
        }

        var ti = found.Instance;

        var tries = await db.TaskInstanceHistory.AsNoTracking()
            .Where(h => h.TaskInstanceId == ti.Id)
            .OrderBy(h => h.TryNumber)
            .Select(h => new TryRow(h.TryNumber, h.State, h.StartDate, h.EndDate, h.Duration, h.Hostname))
            .ToListAsync(ct);
        if (ti.TryNumber > 0 && tries.All(t => t.TryNumber != ti.TryNumber))
        {
            tries.Add(new TryRow(ti.TryNumber, ti.State, ti.StartDate, ti.EndDate, ti.Duration, ti.Hostname));
        }

        var shown = tryNumber is { } wanted && tries.Any(t => t.TryNumber == wanted) ? wanted : tries.LastOrDefault()?.TryNumber;
        if (shown is null)
        {
            return new TaskInstanceLog(dagId, runId, taskId, ti, found.Task, tries, shown, [], 0);
        }

        var log = db.TaskLogs.AsNoTracking().Where(l => l.TaskInstanceId == ti.Id && l.TryNumber == shown);
        var omitted = lastLines is { } limit ? Math.Max(0, await log.CountAsync(ct) - limit) : 0;
        var lines = await log.OrderBy(l => l.Id).Skip(omitted).ToListAsync(ct);
        return new TaskInstanceLog(dagId, runId, taskId, ti, found.Task, tries, shown, lines, omitted);
    }

    /// <summary>The lines a try logged after <paramref name="afterId"/>: what a live tail appends.</summary>
    public async Task<IReadOnlyList<TaskLogLine>> LinesAfterAsync(long taskInstanceId, int tryNumber, long afterId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.TaskLogs.AsNoTracking()
            .Where(l => l.TaskInstanceId == taskInstanceId && l.TryNumber == tryNumber && l.Id > afterId)
            .OrderBy(l => l.Id)
            .ToListAsync(ct);
    }
}
