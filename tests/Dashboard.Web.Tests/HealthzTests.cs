using System.Net;
using System.Text.Json;
using Dashboard.Testing;

namespace Dashboard.Web.Tests;

public sealed class HealthzTests
{
    [Fact]
    public async Task Healthz_reports_a_reachable_database_as_json()
    {
        await using var app = await DashboardAppHost.StartAsync(await TestPostgres.CreateDatabaseAsync());
        using var client = app.CreateClient();

        using var response = await client.GetAsync("/healthz");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("healthy", body.RootElement.GetProperty("status").GetString());
        Assert.True(body.RootElement.GetProperty("database").GetProperty("reachable").GetBoolean());
    }

    [Fact]
    public async Task Healthz_answers_503_with_the_reason_when_the_database_goes_away()
    {
        var connectionString = await TestPostgres.CreateDatabaseAsync();
        await using var app = await DashboardAppHost.StartAsync(connectionString);
        using var client = app.CreateClient();

        await ErrorPageTests.DropDatabaseAsync(connectionString);
        using var response = await client.GetAsync("/healthz");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("unhealthy", body.RootElement.GetProperty("status").GetString());
        var database = body.RootElement.GetProperty("database");
        Assert.False(database.GetProperty("reachable").GetBoolean());
        Assert.Contains("does not exist", database.GetProperty("error").GetString());
    }
}
