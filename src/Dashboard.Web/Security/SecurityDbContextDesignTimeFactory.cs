using Dashboard.Core.Persistence;
using Microsoft.EntityFrameworkCore.Design;

namespace Dashboard.Web.Security;

/// <summary>
/// How <c>dotnet ef</c> builds the sign-in context without starting the app (whose start-up would
/// pick or start a database and migrate it): same database as the domain's design-time context.
/// </summary>
public sealed class SecurityDbContextDesignTimeFactory : IDesignTimeDbContextFactory<SecurityDbContext>
{
    public SecurityDbContext CreateDbContext(string[] args) =>
        new(SecurityDbContext.Options(DashboardDbContextDesignTimeFactory.ConnectionString));
}
