using Dashboard.Core.Dags;
using Dashboard.Core.Domain;
using Dashboard.Core.Domain.Timetables;
using Dashboard.Core.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Dashboard.Core.Queries;

/// <summary>A DAG's settings as the Details tab lists them.</summary>
/// <param name="NextRun">What the scheduler creates next (the same figure the DAG list shows), or null when nothing is due.</param>
/// <param name="ScheduleInWords">The timetable's own description, e.g. "@daily (cron 0 0 * * *) in UTC".</param>
/// <param name="Version">The current version's model (params, tasks), or null before the first is stored.</param>
public sealed record DagSettings(
    string DagId,
    string? Description,
    string? Schedule,
    string? ScheduleInWords,
    string Timezone,
    DataInterval? NextRun,
    bool Catchup,
    DateTimeOffset? StartDate,
    DateTimeOffset? EndDate,
    int MaxActiveRuns,
    int MaxActiveTasks,
    bool IsPaused,
    bool IsActive,
    IReadOnlyList<string> Tags,
    string? FileLocation,
    DateTimeOffset? LastParsedAt,
    DagVersionModel? Version);

/// <summary>A run as the run picker lists it.</summary>
public sealed record RunChoice(string RunId, DagRunType RunType, DagRunState State, DateTimeOffset Date);

/// <summary>One run's details, read-only.</summary>
/// <param name="VersionNumber">The number of the DAG version it runs (v3), or null when it has none.</param>
public sealed record RunDetails(
    string RunId,
    DagRunType RunType,
    DagRunState State,
    DagRunTriggeredBy TriggeredBy,
    string? TriggeringUserName,
    string Conf,
    DateTimeOffset? LogicalDate,
    DateTimeOffset? DataIntervalStart,
    DateTimeOffset? DataIntervalEnd,
    DateTimeOffset RunAfter,
    DateTimeOffset? QueuedAt,
    DateTimeOffset? StartDate,
    DateTimeOffset? EndDate,
    int ClearNumber,
    int? BackfillId,
    int? VersionNumber,
    string? Note)
{
    /// <summary>How long it waited between being queued and starting; null until it starts.</summary>
    public TimeSpan? QueuedFor => QueuedAt is { } queued && StartDate is { } start && start >= queued ? start - queued : null;

    /// <summary>How long it ran, or has been running by <paramref name="now"/>; null before it starts.</summary>
    public TimeSpan? RunTime(DateTimeOffset now) => StartDate is { } start ? (EndDate ?? now) - start : null;
}

/// <summary>The Details tab: a DAG's settings and, on request, one run's details.</summary>
public sealed class DagDetailsQuery(IDbContextFactory<DashboardDbContext> dbFactory, DagVersionCache versions, TimeProvider clock)
{
    public const int RunChoiceCount = 50;

    /// <returns>Null when there is no such DAG.</returns>
    public async Task<DagSettings?> DagAsync(string dagId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        if (await db.Dags.AsNoTracking().SingleOrDefaultAsync(d => d.DagId == dagId, ct) is not { } dag)
        {
            return null;
        }

        var last = await NextRuns.LastAutomatedAsync(db, dagId, ct);
        var next = NextRuns.Next(dag.Schedule, dag.Timezone, last, dag.StartDate, dag.EndDate, dag.Catchup, clock.GetUtcNow());
        var version = dag.CurrentVersionId is { } id ? await versions.GetAsync(db, id, ct) : null;
        return new DagSettings(
            dag.DagId, dag.Description, dag.Schedule, NextRuns.TimetableFor(dag.Schedule, dag.Timezone)?.Description, dag.Timezone, next,
            dag.Catchup, dag.StartDate, dag.EndDate, dag.MaxActiveRuns, dag.MaxActiveTasks, dag.IsPaused, dag.IsActive, dag.Tags,
            dag.FileLocation, dag.LastParsedAt, version);
    }

    /// <summary>The DAG's latest runs, newest first (by run_after, through ix_dag_run_dag_run_after), for the run picker.</summary>
    public async Task<IReadOnlyList<RunChoice>> RecentRunsAsync(string dagId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.DagRuns.AsNoTracking().Where(r => r.DagId == dagId)
            .OrderByDescending(r => r.RunAfter).ThenByDescending(r => r.Id).Take(RunChoiceCount)
            .Select(r => new RunChoice(r.RunId, r.RunType, r.State, r.LogicalDate ?? r.RunAfter))
            .ToListAsync(ct);
    }

    /// <returns>Null when the DAG has no such run.</returns>
    public async Task<RunDetails?> RunAsync(string dagId, string runId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.DagRuns.AsNoTracking().Where(r => r.DagId == dagId && r.RunId == runId)
            .Select(r => new RunDetails(
                r.RunId, r.RunType, r.State, r.TriggeredBy, r.TriggeringUserName, r.Conf, r.LogicalDate, r.DataIntervalStart, r.DataIntervalEnd,
                r.RunAfter, r.QueuedAt, r.StartDate, r.EndDate, r.ClearNumber, r.BackfillId,
                db.DagVersions.Where(v => v.Id == r.DagVersionId).Select(v => (int?)v.VersionNumber).FirstOrDefault(),
                r.Note))
            .SingleOrDefaultAsync(ct);
    }
}
