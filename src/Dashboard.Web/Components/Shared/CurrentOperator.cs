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
}
