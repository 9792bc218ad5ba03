using Dashboard.Core.Domain;
using Dashboard.Core.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Dashboard.Core.Queries;

public sealed record AuditLogPage(IReadOnlyList<AuditLogEntry> Rows, int TotalCount);

/// <summary>The audit log, newest first, one page at a time.</summary>
public sealed class AuditLogQuery(IDbContextFactory<DashboardDbContext> dbFactory)
{
    public async Task<AuditLogPage> PageAsync(int skip, int take, string? dagId = null, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var rows = db.AuditLog.AsNoTracking();
        if (dagId is not null)
        {
            rows = rows.Where(a => a.DagId == dagId);
        }

        var total = await rows.CountAsync(ct);
        var page = await rows.OrderByDescending(a => a.OccurredAt).ThenByDescending(a => a.Id)
            .Skip(skip).Take(take).ToListAsync(ct);
        return new AuditLogPage(page, total);
    }
}
