using Dashboard.Core.Persistence;
using Dashboard.Core.Persistence.LocalPostgres;

namespace Dashboard.Web.Hosting;

/// <summary>
/// Picks the database before the host is built: the server named by ConnectionStrings:Dashboard
/// when it is set (nothing managed), otherwise the embedded local cluster. Either way it is
/// reachable and migrated when this returns.
/// </summary>
internal static class DatabaseBootstrap
{
    public const string ConnectionStringName = "Dashboard";

    public static async Task<(string ConnectionString, LocalPostgresCluster? Cluster)> PrepareAsync(
        IConfiguration configuration, ILogger logger, CancellationToken ct)
    {
        var connectionString = configuration.GetConnectionString(ConnectionStringName);
        LocalPostgresCluster? cluster = null;
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            var options = configuration.GetSection(DatabaseOptions.Section).Get<DatabaseOptions>() ?? new DatabaseOptions();
            var local = new LocalPostgresOptions { DataDirectory = options.DataDirectory };
            cluster = await LocalPostgresCluster.StartAsync(local, logger, ct);
            connectionString = cluster.ConnectionStringFor(local.Database);
        }
        else
        {
            logger.LogInformation("Using the PostgreSQL database {Database}", DashboardDatabase.Describe(connectionString));
        }

        try
        {
            await DashboardDatabase.MigrateAsync(connectionString, ct);
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
}
