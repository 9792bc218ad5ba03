using Dashboard.Core.Persistence;

namespace Dashboard.Core.Security;

// Placeholder until per-DAG access lands: every DAG may be changed by whoever's role allows it.
public static class DagAccess
{
    public static bool CanChange(Actor actor, IReadOnlyList<string>? editors) => true;

    public static Task DemandAsync(DashboardDbContext db, Actor actor, IReadOnlyCollection<string> dagIds, string what, CancellationToken ct) =>
        Task.CompletedTask;
}
