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

    /// <summary>For an external_task, the run it waits on; for a trigger_dag, the run it created. Null for other kinds.</summary>
    public LinkedRun? Linked { get; init; }
}

/// <summary>A run of another DAG a task points at; <paramref name="RunId"/> is null while there is none (yet).</summary>
public sealed record LinkedRun(string DagId, string? RunId, string? TaskId, DateTimeOffset? LogicalDate);

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
                select new { Instance = t, RunVersionId = r.DagVersionId, d.Timezone, r.LogicalDate })
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
        var linked = await LinkedAsync(db, task, dagId, runId, found.LogicalDate, ct);
        if (shown is null)
        {
            return new TaskInstanceLog(dagId, runId, taskId, ti, task, version, tries, shown, [], 0, found.Timezone) { Linked = linked };
        }

        var log = db.TaskLogs.AsNoTracking().Where(l => l.TaskInstanceId == ti.Id && l.TryNumber == shown);
        var omitted = lastLines is { } limit ? Math.Max(0, await log.CountAsync(ct) - limit) : 0;
        var lines = await log.OrderBy(l => l.Id).Skip(omitted).ToListAsync(ct);
        return new TaskInstanceLog(dagId, runId, taskId, ti, task, version, tries, shown, lines, omitted, found.Timezone) { Linked = linked };
    }

    private static async Task<LinkedRun?> LinkedAsync(
        DashboardDbContext db, VersionTask? task, string dagId, string runId, DateTimeOffset? logicalDate, CancellationToken ct)
    {
        if (task?.CrossDag is not { } other)
        {
            return null;
        }

        if (task.Kind == TaskKind.TriggerDag)
        {
            var created = await db.DagRuns.AsNoTracking()
                .Where(r => r.TriggeringDagId == dagId && r.TriggeringRunId == runId && r.TriggeringTaskId == task.TaskId)
                .OrderByDescending(r => r.UpdatedAt).ThenByDescending(r => r.Id)
                .Select(r => new { r.DagId, r.RunId, r.LogicalDate })
                .FirstOrDefaultAsync(ct);
            return created is null ? null : new LinkedRun(created.DagId, created.RunId, null, created.LogicalDate);
        }

        var at = logicalDate - other.ExecutionDelta;
        var waitedOn = at is null
            ? null
            : await db.DagRuns.AsNoTracking().Where(r => r.DagId == other.DagId && r.LogicalDate == at).Select(r => r.RunId).FirstOrDefaultAsync(ct);
        return new LinkedRun(other.DagId, waitedOn, other.TaskId, at);
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
