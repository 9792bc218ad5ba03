using System.Net;
using System.Net.Http.Headers;
using Dashboard.Core.Persistence;
using Dashboard.Testing;
using Dashboard.Web.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Dashboard.Web.Tests;

/// <summary>
/// The real app's meters are found by name through a listener that is global to the process, so an
/// app host another test class runs at the same time feeds this one's exporter too: these tests run
/// alone, after the parallel ones.
/// </summary>
[CollectionDefinition(nameof(MetricsCollection), DisableParallelization = true)]
public sealed class MetricsCollection;

/// <summary>The real app with OTEL_METRICS_EXPORTER=prometheus: what a Prometheus server scraping it reads, and who may.</summary>
[Collection(nameof(MetricsCollection))]
public sealed class MetricsEndpointTests
{
    [Fact]
    public async Task A_scrape_after_a_task_succeeded_finds_it_counted()
    {
        var dags = TestPostgres.ScratchDirectory("metrics-dags");
        await File.WriteAllTextAsync(Path.Combine(dags, "scraped.yaml"), """
            dag_id: scraped
            schedule: "@once"
            start_date: 2024-01-01
            tasks:
              - id: work
                command: echo working
            """);
        await using var app = await DashboardAppHost.StartAsync(await TestPostgres.CreateDatabaseAsync(), new Dictionary<string, string?>
        {
            ["Scheduler:Enabled"] = "true",
            ["Executor:Enabled"] = "true",
            ["Dags:Folder"] = dags,
            ["Executor:DataDirectory"] = TestPostgres.ScratchDirectory("metrics-data"),
            ["OTEL_METRICS_EXPORTER"] = "prometheus",
        });
        var dbFactory = app.Services.GetRequiredService<IDbContextFactory<DashboardDbContext>>();
        await Eventually.HoldsAsync(async () =>
        {
            await using var db = await dbFactory.CreateDbContextAsync();
            return await db.Dags.Where(d => d.DagId == "scraped").ExecuteUpdateAsync(s => s.SetProperty(d => d.IsPaused, false)) == 1;
        }, "the DAG file is loaded and unpaused");
        using var client = app.CreateClient();

        // The counter line, by the exporter's naming: dots to underscores, "_total" on a counter.
        var line = await Eventually.FoundAsync(async () => (await client.GetStringAsync(Telemetry.MetricsPath)).Split('\n')
                .FirstOrDefault(l => l.StartsWith("dashboard_task_instance_finished_total{", StringComparison.Ordinal)
                                     && l.Contains("dag_id=\"scraped\"", StringComparison.Ordinal) && l.Contains("state=\"success\"", StringComparison.Ordinal)),
            "a scrape that counts the success of scraped.work");
        Assert.Equal("1", line.Split(' ')[1]);
    }

    [Fact]
    public async Task Without_the_exporter_asked_for_there_is_no_metrics_endpoint()
    {
        await using var app = await DashboardAppHost.StartAsync(await TestPostgres.CreateDatabaseAsync());
        using var admin = await app.CreateSignedInClientAsync();

        using var response = await admin.GetAsync(Telemetry.MetricsPath);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task With_a_scrape_token_only_a_scrape_that_brings_it_is_answered()
    {
        const string token = "a-scrape-token-for-tests";
        await using var app = await DashboardAppHost.StartAsync(await TestPostgres.CreateDatabaseAsync(), new Dictionary<string, string?>
        {
            ["OTEL_METRICS_EXPORTER"] = "prometheus",
            ["Metrics:ScrapeToken"] = token,
        });
        using var client = app.CreateClient(followRedirects: false);

        using var without = await client.GetAsync(Telemetry.MetricsPath);
        using var wrong = await client.SendAsync(Scrape("not-the-token-at-all"));
        using var right = await client.SendAsync(Scrape(token));

        // Refused scrapes fall through to the app, which sends a stranger to sign in: no metrics either way.
        Assert.Equal(HttpStatusCode.Redirect, without.StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, wrong.StatusCode);
        Assert.Equal(HttpStatusCode.OK, right.StatusCode);
        Assert.Contains("# TYPE", await right.Content.ReadAsStringAsync());

        static HttpRequestMessage Scrape(string bearer) => new(HttpMethod.Get, Telemetry.MetricsPath) { Headers = { Authorization = new AuthenticationHeaderValue("Bearer", bearer) } };
    }

    [Theory]
    [InlineData("127.0.0.1", null, true)]
    [InlineData("::1", null, true)]
    [InlineData("127.0.0.1", "X-Forwarded-For", false)] // a reverse proxy on this host, forwarding a stranger
    [InlineData("127.0.0.1", "Forwarded", false)]
    [InlineData("192.0.2.10", null, false)]
    public void Without_a_token_only_this_machine_may_scrape_and_not_through_a_proxy(string remote, string? proxyHeader, bool allowed)
    {
        var context = new DefaultHttpContext { Connection = { RemoteIpAddress = IPAddress.Parse(remote) } };
        if (proxyHeader is not null)
        {
            context.Request.Headers[proxyHeader] = "198.51.100.7";
        }

        Assert.Equal(allowed, Telemetry.MayScrape(context, scrapeToken: null));
    }
}
