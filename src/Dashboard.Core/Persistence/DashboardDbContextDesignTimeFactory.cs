using Microsoft.EntityFrameworkCore.Design;

namespace Dashboard.Core.Persistence;

/// <summary>
/// How <c>dotnet ef</c> builds the context (migrations add, has-pending-model-changes, script):
/// the app gets its connection string from its configuration or the embedded cluster at start-up,
/// which the tools neither read nor start. Those commands only read the model, so a placeholder
/// will do; commands that connect (database update) use <c>ConnectionStrings__Dashboard</c>.
/// </summary>
public sealed class DashboardDbContextDesignTimeFactory : IDesignTimeDbContextFactory<DashboardDbContext>
{
    /// <summary>The variable the app reads for ConnectionStrings:Dashboard, so both mean the same database.</summary>
    public const string ConnectionStringVariable = "ConnectionStrings__Dashboard";

    /// <summary>Never connected to by the commands that only read the model.</summary>
    private const string Placeholder = "Host=localhost;Database=dashboard";

    public static string ConnectionString =>
        Environment.GetEnvironmentVariable(ConnectionStringVariable) is { Length: > 0 } value ? value : Placeholder;

    public DashboardDbContext CreateDbContext(string[] args) => new(DashboardDatabase.Options(ConnectionString));
}
