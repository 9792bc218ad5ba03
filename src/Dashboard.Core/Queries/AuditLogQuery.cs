using Dashboard.Core.Domain;
using Dashboard.Core.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Dashboard.Core.Queries;

/// <summary>Which audit rows to show; every part is optional. <see cref="Actor"/> and <see cref="Action"/> match a prefix.</summary>
public sealed record AuditLogFilter(string? DagId = null, string? Actor = null, string? Action = null, DateTimeOffset? From = null, DateTimeOffset? To = null)
{
    public static readonly AuditLogFilter None = new();
}

public sealed record AuditLogPage(IReadOnlyList<AuditLogEntry> Rows, int TotalCount);

/// <summary>The audit log, newest first, one page at a time.</summary>
public sealed class AuditLogQuery(IDbContextFactory<DashboardDbContext> dbFactory)
{
    public async Task<AuditLogPage> PageAsync(AuditLogFilter filter, int skip, int take, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var rows = Filtered(db, filter);
        var total = await rows.CountAsync(ct);
        var page = await rows.OrderByDescending(a => a.OccurredAt).ThenByDescending(a => a.Id)
            .Skip(Math.Max(0, skip)).Take(Math.Clamp(take, 1, 500)).ToListAsync(ct);
        return new AuditLogPage(page, total);
    }

    /// <summary>The actions recorded so far (for the filter's choices), in the filter's DAG when it has one.</summary>
    public async Task<IReadOnlyList<string>> ActionsAsync(string? dagId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.AuditLog.Where(a => dagId == null || a.DagId == dagId).Select(a => a.Action).Distinct().OrderBy(a => a).ToListAsync(ct);
    }

    private static IQueryable<AuditLogEntry> Filtered(DashboardDbContext db, AuditLogFilter filter)
    {
        var rows = db.AuditLog.AsNoTracking();
        if (filter.DagId is { } dag)
        {
            rows = rows.Where(a => a.DagId == dag);
        }

        if (filter.Actor is { Length: > 0 } actor)
        {
            rows = rows.Where(a => a.Actor.StartsWith(actor));
        }

        if (filter.Action is { Length: > 0 } action)
        {
            rows = rows.Where(a => a.Action.StartsWith(action));
        }

        if (filter.From is { } from)
        {
            rows = rows.Where(a => a.OccurredAt >= from);
        }

        if (filter.To is { } to)
        {
            rows = rows.Where(a => a.OccurredAt < to);
        }

        return rows;
    }
}
