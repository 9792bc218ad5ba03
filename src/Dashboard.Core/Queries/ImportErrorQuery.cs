using Dashboard.Core.Domain;
using Dashboard.Core.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Dashboard.Core.Queries;

/// <summary>The DAG files that did not load, and why, by file and line.</summary>
public sealed class ImportErrorQuery(IDbContextFactory<DashboardDbContext> dbFactory)
{
    public async Task<IReadOnlyList<ImportError>> ListAsync(CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.ImportErrors.AsNoTracking().OrderBy(e => e.FileLocation).ThenBy(e => e.Line).ThenBy(e => e.Id).ToListAsync(ct);
    }
}
