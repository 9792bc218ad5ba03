using AngleSharp.Dom;
using AngleSharp.Html.Parser;
using Dashboard.Core.Domain;
using Dashboard.Testing;

namespace Dashboard.Web.Tests;

/// <summary>The first paint of the DAG list and the runs list, as the server renders it from the URL alone.</summary>
public sealed class DagPagesHttpTests(DagPagesHttpTests.App app) : IClassFixture<DagPagesHttpTests.App>
{
    public sealed class App : PostgresDatabaseFixture
    {
        public DashboardAppHost Host { get; private set; } = null!;

        public override async Task InitializeAsync()
        {
            await base.InitializeAsync();
            var now = DateTimeOffset.UtcNow;
            await using (var db = CreateContext())
            {
                await TestData.AddDagAsync(db, "broken_etl", paused: false, tags: ["etl"]);
                await TestData.AddRunAsync(db, "broken_etl", "manual_ok", DagRunState.Success, runAfter: now.AddHours(-3), endDate: now.AddHours(-3));
                await TestData.AddRunAsync(db, "broken_etl", "manual_failed", DagRunState.Failed, runAfter: now.AddHours(-2), endDate: now.AddHours(-1));
                await TestData.AddDagAsync(db, "busy_etl", paused: false, tags: ["etl"]);
                await TestData.AddRunAsync(db, "busy_etl", "manual_running", DagRunState.Running, runAfter: now.AddMinutes(-5), startDate: now.AddMinutes(-5));
                await TestData.AddDagAsync(db, "idle_report", paused: true, schedule: null, tags: ["reports"]);
                for (var day = 0; day < 30; day++)
                {
                    await TestData.AddRunAsync(db, "idle_report", $"manual_{day:00}", DagRunState.Success,
                        logicalDate: new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero).AddDays(day));
                }
            }

            Host = await DashboardAppHost.StartAsync(ConnectionString);
        }

        public override async Task DisposeAsync() => await Host.DisposeAsync();
    }

    [Fact]
    public async Task The_tab_title_counts_the_failing_dags()
    {
        using var client = await app.Host.CreateSignedInClientAsync();
        var html = await client.GetStringAsync("/");
        var page = new HtmlParser().ParseDocument(html);

        Assert.Contains("<title>(1 failing) DAGs · Dashboard</title>", html);
        Assert.Equal("(1 failing) DAGs · Dashboard", page.Title);
        Assert.Equal("true", Row(page, "broken_etl").GetAttribute("data-failing"));
        Assert.Equal("false", Row(page, "busy_etl").GetAttribute("data-failing"));
    }

    [Fact]
    public async Task The_figures_of_each_dag_are_in_its_row()
    {
        var page = await GetAsync("/");

        Assert.Equal("1", Row(page, "broken_etl").QuerySelector("[data-testid='failed-24h']")!.TextContent);
        Assert.Equal("1", Row(page, "busy_etl").QuerySelector("[data-testid='running-count']")!.TextContent);
        Assert.Equal("manual only", Row(page, "idle_report").QuerySelector("[data-testid='next-run']")!.TextContent);
        Assert.NotNull(Row(page, "busy_etl").QuerySelector("[data-testid='next-run'][data-logical-date]"));
        var failed = page.QuerySelector("[data-testid='attention-failed-runs'] li[data-dag-id='broken_etl'][data-run-id='manual_failed']");
        Assert.NotNull(failed);
    }

    [Theory]
    [InlineData("/?sort=running", new[] { "busy_etl", "broken_etl", "idle_report" })]
    [InlineData("/?sort=name&dir=desc", new[] { "idle_report", "busy_etl", "broken_etl" })]
    [InlineData("/?tag=etl&sort=failed", new[] { "broken_etl", "busy_etl" })]
    [InlineData("/?state=paused", new[] { "idle_report" })]
    [InlineData("/?state=failed&q=etl", new[] { "broken_etl" })]
    [InlineData("/?state=no_such_state&sort=no_such_sort", new[] { "broken_etl", "busy_etl", "idle_report" })]
    public async Task The_url_alone_reproduces_a_sorted_and_filtered_view(string url, string[] expected)
    {
        var page = await GetAsync(url);

        Assert.Equal(expected, page.QuerySelectorAll("tr[data-dag-id]").Select(r => r.GetAttribute("data-dag-id")));
    }

    [Fact]
    public async Task Sort_headers_link_to_the_other_direction_and_tag_badges_to_the_tag_filter()
    {
        var page = await GetAsync("/?sort=failed");

        Assert.Equal("descending", page.QuerySelector("a[data-sort='failed']")!.GetAttribute("data-sorted"));
        Assert.Null(page.QuerySelector("a[data-sort='name']")!.GetAttribute("data-sorted"));
        Assert.EndsWith("/?sort=failed&dir=asc", page.QuerySelector("a[data-sort='failed']")!.GetAttribute("href"));
        Assert.EndsWith("/?sort=next_run", page.QuerySelector("a[data-sort='next_run']")!.GetAttribute("href"));
        Assert.EndsWith("/?sort=failed&tag=reports", Row(page, "idle_report").QuerySelector("a[data-tag='reports']")!.GetAttribute("href"));
    }

    [Fact]
    public async Task The_runs_list_shows_its_first_page_and_the_total()
    {
        var page = await GetAsync("/dags/idle_report/runs");

        Assert.Equal(25, page.QuerySelectorAll("tr[data-run-id]").Length);
        Assert.Equal("manual_29", page.QuerySelector("tr[data-run-id]")!.GetAttribute("data-run-id"));
        Assert.Equal("1–25 of 30 runs", page.QuerySelector("[data-testid='pager-summary']")!.TextContent.Trim());
        Assert.Equal("page", page.QuerySelector("[data-testid='tab-runs']")!.GetAttribute("aria-current"));
        Assert.Equal("Runs · idle_report · Dashboard", page.Title);
    }

    [Fact]
    public async Task The_runs_list_of_an_unknown_dag_says_so_kindly()
    {
        using var client = await app.Host.CreateSignedInClientAsync();
        using var response = await client.GetAsync("/dags/no_such_dag/runs");
        var page = new HtmlParser().ParseDocument(await response.Content.ReadAsStringAsync());

        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("There is no DAG “no_such_dag”", page.QuerySelector(".empty-state")!.TextContent);
    }

    private async Task<IDocument> GetAsync(string url)
    {
        using var client = await app.Host.CreateSignedInClientAsync();
        return new HtmlParser().ParseDocument(await client.GetStringAsync(url));
    }

    private static IElement Row(IDocument page, string dagId) => page.QuerySelector($"tr[data-dag-id='{dagId}']")!;
}
