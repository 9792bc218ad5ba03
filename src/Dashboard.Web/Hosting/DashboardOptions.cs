using System.ComponentModel.DataAnnotations;
using Dashboard.Core.Security;

namespace Dashboard.Web.Hosting;

/// <summary>The "Dashboard" section of appsettings.json.</summary>
public sealed class DashboardOptions
{
    public const string Section = "Dashboard";

    /// <summary>Shown in the header and the browser tab.</summary>
    [Required(AllowEmptyStrings = false)]
    public string Title { get; set; } = "Dashboard";

    /// <summary>The name audit rows carry for actions taken in the UI, until sign-in exists.</summary>
    [Required(AllowEmptyStrings = false)]
    public string OperatorName { get; set; } = "operator";

    /// <summary>The operator's role until sign-in exists: Admin, or less to try the app as a Viewer, User or Op would see it.</summary>
    public Role OperatorRole { get; set; } = Role.Admin;

    /// <summary>A run still queued this long after it may start is listed under "Needs attention" on the DAG list.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "7.00:00:00")]
    public TimeSpan QueuedRunAlertAfter { get; set; } = TimeSpan.FromMinutes(10);
}

/// <summary>The "Database" section: where the embedded PostgreSQL keeps its files.</summary>
public sealed class DatabaseOptions
{
    public const string Section = "Database";

    /// <summary>Relative paths are resolved against the working directory.</summary>
    public string DataDirectory { get; set; } = ".data/postgres";
}
