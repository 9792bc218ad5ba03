using Dashboard.Core.Persistence;
using Dashboard.Testing;
using Dashboard.Web.Hosting;
using Dashboard.Web.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;

namespace Dashboard.Web.Tests;

/// <summary>Instances that start together migrate one empty database in turns, not over each other.</summary>
public sealed class MigrationLockTests
{
    [Fact]
    public async Task Many_instances_migrating_one_empty_database_at_once_all_succeed()
    {
        var connectionString = await TestPostgres.CreateDatabaseAsync(migrated: false);

        await Task.WhenAll(Enumerable.Range(0, 6).Select(_ =>
            Task.Run(() => DatabaseBootstrap.MigrateAsync(connectionString, NullLogger.Instance, CancellationToken.None))));

        Assert.Empty(await DashboardDatabase.PendingMigrationsAsync(connectionString));
        await using var security = new SecurityDbContext(SecurityDbContext.Options(connectionString));
        Assert.Empty(await security.Database.GetPendingMigrationsAsync());
    }
}
