using Dashboard.Core.Connections;
using Dashboard.Core.Persistence;
using Dashboard.Core.Persistence.LocalPostgres;
using Dashboard.Core.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Dashboard.Web.Hosting;

/// <summary>
/// The <c>warehouse</c> connection that the example taxi_pipeline loads its trips through.
/// ConnectionStrings:Warehouse (an Npgsql connection string) names the warehouse when it is set;
/// otherwise, on the embedded cluster, the app makes a <c>warehouse</c> database with a login role
/// of its own and connects to that; with an external database and no such setting no connection is
/// made, so the pipeline's tries fail with "unknown connection 'warehouse'" until someone adds one.
/// A connection that exists is never replaced: it may be a person's. The one exception is the
/// embedded cluster's own, unedited (same host, database and login): the cluster picks a free port
/// on every start, so that connection follows its port (and password) instead of going stale.
/// Instances that start together take turns (<see cref="MigrationLock"/>), so one creates it.
/// </summary>
public static class WarehouseConnection
{
    public const string ConnId = "warehouse";
    public const string ConnectionStringName = "Warehouse";

    /// <summary>Who the connection's audit row names.</summary>
    private static readonly Actor System = new("system", Role.Admin);

    /// <returns>What happened, for the log and the tests.</returns>
    public static async Task<WarehouseOutcome> EnsureAsync(
        IServiceProvider services, IConfiguration configuration, LocalPostgresCluster? cluster, string dashboardConnectionString, CancellationToken ct = default)
    {
        string target;
        string description;
        var embedded = false;
        if (configuration.GetConnectionString(ConnectionStringName) is { } configured && !string.IsNullOrWhiteSpace(configured))
        {
            target = configured;
            description = "The warehouse of ConnectionStrings:Warehouse; the example taxi_pipeline loads it";
        }
        else if (cluster is not null)
        {
            target = await cluster.EnsureWarehouseAsync(ct);
            description = "The warehouse database of the embedded PostgreSQL, made by Dashboard; the example taxi_pipeline loads it";
            embedded = true;
        }
        else
        {
            return WarehouseOutcome.NotConfigured;
        }

        ConnectionFields fields;
        try
        {
            fields = FieldsOf(target, description);
            if (string.IsNullOrWhiteSpace(fields.Host) || string.IsNullOrWhiteSpace(fields.Schema))
            {
                throw new ArgumentException("it needs a Host and a Database.");
            }

            if (ConnectionRules.Problem(fields) is { } problem)
            {
                throw new ArgumentException(problem);
            }
        }
        catch (ArgumentException e)
        {
            throw new OptionsValidationException($"ConnectionStrings:{ConnectionStringName}", typeof(string),
                [$"ConnectionStrings:{ConnectionStringName} is no PostgreSQL connection string: {e.Message}"]);
        }

        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger("Dashboard.Database");
        var connections = services.GetRequiredService<ConnectionService>();
        await using (await MigrationLock.AcquireAsync(dashboardConnectionString, logger, ct))
        {
            var existing = await StoredAsync(services, ct);
            if (existing is null)
            {
                await connections.SaveAsync(System, new ConnectionEdit(ConnId, fields, SecretChange.Set(fields.Password), SaveMode.Create), ct: ct);
                logger.LogInformation("Created the connection {ConnId} to {Host}:{Port}/{Database}", ConnId, fields.Host, fields.Port, fields.Schema);
                return WarehouseOutcome.Created;
            }

            if (!embedded || !SameWarehouse(existing, fields)
                || (existing.Port == fields.Port && existing.Password == fields.Password))
            {
                return WarehouseOutcome.Kept;
            }

            var followed = existing with { Port = fields.Port };
            await connections.SaveAsync(System, new ConnectionEdit(ConnId, followed, SecretChange.Set(fields.Password), SaveMode.Update), ct: ct);
            logger.LogInformation("The connection {ConnId} follows the embedded PostgreSQL to port {Port}", ConnId, fields.Port);
            return WarehouseOutcome.Followed;
        }
    }

    /// <summary>An Npgsql connection string as an Airflow postgres connection; the database is its schema, as in Airflow.</summary>
    public static ConnectionFields FieldsOf(string connectionString, string? description = null)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        return new ConnectionFields("postgres", builder.Host, builder.Port, builder.Database, builder.Username, builder.Password,
            Description: description);
    }

    private static bool SameWarehouse(ConnectionFields stored, ConnectionFields wanted) =>
        stored.ConnType == wanted.ConnType && stored.Host == wanted.Host && stored.Schema == wanted.Schema && stored.Login == wanted.Login;

    /// <summary>The stored connection with its password in the clear, or null.</summary>
    private static async Task<ConnectionFields?> StoredAsync(IServiceProvider services, CancellationToken ct)
    {
        await using var db = await services.GetRequiredService<IDbContextFactory<DashboardDbContext>>().CreateDbContextAsync(ct);
        if (await db.Connections.AsNoTracking().SingleOrDefaultAsync(c => c.ConnId == ConnId, ct) is not { } row)
        {
            return null;
        }

        var protector = services.GetRequiredService<SecretProtector>();
        return new ConnectionFields(row.ConnType, row.Host, row.Port, row.Schema, row.Login,
            row.EncryptedPassword is { } password ? protector.Unprotect(password) : null,
            row.EncryptedExtra is { } extra ? protector.Unprotect(extra) : null, row.Description);
    }
}

/// <summary>What <see cref="WarehouseConnection.EnsureAsync"/> did.</summary>
public enum WarehouseOutcome
{
    /// <summary>No embedded cluster and no ConnectionStrings:Warehouse: nothing to connect to.</summary>
    NotConfigured,
    Created,

    /// <summary>The embedded cluster's own connection took the cluster's new port or password.</summary>
    Followed,

    /// <summary>A connection existed and stays as it was.</summary>
    Kept,
}
