using Dashboard.Core.Domain;
using Dashboard.Core.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Dashboard.Core.Queries;

/// <summary>Backfills, newest first, active ones included.</summary>
public sealed class BackfillListQuery(IDbContextFactory<DashboardDbContext> dbFactory)
{
    public async Task<IReadOnlyList<Backfill>> ListAsync(CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.Backfills.AsNoTracking().OrderByDescending(b => b.CreatedAt).Take(500).ToListAsync(ct);
    }
}
