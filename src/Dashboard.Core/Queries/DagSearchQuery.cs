using Dashboard.Core.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Dashboard.Core.Queries;

/// <summary>A DAG the search found, with what it matched on.</summary>
public sealed record DagSearchHit(string DagId, string? Description, IReadOnlyList<string> Tags, bool IsPaused);

/// <summary>The app-wide search (Ctrl+K): DAGs whose id, description or tags hold the text, ids that start with it first.</summary>
public sealed class DagSearchQuery(IDbContextFactory<DashboardDbContext> dbFactory)
{
    public const int MaxText = 200;

    public async Task<IReadOnlyList<DagSearchHit>> SearchAsync(string? text, int limit = 8, CancellationToken ct = default)
    {
        var term = (text ?? "").Trim();
        if (term.Length > MaxText)
        {
            term = term[..MaxText];
        }

        var pattern = "%" + term.Replace("\\", "\\\\").Replace("%", "\\%").Replace("_", "\\_") + "%";
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var hits = await db.Dags.AsNoTracking()
            .Where(d => d.IsActive && (term == "" || EF.Functions.ILike(d.DagId, pattern)
                || (d.Description != null && EF.Functions.ILike(d.Description, pattern))
                || d.Tags.Any(t => EF.Functions.ILike(t, pattern))))
            .OrderBy(d => !EF.Functions.ILike(d.DagId, pattern.Substring(1)))
            .ThenBy(d => d.DagId)
            .Take(limit)
            .Select(d => new { d.DagId, d.Description, d.Tags, d.IsPaused })
            .ToListAsync(ct);
        return hits.Select(d => new DagSearchHit(d.DagId, d.Description, d.Tags, d.IsPaused)).ToList();
    }
}
