using System.Security.Claims;
using Dashboard.Core.Security;
using Dashboard.Web.Security;
using Microsoft.AspNetCore.Components.Authorization;

namespace Dashboard.Web.Components.Shared;

/// <summary>
/// Who is acting in this circuit: the signed-in user, with their effective role. Read afresh on
/// every use, never cached, so a circuit whose session was revoked (signed out, disabled, role
/// changed) acts as signed out from the next revalidation on, and is refused every action.
/// </summary>
public sealed class CurrentOperator(AuthenticationStateProvider authentication)
{
    /// <summary>The cascading value a DAG's page gives its panels: the DAG's access_control list (<see cref="DagAccess"/>).</summary>
    public const string DagEditorsName = "DagEditors";

    public Actor Actor => SignedInUser.ActorOf(User);

    public ClaimsPrincipal User
    {
        get
        {
            // On the server the state is always a completed task; anything else counts as signed out.
            var state = authentication.GetAuthenticationStateAsync();
            return state.IsCompletedSuccessfully ? state.Result.User : new ClaimsPrincipal(new ClaimsIdentity());
        }
    }

    /// <summary>
    /// Why this user may not do it, for the tooltip of the button it disables; null when they may.
    /// The service refuses it anyway: this only spares them a refusal.
    /// </summary>
    public string? WhyNot(Permission permission)
    {
        var actor = Actor;
        return actor.Can(permission) ? null : $"Needs the {Actor.Needed(permission)} role; you have the {actor.Role} role.";
    }

    /// <summary>
    /// Why this user may not do it to a DAG whose file's access_control lists <paramref name="editors"/>
    /// (null: none), for the tooltip of the button it disables; null when they may.
    /// </summary>
    public string? WhyNot(Permission permission, IReadOnlyList<string>? editors) =>
        WhyNot(permission) ?? (DagAccess.CanChange(Actor, editors) ? null : $"This DAG's access_control: {DagAccess.WhoMay(editors!)}.");
}
