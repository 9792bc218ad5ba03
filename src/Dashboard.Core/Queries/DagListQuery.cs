using Dashboard.Core.Domain;
using Dashboard.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using static Dashboard.Core.Persistence.DbCommands;

namespace Dashboard.Core.Queries;

public sealed record DagSummary(
    string DagId,
    string? Description,
    string? Schedule,
    IReadOnlyList<string> Tags,
    bool IsPaused,
    DateTimeOffset? LastParsedAt,
    IReadOnlyList<RunStateSummary> RecentRuns);

/// <summary>A run as a coloured square: its id, state and logical date (or run_after when it has none).</summary>
public sealed record RunStateSummary(string RunId, DagRunState State, DateTimeOffset Date);

/// <summary>The DAG list page's rows: every DAG with a file, in name order, with its latest runs.</summary>
public sealed class DagListQuery(IDbContextFactory<DashboardDbContext> dbFactory)
{
    public const int RecentRunCount = 5;

    public async Task<IReadOnlyList<DagSummary>> ListAsync(CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var dags = await db.Dags.AsNoTracking()
            .Where(d => d.IsActive)
            .OrderBy(d => d.DagId)
            .Select(d => new { d.DagId, d.Description, d.Schedule, d.Tags, d.IsPaused, d.LastParsedAt })
            .ToListAsync(ct);
        var runs = (await db.QueryAsync("""
                SELECT d.dag_id, r.run_id, r.state, coalesce(r.logical_date, r.run_after)
                FROM dag d
                CROSS JOIN LATERAL (
                    -- Walks ix_dag_run_dag_run_after backwards and stops after a few rows, however long the history.
                    SELECT * FROM dag_run WHERE dag_id = d.dag_id ORDER BY run_after DESC, id DESC LIMIT @count
                ) r
                WHERE d.is_active
                ORDER BY d.dag_id, r.run_after, r.id
                """, r => (DagId: r.GetString(0), Run: new RunStateSummary(
                    r.GetString(1), SnakeCase.ParseSnakeCase<DagRunState>(r.GetString(2)), r.GetFieldValue<DateTimeOffset>(3))),
                ct, P("count", RecentRunCount)))
            .ToLookup(r => r.DagId, r => r.Run);
        return dags.Select(d => new DagSummary(d.DagId, d.Description, d.Schedule, d.Tags, d.IsPaused, d.LastParsedAt, runs[d.DagId].ToList()))
            .ToList();
    }
}
