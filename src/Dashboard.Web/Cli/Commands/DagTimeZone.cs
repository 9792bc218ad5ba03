using Dashboard.Core.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Dashboard.Web.Cli.Commands;

/// <summary>The time zone a DAG's schedule runs in, in which command-line dates without an offset are read.</summary>
internal static class DagTimeZone
{
    /// <returns>The DAG's zone, or null when there is no such DAG.</returns>
    public static async Task<TimeZoneInfo?> FindAsync(IServiceProvider services, string dagId, CancellationToken ct)
    {
        await using var db = await services.GetRequiredService<IDbContextFactory<DashboardDbContext>>().CreateDbContextAsync(ct);
        var name = await db.Dags.AsNoTracking().Where(d => d.DagId == dagId).Select(d => d.Timezone).SingleOrDefaultAsync(ct);
        return name is null ? null : Named(name);
    }

    /// <summary>The zone of a DAG's <c>timezone</c> setting.</summary>
    public static TimeZoneInfo Named(string name) => TimeZoneInfo.TryFindSystemTimeZoneById(name, out var zone)
        ? zone
        : TimeZoneInfo.Utc; // the DAG-file processor refuses unknown zones, so only a zone this machine lacks gets here
}
