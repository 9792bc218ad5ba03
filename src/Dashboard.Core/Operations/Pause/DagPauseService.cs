using Dashboard.Core.Auditing;
using Dashboard.Core.Persistence;
using Dashboard.Core.Security;
using Microsoft.EntityFrameworkCore;

namespace Dashboard.Core.Operations.Pause;

/// <summary>Pauses or unpauses a DAG. A paused DAG starts no new runs and no queued run.</summary>
public sealed class DagPauseService(IDbContextFactory<DashboardDbContext> dbFactory, TimeProvider clock)
{
    /// <returns>True when the DAG changed; false when it already was in the asked state.</returns>
    public async Task<bool> SetPausedAsync(string dagId, bool paused, Actor actor, CancellationToken ct = default)
    {
        actor.Demand(Permission.PauseDag, paused ? "pause DAGs" : "unpause DAGs");
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        await DagAccess.DemandAsync(db, actor, [dagId], paused ? "pause the schedule" : "unpause the schedule", ct);

        var changed = await db.Dags
            .Where(d => d.DagId == dagId && d.IsPaused != paused)
            .ExecuteUpdateAsync(s => s.SetProperty(d => d.IsPaused, paused), ct);
        if (changed == 0)
        {
            return await db.Dags.AnyAsync(d => d.DagId == dagId, ct)
                ? false
                : throw new OperationRefusedException($"There is no DAG '{dagId}'.");
        }

        AuditWriter.Record(db, clock.GetUtcNow(), actor, paused ? "dag.pause" : "dag.unpause", dagId, changed);
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        return true;
    }
}
