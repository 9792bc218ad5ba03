using Dashboard.Core.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Dashboard.Core.Security;

/// <summary>
/// Who may change a DAG beyond what their role grants (Airflow's DAG-level <c>access_control</c>):
/// a DAG file's <c>access_control.can_edit</c> lists roles and user names, and only those (and
/// Admins) may change the DAG's state. Every state-changing service asks here, after the role check,
/// inside its transaction; the pages ask only to disable what the service would refuse.
/// </summary>
public static class DagAccess
{
    /// <summary>
    /// True when <paramref name="actor"/> may change a DAG whose file lists <paramref name="editors"/>:
    /// always without a list and for Admins; otherwise when the list names the actor (user names
    /// match case-insensitively, as sign-in does) or a role the actor's role includes.
    /// </summary>
    public static bool CanChange(Actor actor, IReadOnlyList<string>? editors) =>
        editors is null
        || actor.Role == Role.Admin
        || editors.Any(editor => RoleNamed(editor) is { } role
            ? actor.Role >= role
            : string.Equals(editor, actor.Name, StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// Refuses the action when <paramref name="actor"/> may not change any of <paramref name="dagIds"/>,
    /// naming each such DAG and who may change it. Reads every list in one query; an id with no DAG
    /// is left to the action to refuse.
    /// </summary>
    /// <param name="what">The action in words, for the refusal: "clear task instances".</param>
    /// <exception cref="AccessDeniedException">A DAG's access_control does not list the actor; nothing changed.</exception>
    public static async Task DemandAsync(DashboardDbContext db, Actor actor, IReadOnlyCollection<string> dagIds, string what, CancellationToken ct)
    {
        if (actor.Role == Role.Admin || dagIds.Count == 0)
        {
            return;
        }

        var restricted = await db.Dags.AsNoTracking()
            .Where(d => dagIds.Contains(d.DagId) && d.EditAccess != null)
            .OrderBy(d => d.DagId)
            .Select(d => new { d.DagId, d.EditAccess })
            .ToListAsync(ct);
        var refused = restricted.Where(d => !CanChange(actor, d.EditAccess)).ToList();
        if (refused.Count > 0)
        {
            throw new AccessDeniedException(
                $"{actor.Name} may not {what} of {string.Join("; ", refused.Select(d => $"DAG '{d.DagId}': {WhoMay(d.EditAccess!)}"))}.");
        }
    }

    /// <summary>In words, for refusals and tooltips: "only Op, alice (and Admins) may change it".</summary>
    public static string WhoMay(IReadOnlyList<string> editors) => $"only {string.Join(", ", editors)} (and Admins) may change it";

    /// <summary>The role an entry of <c>can_edit</c> names, in any case; null when it is a user name.</summary>
    public static Role? RoleNamed(string editor) =>
        Enum.GetValues<Role>().Select(r => (Role?)r).FirstOrDefault(r => string.Equals(r.ToString(), editor, StringComparison.OrdinalIgnoreCase));
}
