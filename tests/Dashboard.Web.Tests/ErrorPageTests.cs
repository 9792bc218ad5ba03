using Dashboard.Testing;
using Npgsql;

namespace Dashboard.Web.Tests;

public sealed class ErrorPageTests
{
    [Fact]
    public async Task A_page_whose_database_is_gone_says_it_is_not_up_to_date_and_shows_no_internals()
    {
        var connectionString = await TestPostgres.CreateDatabaseAsync();
        await using var app = await DashboardAppHost.StartAsync(connectionString);
        using var client = await app.CreateSignedInClientAsync();
        await DropDatabaseAsync(connectionString);

        using var response = await client.GetAsync("/");
        var page = await response.Content.ReadAsStringAsync();

        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("the database cannot be reached right now", page);
        Assert.DoesNotContain("Npgsql", page);
        Assert.DoesNotContain("Exception", page);
        Assert.DoesNotContain(" at Dashboard.", page);
    }

    [Fact]
    public async Task An_unknown_address_gets_the_not_found_page_with_status_404()
    {
        await using var app = await DashboardAppHost.StartAsync(await TestPostgres.CreateDatabaseAsync());
        using var client = await app.CreateSignedInClientAsync();

        using var response = await client.GetAsync("/no/such/page");

        Assert.Equal(System.Net.HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("There is nothing at this address", await response.Content.ReadAsStringAsync());
    }

    internal static async Task DropDatabaseAsync(string connectionString)
    {
        var name = new NpgsqlConnectionStringBuilder(connectionString).Database!;
        NpgsqlConnection.ClearAllPools();
        var cluster = await TestPostgres.GetClusterAsync();
        await using var admin = new NpgsqlConnection(cluster.SuperuserConnectionStringFor("postgres"));
        await admin.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE {name} WITH (FORCE)", admin);
        await drop.ExecuteNonQueryAsync();
    }
}
