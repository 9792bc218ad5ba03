using Dashboard.Core.Domain;
using Dashboard.Core.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Dashboard.Core.Queries;

/// <summary>Backfills, newest first, active ones included.</summary>
public sealed class BackfillListQuery(IDbContextFactory<DashboardDbContext> dbFactory)
{
    /// <param name="dagId">Only this DAG's backfills; all DAGs' when null.</param>
    public async Task<IReadOnlyList<Backfill>> ListAsync(string? dagId = null, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.Backfills.AsNoTracking()
            .Where(b => dagId == null || b.DagId == dagId)
            .OrderByDescending(b => b.CreatedAt).ThenByDescending(b => b.Id)
            .Take(500)
            .ToListAsync(ct);
    }
}
