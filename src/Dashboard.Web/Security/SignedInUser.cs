using System.Security.Claims;
using Dashboard.Core.Security;

namespace Dashboard.Web.Security;

/// <summary>What the claims of a signed-in principal mean for the domain: the actor's name and effective role.</summary>
public static class SignedInUser
{
    /// <summary>The claim a session carries while its password still has to be changed.</summary>
    public const string MustChangePasswordClaim = "dashboard:must_change_password";

    /// <summary>
    /// Who acts for a signed-out principal (a circuit whose session was revoked): the lowest role,
    /// which no state-changing action is granted to.
    /// </summary>
    public static readonly Actor SignedOut = new("(signed out)", Role.Viewer);

    public static Actor ActorOf(ClaimsPrincipal principal) =>
        principal.Identity is { IsAuthenticated: true, Name: { Length: > 0 } name }
            ? new Actor(name, EffectiveRole(principal))
            : SignedOut;

    /// <summary>The highest of the principal's roles; Viewer when it has none.</summary>
    public static Role EffectiveRole(ClaimsPrincipal principal) =>
        principal.FindAll(ClaimTypes.Role)
            .Select(claim => ParseRole(claim.Value))
            .OfType<Role>()
            .DefaultIfEmpty(Role.Viewer)
            .Max();

    public static bool MustChangePassword(ClaimsPrincipal principal) => principal.HasClaim(MustChangePasswordClaim, "true");

    /// <summary>The highest of the named roles (Identity role names); Viewer when none is known.</summary>
    public static Role EffectiveRole(IEnumerable<string> roleNames) =>
        roleNames.Select(ParseRole).OfType<Role>().DefaultIfEmpty(Role.Viewer).Max();

    public static Role? ParseRole(string name) =>
        Enum.TryParse<Role>(name, ignoreCase: false, out var role) && Enum.IsDefined(role) ? role : null;
}
