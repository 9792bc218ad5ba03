using Dashboard.Core.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Dashboard.Core.Queries;

public sealed record DagSummary(
    string DagId,
    string? Description,
    string? Schedule,
    IReadOnlyList<string> Tags,
    bool IsPaused,
    DateTimeOffset? LastParsedAt);

/// <summary>The DAG list page's rows: every DAG with a file, in name order.</summary>
public sealed class DagListQuery(IDbContextFactory<DashboardDbContext> dbFactory)
{
    public async Task<IReadOnlyList<DagSummary>> ListAsync(CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.Dags.AsNoTracking()
            .Where(d => d.IsActive)
            .OrderBy(d => d.DagId)
            .Select(d => new DagSummary(d.DagId, d.Description, d.Schedule, d.Tags, d.IsPaused, d.LastParsedAt))
            .ToListAsync(ct);
    }
}
