using Dashboard.Core.Persistence;
using Dashboard.Core.Persistence.LocalPostgres;
using Dashboard.Web.Security;

namespace Dashboard.Web.Hosting;

/// <summary>
/// Picks the database before the host is built: the server named by ConnectionStrings:Dashboard
/// when it is set (nothing managed), otherwise the embedded local cluster. Either way it is
/// reachable and migrated (the domain's tables and the sign-in tables) when this returns. Instances
/// that start together on one database take turns to migrate (<see cref="MigrationLock"/>).
/// </summary>
public static class DatabaseBootstrap
{
    public const string ConnectionStringName = "Dashboard";

    public static async Task<(string ConnectionString, LocalPostgresCluster? Cluster)> PrepareAsync(
        IConfiguration configuration, ILogger logger, CancellationToken ct)
    {
        var connectionString = ConfiguredConnectionString(configuration);
        LocalPostgresCluster? cluster = null;
        if (connectionString is null)
        {
            var local = LocalClusterOptions(configuration);
            cluster = await LocalPostgresCluster.StartAsync(local, logger, ct);
            connectionString = cluster.ConnectionStringFor(local.Database);
        }
        else
        {
            logger.LogInformation("Using the PostgreSQL database {Database}", DashboardDatabase.Describe(connectionString));
        }

        try
        {
            await MigrateAsync(connectionString, logger, ct);
        }
        catch
        {
            if (cluster is not null)
            {
                await cluster.DisposeAsync();
            }

            throw;
        }

        return (connectionString, cluster);
    }

    /// <summary>
    /// Applies every pending migration, the domain's and then the sign-in tables', holding the
    /// <see cref="MigrationLock"/>: an instance that starts beside another waits, then finds nothing to do.
    /// </summary>
    public static async Task MigrateAsync(string connectionString, ILogger logger, CancellationToken ct)
    {
        await using (await MigrationLock.AcquireAsync(connectionString, logger, ct))
        {
            await DashboardDatabase.MigrateAsync(connectionString, ct);
            await SecurityDbContext.MigrateAsync(connectionString, ct);
        }
    }

    /// <summary>ConnectionStrings:Dashboard, or null when it is unset or blank (the embedded cluster is used).</summary>
    public static string? ConfiguredConnectionString(IConfiguration configuration) =>
        configuration.GetConnectionString(ConnectionStringName) is { } value && !string.IsNullOrWhiteSpace(value) ? value : null;

    /// <summary>The embedded cluster the configuration points at (Database:DataDirectory).</summary>
    public static LocalPostgresOptions LocalClusterOptions(IConfiguration configuration)
    {
        var options = configuration.GetSection(DatabaseOptions.Section).Get<DatabaseOptions>() ?? new DatabaseOptions();
        return new LocalPostgresOptions { DataDirectory = options.DataDirectory };
    }
}
