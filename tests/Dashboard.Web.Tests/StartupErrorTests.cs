using Dashboard.Core.Persistence;
using Dashboard.Testing;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Dashboard.Web.Tests;

/// <summary>A wrong external connection string stops the app at start-up with one specific message.</summary>
public sealed class StartupErrorTests
{
    [Fact]
    public async Task An_unreachable_server_names_the_server_and_the_reason()
    {
        var error = await Assert.ThrowsAsync<DatabaseUnavailableException>(
            () => DashboardAppHost.StartAsync("Host=127.0.0.1;Port=1;Database=warehouse;Username=etl;Password=secret;Timeout=3"));

        Assert.StartsWith("Cannot use the PostgreSQL database 127.0.0.1:1/warehouse:", error.Message);
        Assert.Contains("refused", error.Message, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("secret", error.Message);
    }

    [Fact]
    public async Task A_role_the_server_refuses_is_named_in_the_error()
    {
        var cluster = await TestPostgres.GetClusterAsync();
        var connectionString = new NpgsqlConnectionStringBuilder(cluster.ConnectionStringFor("dashboard")) { Username = "no_such_role" }.ConnectionString;

        var error = await Assert.ThrowsAsync<DatabaseUnavailableException>(() => DashboardAppHost.StartAsync(connectionString));

        Assert.Contains($"127.0.0.1:{cluster.Port}/dashboard", error.Message);
        Assert.Contains("password authentication failed for user \"no_such_role\"", error.Message);
    }

    [Fact]
    public async Task A_malformed_connection_string_is_reported_as_such()
    {
        var error = await Assert.ThrowsAsync<DatabaseUnavailableException>(() => DashboardAppHost.StartAsync("Hots=localhost;Databse=x"));

        Assert.StartsWith("ConnectionStrings:Dashboard is not a valid PostgreSQL connection string", error.Message);
    }

    [Fact]
    public async Task A_failed_start_leaves_the_database_untouched()
    {
        var connectionString = await TestPostgres.CreateDatabaseAsync(migrated: false);

        var error = await Assert.ThrowsAsync<OptionsValidationException>(
            () => DashboardAppHost.StartAsync(connectionString, new Dictionary<string, string?> { ["Dashboard:Title"] = "" }));

        Assert.Contains("Dashboard:Title", error.Message);

        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var tables = new NpgsqlCommand("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'", connection);
        Assert.Equal(0L, await tables.ExecuteScalarAsync());
    }

    [Fact]
    public async Task A_queued_run_alert_threshold_of_zero_is_refused_at_start_up()
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => DashboardAppHost.StartAsync(
            "Host=127.0.0.1;Port=1;Database=unused", new Dictionary<string, string?> { ["Dashboard:QueuedRunAlertAfter"] = "00:00:00" }));

        Assert.Contains("Dashboard:QueuedRunAlertAfter", error.Message);
    }

    [Fact]
    public async Task Notification_settings_that_name_an_undefined_channel_are_refused_at_start_up()
    {
        var connectionString = await TestPostgres.CreateDatabaseAsync();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => DashboardAppHost.StartAsync(
            connectionString, new Dictionary<string, string?> { ["Notifications:Defaults:on_run_failure:0"] = "pager" }));

        Assert.Contains("Notifications:Defaults:on_run_failure names the channel 'pager', which Notifications:Channels does not define.", error.Message);
    }
}
