using Dashboard.Core.Connections;
using Dashboard.Core.Persistence.LocalPostgres;
using Dashboard.Testing;
using Dashboard.Web.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Dashboard.E2E.Tests;

/// <summary>
/// The app's first start on its embedded database makes the warehouse the example taxi_pipeline
/// loads (a database, its own role, the 'warehouse' connection); later starts keep a connection a
/// person edited, and let the app's own one follow the cluster's port.
/// </summary>
public sealed class WarehouseBootstrapTests
{
    [Fact]
    public async Task The_first_start_makes_the_warehouse_and_its_connection_and_a_later_start_keeps_an_edited_connection()
    {
        var home = TestPostgres.ScratchDirectory("warehouse-home");
        string password;

        await using (var first = await BuildAsync(home))
        {
            var cluster = first.Services.GetRequiredService<LocalPostgresCluster>();
            var connections = first.Services.GetRequiredService<ConnectionService>();
            var connection = await connections.GetAsync(WarehouseConnection.ConnId);
            Assert.NotNull(connection);
            Assert.Equal(("postgres", "127.0.0.1", cluster.Port, "warehouse", "warehouse", true),
                (connection.ConnType, connection.Host, connection.Port, connection.Schema, connection.Login, connection.HasPassword));

            // As a task would: the warehouse opens with the connection's password, as a role that owns it and nothing more.
            var tested = await connections.TestAsync(Actors.Admin("lead"), WarehouseConnection.ConnId);
            Assert.True(tested.Succeeded, tested.Message);
            password = PasswordOf(home);
            await using var warehouse = new NpgsqlConnection(new NpgsqlConnectionStringBuilder
            {
                Host = "127.0.0.1", Port = cluster.Port, Database = "warehouse", Username = "warehouse", Password = password, Pooling = false,
            }.ConnectionString);
            await warehouse.OpenAsync();
            await using var who = new NpgsqlCommand(
                "SELECT r.rolsuper OR r.rolcreatedb OR r.rolcreaterole, pg_get_userbyid(d.datdba) FROM pg_roles r, pg_database d WHERE r.rolname = current_user AND d.datname = current_database()",
                warehouse);
            await using var reader = await who.ExecuteReaderAsync();
            Assert.True(await reader.ReadAsync());
            Assert.Equal((false, "warehouse"), (reader.GetBoolean(0), reader.GetString(1)));
        }

        await using (var second = await BuildAsync(home))
        {
            // The app's own connection, unedited, follows the cluster to whatever port it has now.
            var connections = second.Services.GetRequiredService<ConnectionService>();
            var port = second.Services.GetRequiredService<LocalPostgresCluster>().Port;
            Assert.Equal(port, (await connections.GetAsync(WarehouseConnection.ConnId))!.Port);
            Assert.Equal(password, PasswordOf(home));
            var tested = await connections.TestAsync(Actors.Admin("lead"), WarehouseConnection.ConnId);
            Assert.True(tested.Succeeded, tested.Message);

            await connections.SaveAsync(Actors.Admin("lead"), new ConnectionEdit(WarehouseConnection.ConnId,
                new ConnectionFields("postgres", "warehouse.example.com", 6543, "analytics", "loader", Description: "Our own warehouse"),
                SecretChange.Keep, SaveMode.Update));
        }

        await using (var third = await BuildAsync(home))
        {
            var connection = await third.Services.GetRequiredService<ConnectionService>().GetAsync(WarehouseConnection.ConnId);
            Assert.Equal(("warehouse.example.com", 6543, "analytics", "loader", "Our own warehouse"),
                (connection!.Host, connection.Port, connection.Schema, connection.Login, connection.Description));
        }
    }

    [Fact]
    public async Task A_warehouse_setting_that_is_no_connection_string_stops_start_up_with_a_clear_message()
    {
        var database = await TestPostgres.CreateDatabaseAsync();
        var refused = await Assert.ThrowsAsync<OptionsValidationException>(() => DashboardWebApplication.BuildAsync(
        [
            $"--ConnectionStrings:Dashboard={database}",
            "--ConnectionStrings:Warehouse=Database=analytics;Username=loader",
            "--Scheduler:Enabled=false",
            "--Executor:Enabled=false",
            $"--Dashboard:AdminPassword={DashboardAppHost.AdminPassword}",
            "--Logging:LogLevel:Default=Warning",
        ]));
        Assert.StartsWith("ConnectionStrings:Warehouse is no PostgreSQL connection string: ", refused.Message, StringComparison.Ordinal);
        TestPostgres.ReleaseConnections(database);
    }

    /// <summary>The app as it starts in a person's directory (the embedded database there), without the engine or a port.</summary>
    private static Task<WebApplication> BuildAsync(string home) => DashboardWebApplication.BuildAsync(
    [
        $"--Database:DataDirectory={Path.Combine(home, ".data", "postgres")}",
        $"--Dags:Folder={Directory.CreateDirectory(Path.Combine(home, "dags")).FullName}",
        $"--Executor:DataDirectory={Path.Combine(home, ".data", "work")}",
        "--Scheduler:Enabled=false",
        "--Executor:Enabled=false",
        $"--Dashboard:AdminPassword={DashboardAppHost.AdminPassword}",
        "--Logging:LogLevel:Default=Warning",
    ]);

    /// <summary>The warehouse role's line of the cluster's password file.</summary>
    private static string PasswordOf(string home) =>
        Assert.Single(File.ReadAllLines(Path.Combine(home, ".data", "postgres", "dashboard.pgpass")), l => l.StartsWith("127.0.0.1:*:*:warehouse:", StringComparison.Ordinal))
            .Split(':')[4];
}
