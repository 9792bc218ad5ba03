using Dashboard.Core.Dags;
using Dashboard.Core.Domain;
using Dashboard.Core.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Dashboard.Core.Queries;

/// <param name="Version">The DAG version the try ran; null for tries older than versions were recorded per try.</param>
/// <param name="RenderedCommand">The command the try ran, templates filled in and secrets masked; null before it ran or for a task with no command.</param>
public sealed record TryRow(
    int TryNumber,
    TaskInstanceState? State,
    DateTimeOffset? StartDate,
    DateTimeOffset? EndDate,
    double? Duration,
    string? Hostname,
    DagVersionModel? Version,
    string? RenderedCommand = null);

/// <param name="Instance">The task instance as stored (its current try).</param>
/// <param name="Task">The task as the version of its current try defines it; null if that version does not have it.</param>
/// <param name="Version">The version of the current try (or, before it has one, of its run).</param>
/// <param name="Lines">The shown try's log: all of it, or its last lines when a limit was asked for.</param>
/// <param name="LinesOmitted">How many earlier lines a limit left out.</param>
public sealed record TaskInstanceLog(
    string DagId,
    string RunId,
    string TaskId,
    TaskInstance Instance,
    VersionTask? Task,
    DagVersionModel? Version,
    IReadOnlyList<TryRow> Tries,
    int? ShownTry,
    IReadOnlyList<TaskLogLine> Lines,
    int LinesOmitted,
    string DagTimezone)
{
    public TaskInstanceState? State => Instance.State;

    public int TryNumber => Instance.TryNumber;
}

/// <summary>One task instance's tries (archived ones from history, plus the current one) and the log of one try.</summary>
public sealed class TaskLogQuery(IDbContextFactory<DashboardDbContext> dbFactory, DagVersionCache versions)
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
                join d in db.Dags on r.DagId equals d.DagId
                where r.DagId == dagId && r.RunId == runId && t.TaskId == taskId
                select new { Instance = t, RunVersionId = r.DagVersionId, d.Timezone })
            .SingleOrDefaultAsync(ct);
        if (found is null)
        {
            return null;
        }

        var ti = found.Instance;
        var history = await db.TaskInstanceHistory.AsNoTracking()
            .Where(h => h.TaskInstanceId == ti.Id)
            .OrderBy(h => h.TryNumber)
            .ToListAsync(ct);
        var currentVersionId = ti.DagVersionId ?? found.RunVersionId;
        var models = await versions.GetAsync(db, history.Select(h => h.DagVersionId).Append(currentVersionId).OfType<int>(), ct);
        DagVersionModel? Model(int? id) => id is { } v ? models[v] : null;

        var tries = history.Select(h => new TryRow(h.TryNumber, h.State, h.StartDate, h.EndDate, h.Duration, h.Hostname, Model(h.DagVersionId), h.RenderedCommand)).ToList();
        if (ti.TryNumber > 0 && tries.All(t => t.TryNumber != ti.TryNumber))
        {
            tries.Add(new TryRow(ti.TryNumber, ti.State, ti.StartDate, ti.EndDate, ti.Duration, ti.Hostname, Model(currentVersionId), ti.RenderedCommand));
        }

        var version = Model(currentVersionId);
        var task = version?.Task(taskId);
        var shown = tryNumber is { } wanted && tries.Any(t => t.TryNumber == wanted) ? wanted : tries.LastOrDefault()?.TryNumber;
        if (shown is null)
        {
            return new TaskInstanceLog(dagId, runId, taskId, ti, task, version, tries, shown, [], 0, found.Timezone);
        }

        var log = db.TaskLogs.AsNoTracking().Where(l => l.TaskInstanceId == ti.Id && l.TryNumber == shown);
        var omitted = lastLines is { } limit ? Math.Max(0, await log.CountAsync(ct) - limit) : 0;
        var lines = await log.OrderBy(l => l.Id).Skip(omitted).ToListAsync(ct);
        return new TaskInstanceLog(dagId, runId, taskId, ti, task, version, tries, shown, lines, omitted, found.Timezone);
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
