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
        Assert.Equal("""{"status":"healthy"}""", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Healthz_answers_503_to_anyone_and_the_reason_only_to_an_admin()
    {
        var connectionString = await TestPostgres.CreateDatabaseAsync();
        await using var app = await DashboardAppHost.StartAsync(connectionString);
        using var anonymous = app.CreateClient();
        using var admin = await app.CreateSignedInClientAsync();

        await ErrorPageTests.DropDatabaseAsync(connectionString);
        using var anonymousResponse = await anonymous.GetAsync("/healthz");
        using var adminResponse = await admin.GetAsync("/healthz");

        // Anyone may ask, so nothing about the database's whereabouts or state is told.
        Assert.Equal(HttpStatusCode.ServiceUnavailable, anonymousResponse.StatusCode);
        Assert.Equal("""{"status":"unhealthy"}""", await anonymousResponse.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.ServiceUnavailable, adminResponse.StatusCode);
        using var body = JsonDocument.Parse(await adminResponse.Content.ReadAsStringAsync());
        Assert.Equal("unhealthy", body.RootElement.GetProperty("status").GetString());
        var database = body.RootElement.GetProperty("database");
        Assert.False(database.GetProperty("reachable").GetBoolean());
        Assert.Contains("does not exist", database.GetProperty("error").GetString());
    }

    [Fact]
    public async Task Healthz_tells_a_signed_in_admin_the_latency_and_anyone_else_only_the_status()
    {
        await using var app = await DashboardAppHost.StartAsync(await TestPostgres.CreateDatabaseAsync());
        await app.CreateUserAsync("viewer", Core.Security.Role.Viewer, "viewer-password-12");
        using var admin = await app.CreateSignedInClientAsync();
        using var viewer = await app.CreateSignedInClientAsync("viewer", "viewer-password-12");

        using var details = JsonDocument.Parse(await admin.GetStringAsync("/healthz"));
        Assert.True(details.RootElement.GetProperty("database").GetProperty("reachable").GetBoolean());
        Assert.True(details.RootElement.GetProperty("database").GetProperty("latencyMs").GetDouble() >= 0);
        Assert.Equal("""{"status":"healthy"}""", await viewer.GetStringAsync("/healthz"));
    }

    [Fact]
    public async Task Liveness_and_readiness_answer_anyone_briefly_and_readiness_waits_for_a_scheduler_pass()
    {
        await using var app = await DashboardAppHost.StartAsync(await TestPostgres.CreateDatabaseAsync(), new Dictionary<string, string?>
        {
            ["Scheduler:Enabled"] = "true",
            ["Dags:Folder"] = TestPostgres.ScratchDirectory("healthz-dags"),
        });
        using var client = app.CreateClient();

        using var live = await client.GetAsync("/healthz/live");
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Equal("""{"status":"alive"}""", await live.Content.ReadAsStringAsync());

        // The scheduler's first pass comes moments after the start; until then the instance is not ready.
        await Eventually.HoldsAsync(async () => (await client.GetAsync("/healthz/ready")).StatusCode == HttpStatusCode.OK, "/healthz/ready says ready");
        Assert.Equal("""{"status":"ready","checks":{"database":"ok","migrations":"ok","scheduler":"ok"}}""", await client.GetStringAsync("/healthz/ready"));
    }

    [Fact]
    public async Task Without_its_database_an_instance_is_alive_but_not_ready()
    {
        var connectionString = await TestPostgres.CreateDatabaseAsync();
        await using var app = await DashboardAppHost.StartAsync(connectionString);
        using var client = app.CreateClient();
        Assert.Equal("""{"status":"ready","checks":{"database":"ok","migrations":"ok","scheduler":"off"}}""", await client.GetStringAsync("/healthz/ready"));

        await ErrorPageTests.DropDatabaseAsync(connectionString);
        using var ready = await client.GetAsync("/healthz/ready");
        using var live = await client.GetAsync("/healthz/live");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        Assert.Equal("""{"status":"not ready","checks":{"database":"unreachable","migrations":"unknown","scheduler":"off"}}""", await ready.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
    }
}
