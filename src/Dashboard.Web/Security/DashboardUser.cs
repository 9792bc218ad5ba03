using Microsoft.AspNetCore.Identity;

namespace Dashboard.Web.Security;

/// <summary>A person who signs in. Their rights come from their Identity roles (Viewer, User, Op, Admin): the highest one counts.</summary>
public sealed class DashboardUser : IdentityUser
{
    /// <summary>Set when someone else chose the password (first run, created or reset by an Admin): the next sign-in asks for a new one.</summary>
    public bool MustChangePassword { get; set; }

    /// <summary>A disabled user cannot sign in, and their open sessions end at the next revalidation.</summary>
    public bool Disabled { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset? LastSignInAt { get; set; }
}
