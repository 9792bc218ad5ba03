using System.Text.RegularExpressions;
using Dashboard.Core.Domain;
using Dashboard.Core.Notifications;
using Dashboard.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Dashboard.E2E.Tests;

/// <summary>
/// What on-call staff do with the DAG list and a DAG's runs: see what needs attention and go to it,
/// sort and filter with the view in the URL, page through a long run history.
/// </summary>
public sealed class OnCallBrowserTests(BrowserFixture browser) : IClassFixture<BrowserFixture>, IAsyncLifetime
{
    // The app's "now" stands still at this moment, so what it says about the times below does not
    // depend on how long the machine takes to get there.
    private static readonly DateTimeOffset Now = DateTimeOffset.UtcNow;

    private readonly PostgresDatabaseFixture _database = new();
    private DashboardAppHost _app = null!;

    public async Task InitializeAsync()
    {
        await _database.InitializeAsync();
        await using (var db = _database.CreateContext())
        {
            await TestData.AddDagAsync(db, "orders_etl", paused: false, tags: ["etl", "orders"]);
            await TestData.AddRunAsync(db, "orders_etl", "manual__ok", DagRunState.Success, runAfter: Now.AddHours(-3), endDate: Now.AddHours(-3));
            await TestData.AddRunAsync(db, "orders_etl", "manual__broken", DagRunState.Failed, runAfter: Now.AddHours(-2), endDate: Now.AddHours(-1));

            await TestData.AddDagAsync(db, "stock_etl", paused: false, tags: ["etl"]);
            await TestData.AddRunAsync(db, "stock_etl", "manual__first", DagRunState.Running, runAfter: Now.AddMinutes(-10), startDate: Now.AddMinutes(-10));
            await TestData.AddRunAsync(db, "stock_etl", "manual__second", DagRunState.Running, runAfter: Now.AddMinutes(-5), startDate: Now.AddMinutes(-5));

            await TestData.AddDagAsync(db, "history", paused: true, tags: ["reports"]);
            for (var day = 0; day < 60; day++)
            {
                await TestData.AddRunAsync(db, "history", $"run_{day:00}", DagRunState.Success, day % 4 == 0 ? DagRunType.Manual : DagRunType.Scheduled,
                    logicalDate: new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero).AddDays(day));
            }
        }

        _app = await DashboardAppHost.StartAsync(_database.ConnectionString, configure: builder => builder.Services.AddSingleton<TimeProvider>(new FixedClock(Now)));
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task Needs_attention_lists_the_failed_run_and_takes_you_to_it()
    {
        var page = await browser.NewPageAsync(_app);
        await page.GotoAsync(_app.BaseAddress.ToString());

        await Expect(page).ToHaveTitleAsync("(1 failing) DAGs · Dashboard");
        var failed = page.GetByTestId("attention-failed-runs").Locator("li[data-dag-id='orders_etl'][data-run-id='manual__broken']");
        // Ended an hour before the app's now.
        await Expect(failed).ToContainTextAsync(new Regex(@"\b1 h ago"));

        await page.WaitForCircuitAsync();
        await failed.GetByRole(AriaRole.Link).ClickAsync();

        await Expect(page).ToHaveURLAsync(new Regex(@"/dags/orders_etl/grid\?run=manual__broken$"));
        await Expect(page.Locator("[data-run-header].selected[data-run-id='manual__broken']")).ToHaveAttributeAsync("data-state", "failed");
        await Expect(page.GetByTestId("run-panel").GetByTestId("run-state")).ToHaveAttributeAsync("data-state", "failed");
    }

    [Fact]
    public async Task A_run_that_fails_while_the_list_is_open_appears_without_a_reload()
    {
        var page = await browser.NewPageAsync(_app);
        await page.GotoAsync(_app.BaseAddress.ToString());
        await page.WaitForCircuitAsync();
        await Expect(page.GetByTestId("attention-failed-runs").Locator("li")).ToHaveCountAsync(1);

        await using (var db = _database.CreateContext())
        {
            await TestData.AddRunAsync(db, "stock_etl", "manual__third", DagRunState.Failed, runAfter: Now, endDate: Now);
        }

        // What the PostgreSQL listener does for every committed change.
        _app.Services.GetRequiredService<ChangeNotifier>().Publish("stock_etl", 0);

        await Expect(page.GetByTestId("attention-failed-runs").Locator("li[data-run-id='manual__third']")).ToBeVisibleAsync();
        await Expect(page).ToHaveTitleAsync("(2 failing) DAGs · Dashboard");
        await Expect(page.Locator("tr[data-dag-id='stock_etl'] [data-testid='failed-24h']")).ToHaveTextAsync("1");
    }

    [Fact]
    public async Task Sorting_and_filtering_go_into_the_url_and_the_url_reproduces_the_view()
    {
        var page = await browser.NewPageAsync(_app);
        await page.GotoAsync(_app.BaseAddress.ToString());
        await page.WaitForCircuitAsync();
        var rows = page.Locator("tr[data-dag-id]");
        await Expect(rows).ToHaveCountAsync(3);

        await page.Locator("a[data-sort='running']").ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex(@"\?sort=running$"));
        await Expect(rows.First).ToHaveAttributeAsync("data-dag-id", "stock_etl");

        await page.Locator("tr[data-dag-id='orders_etl'] a[data-tag='etl']").ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex(@"\?sort=running&tag=etl$"));
        await Expect(rows).ToHaveCountAsync(2);

        await page.Locator("a[data-sort='running']").ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex(@"dir=asc"));
        await Expect(rows.First).ToHaveAttributeAsync("data-dag-id", "orders_etl");

        await page.GetByTestId("status-filter").GetByRole(AriaRole.Radio, new() { Name = "Failed" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex(@"state=failed"));
        await Expect(rows).ToHaveCountAsync(1);
        await Expect(rows.First).ToHaveAttributeAsync("data-dag-id", "orders_etl");

        var linked = await browser.NewPageAsync(_app);
        await linked.GotoAsync(page.Url.Replace("state=failed", "state=all"));
        // Waited for, not read once: the live list redraws the prerendered one as it starts.
        var linkedRows = linked.Locator("tr[data-dag-id]");
        await Expect(linkedRows).ToHaveCountAsync(2);
        await Expect(linkedRows.Nth(0)).ToHaveAttributeAsync("data-dag-id", "orders_etl");
        await Expect(linkedRows.Nth(1)).ToHaveAttributeAsync("data-dag-id", "stock_etl");
        await Expect(linked.GetByTestId("tag-filter")).ToContainTextAsync("tag: etl");
    }

    [Fact]
    public async Task The_runs_list_pages_through_the_history_on_the_server_and_filters_by_run_type()
    {
        var page = await browser.NewPageAsync(_app);
        await page.GotoAsync(new Uri(_app.BaseAddress, "dags/history/runs").ToString());
        var rows = page.Locator("tr[data-run-id]");
        await Expect(rows).ToHaveCountAsync(25);
        await Expect(rows.First).ToHaveAttributeAsync("data-run-id", "run_59");
        await Expect(page.GetByTestId("pager-summary")).ToHaveTextAsync("1–25 of 60 runs");

        await page.WaitForCircuitAsync();
        await page.GetByTestId("pager-next").ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex(@"/dags/history/runs\?page=2$"));
        await Expect(page.GetByTestId("pager-summary")).ToHaveTextAsync("26–50 of 60 runs");
        await Expect(rows.First).ToHaveAttributeAsync("data-run-id", "run_34");
        await Expect(rows).ToHaveCountAsync(25);

        await MudControls.SelectAsync(page.GetByTestId("run-type-filter"), "manual");
        await Expect(page).ToHaveURLAsync(new Regex(@"/dags/history/runs\?type=manual$"));
        await Expect(page.GetByTestId("pager-summary")).ToHaveTextAsync("1–15 of 15 runs");
        await Expect(rows).ToHaveCountAsync(15);
        await Expect(rows.First).ToHaveAttributeAsync("data-run-id", "run_56");
        Assert.All(await rows.EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.runType)"), type => Assert.Equal("manual", type));
        await Expect(page.Locator("tr[data-run-id='run_56'] .run-type")).ToHaveAttributeAsync("data-run-type", "manual");
    }

}
