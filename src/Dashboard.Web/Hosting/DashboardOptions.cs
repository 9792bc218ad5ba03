using System.ComponentModel.DataAnnotations;
using Dashboard.Web.Security;

namespace Dashboard.Web.Hosting;

/// <summary>The "Dashboard" section of appsettings.json.</summary>
public sealed class DashboardOptions : IValidatableObject
{
    public const string Section = "Dashboard";

    /// <summary>Shown in the header and the browser tab.</summary>
    [Required(AllowEmptyStrings = false)]
    public string Title { get; set; } = "Dashboard";

    /// <summary>
    /// The password of the <c>admin</c> user created on first run (when there is no user yet).
    /// Unset, a random one is printed once to the console and must be changed at first sign-in.
    /// Read on first run only: changing it later changes nothing.
    /// </summary>
    public string? AdminPassword { get; set; }

    /// <summary>A session not used for this long ends (sliding: every request renews it).</summary>
    [Range(typeof(TimeSpan), "00:01:00", "30.00:00:00")]
    public TimeSpan SessionTimeout { get; set; } = TimeSpan.FromHours(8);

    /// <summary>
    /// How often an open session is checked against its user (signed out elsewhere, disabled, role
    /// changed, password reset): the longest a revoked session keeps working.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan SessionRevalidationInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>A run still queued this long after it may start is listed under "Needs attention" on the DAG list.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "7.00:00:00")]
    public TimeSpan QueuedRunAlertAfter { get; set; } = TimeSpan.FromMinutes(10);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        // Never the value itself in the message: it is a secret.
        if (!string.IsNullOrEmpty(AdminPassword) && AdminPassword.Length < SecurityDefaults.MinPasswordLength)
        {
            yield return new ValidationResult(
                $"must be at least {SecurityDefaults.MinPasswordLength} characters long", [nameof(AdminPassword)]);
        }
    }
}

/// <summary>The "Database" section: where the embedded PostgreSQL keeps its files.</summary>
public sealed class DatabaseOptions
{
    public const string Section = "Database";

    /// <summary>Relative paths are resolved against the working directory.</summary>
    public string DataDirectory { get; set; } = ".data/postgres";
}
