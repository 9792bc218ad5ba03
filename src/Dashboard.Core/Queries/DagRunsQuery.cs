using Dashboard.Core.Domain;
using Dashboard.Core.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Dashboard.Core.Queries;

/// <summary>What every page of one DAG shows of it.</summary>
/// <param name="EditAccess">Who besides Admins may change it (its file's access_control); null when its role decides alone.</param>
public sealed record DagHeader(
    string DagId, string? Description, string? Schedule, bool IsPaused, bool IsActive, IReadOnlyList<string> Tags, string Timezone = "UTC",
    IReadOnlyList<string>? EditAccess = null);

/// <summary>A run as the runs list shows it.</summary>
public sealed record RunListRow(
    string RunId,
    DagRunType RunType,
    DagRunState State,
    DateTimeOffset? LogicalDate,
    DateTimeOffset RunAfter,
    DateTimeOffset? StartDate,
    DateTimeOffset? EndDate,
    DagRunTriggeredBy TriggeredBy,
    string? TriggeringUserName)
{
    /// <summary>How long it ran, or has been running by <paramref name="now"/>; null before it starts.</summary>
    public TimeSpan? Duration(DateTimeOffset now) => StartDate is { } start ? (EndDate ?? now) - start : null;
}

/// <summary>One page of a DAG's runs, newest first, and how many runs match the filters in all.</summary>
public sealed record RunListPage(IReadOnlyList<RunListRow> Rows, int TotalCount);

/// <summary>
/// A DAG's header (every page of one DAG) and its runs one page at a time (the runs list).
/// </summary>
public sealed class DagRunsQuery(IDbContextFactory<DashboardDbContext> dbFactory)
{
    public async Task<DagHeader?> HeaderAsync(string dagId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.Dags.AsNoTracking().Where(d => d.DagId == dagId)
            .Select(d => new DagHeader(d.DagId, d.Description, d.Schedule, d.IsPaused, d.IsActive, d.Tags, d.Timezone, d.EditAccess))
            .SingleOrDefaultAsync(ct);
    }

    /// <summary>
    /// A page of the DAG's runs in the grid's order (newest run_after first), read through
    /// ix_dag_run_dag_run_after, filtered by run type and state when given: two statements, the
    /// count and the page, whatever the history's length.
    /// </summary>
    public async Task<RunListPage> PageAsync(
        string dagId, int skip, int take, DagRunType? runType = null, DagRunState? state = null, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var runs = db.DagRuns.AsNoTracking().Where(r => r.DagId == dagId);
        if (runType is { } type)
        {
            runs = runs.Where(r => r.RunType == type);
        }

        if (state is { } wanted)
        {
            runs = runs.Where(r => r.State == wanted);
        }

        var total = await runs.CountAsync(ct);
        var rows = await runs
            .OrderByDescending(r => r.RunAfter).ThenByDescending(r => r.Id)
            .Skip(skip).Take(take)
            .Select(r => new RunListRow(r.RunId, r.RunType, r.State, r.LogicalDate, r.RunAfter, r.StartDate, r.EndDate, r.TriggeredBy, r.TriggeringUserName))
            .ToListAsync(ct);
        return new RunListPage(rows, total);
    }
}
