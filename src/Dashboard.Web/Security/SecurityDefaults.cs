namespace Dashboard.Web.Security;

/// <summary>The sign-in rules, as the security issue fixed them; not configurable, so no install weakens them.</summary>
public static class SecurityDefaults
{
    /// <summary>Length is what makes a password strong; no composition rules (NIST SP 800-63B).</summary>
    public const int MinPasswordLength = 12;

    public const int MaxFailedAccessAttempts = 5;

    public static readonly TimeSpan LockoutDuration = TimeSpan.FromMinutes(15);

    public const string SignInPath = "/signin";
    public const string SignOutPath = "/signout";
    public const string ChangePasswordPath = "/account/password";
    public const string ForbiddenPath = "/forbidden";
    public const string ReturnUrlParameter = "returnUrl";
}
