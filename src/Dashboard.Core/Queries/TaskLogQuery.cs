using Dashboard.Core.Domain;
using Dashboard.Core.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Dashboard.Core.Queries;

public sealed record TryRow(int TryNumber, TaskInstanceState? State, DateTimeOffset? StartDate, DateTimeOffset? EndDate, double? Duration, string? Hostname);

public sealed record TaskInstanceLog(
    string DagId,
    string RunId,
    string TaskId,
    TaskInstanceState? State,
    int TryNumber,
    IReadOnlyList<TryRow> Tries,
    int? ShownTry,
    IReadOnlyList<TaskLogLine> Lines);

/// <summary>One task instance's tries (archived ones from history, plus the current one) and the log of one try.</summary>
public sealed class TaskLogQuery(IDbContextFactory<DashboardDbContext> dbFactory)
{
    /// <param name="tryNumber">The try to show; null for the latest.</param>
    public async Task<TaskInstanceLog?> GetAsync(string dagId, string runId, string taskId, int? tryNumber, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var ti = await (
                from t in db.TaskInstances.AsNoTracking()
                join r in db.DagRuns on t.DagRunId equals r.Id
                where r.DagId == dagId && r.RunId == runId && t.TaskId == taskId
                select t)
            .SingleOrDefaultAsync(ct);
        if (ti is null)
        {
            return null;
        }

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
        var lines = shown is null
            ? []
            : await db.TaskLogs.AsNoTracking()
                .Where(l => l.TaskInstanceId == ti.Id && l.TryNumber == shown)
                .OrderBy(l => l.Id)
                .ToListAsync(ct);
        return new TaskInstanceLog(dagId, runId, taskId, ti.State, ti.TryNumber, tries, shown, lines);
    }
}
