using Dashboard.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Xunit;

namespace Dashboard.Testing;

/// <summary>A class fixture: one fresh, migrated database for the test class.</summary>
public class PostgresDatabaseFixture : IAsyncLifetime
{
    public string ConnectionString { get; private set; } = "";

    public IDbContextFactory<DashboardDbContext> DbFactory { get; private set; } = null!;

    public DashboardDbContext CreateContext() => new(DashboardDatabase.Options(ConnectionString));

    public virtual async Task InitializeAsync()
    {
        ConnectionString = await TestPostgres.CreateDatabaseAsync();
        DbFactory = new PooledDbContextFactory<DashboardDbContext>(DashboardDatabase.Options(ConnectionString));
    }

    public virtual Task DisposeAsync()
    {
        TestPostgres.ReleaseConnections(ConnectionString);
        return Task.CompletedTask;
    }
}
