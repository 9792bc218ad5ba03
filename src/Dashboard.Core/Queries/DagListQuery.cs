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
                SELECT dag_id, run_id, state, coalesce(logical_date, run_after)
                FROM (
                    SELECT r.*, row_number() OVER (PARTITION BY r.dag_id ORDER BY r.run_after DESC, r.id DESC) AS n
                    FROM dag_run r JOIN dag d ON d.dag_id = r.dag_id AND d.is_active
                ) latest
                WHERE n <= @count
                ORDER BY dag_id, run_after, id
                """, r => (DagId: r.GetString(0), Run: new RunStateSummary(
                    r.GetString(1), SnakeCase.ParseSnakeCase<DagRunState>(r.GetString(2)), r.GetFieldValue<DateTimeOffset>(3))),
                ct, P("count", RecentRunCount)))
            .ToLookup(r => r.DagId, r => r.Run);
        return dags.Select(d => new DagSummary(d.DagId, d.Description, d.Schedule, d.Tags, d.IsPaused, d.LastParsedAt, runs[d.DagId].ToList()))
            .ToList();
    }
}
