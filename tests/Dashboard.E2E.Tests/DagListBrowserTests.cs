using Dashboard.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Dashboard.E2E.Tests;

public sealed class DagListBrowserTests(BrowserFixture browser) : IClassFixture<BrowserFixture>, IAsyncLifetime
{
    private readonly PostgresDatabaseFixture _database = new();
    private DashboardAppHost _app = null!;

    public async Task InitializeAsync()
    {
        await _database.InitializeAsync();
        await using (var db = _database.CreateContext())
        {
            await TestData.AddDagAsync(db, "taxi_pipeline", paused: true, schedule: "@monthly", tags: ["taxi", "warehouse"],
                description: "Monthly taxi trips into the warehouse");
            await TestData.AddDagAsync(db, "hello_world", paused: false, schedule: "0 6 * * *", tags: ["example"]);
            await TestData.AddDagAsync(db, "ad_hoc_export", paused: true, schedule: null);
        }

        _app = await DashboardAppHost.StartAsync(_database.ConnectionString);
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task The_dag_list_shows_every_dag_and_filters_by_tag_with_the_filter_in_the_url()
    {
        var page = await browser.NewPageAsync(_app);
        await page.GotoAsync(_app.BaseAddress.ToString());

        await Expect(page.Locator("tr[data-dag-id]")).ToHaveCountAsync(3);
        await Expect(page).ToHaveTitleAsync("DAGs · Dashboard");

        // Typing needs the live circuit: the filter is applied on the server and lands in the URL.
        await page.WaitForCircuitAsync();
        var filter = page.GetByLabel("Filter DAGs by name or tag");
        await filter.FillAsync("warehouse");
        await filter.PressAsync("Enter");

        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex(@"\?q=warehouse$"));
        await Expect(page.Locator("tr[data-dag-id]")).ToHaveCountAsync(1);
        await Expect(page.Locator("tr[data-dag-id='taxi_pipeline']")).ToBeVisibleAsync();

        // The link reproduces the view.
        var linked = await browser.NewPageAsync(_app);
        await linked.GotoAsync(page.Url);
        await Expect(linked.Locator("tr[data-dag-id]")).ToHaveCountAsync(1);
    }

    [Fact]
    public async Task Clicking_the_switch_unpauses_the_dag_and_records_it()
    {
        var page = await browser.NewPageAsync(_app);
        await page.GotoAsync(_app.BaseAddress.ToString());
        var row = page.Locator("tr[data-dag-id='ad_hoc_export']");
        await Expect(row).ToHaveAttributeAsync("data-paused", "true");

        await page.WaitForCircuitAsync();
        await row.GetByTestId("pause-toggle").ClickAsync();

        await Expect(row).ToHaveAttributeAsync("data-paused", "false");
        await Expect(page.GetByTestId("snackbar")).ToContainTextAsync("ad_hoc_export is active.");
        await using var db = _database.CreateContext();
        Assert.False((await db.Dags.SingleAsync(d => d.DagId == "ad_hoc_export")).IsPaused);
        var audit = await db.AuditLog.SingleAsync(a => a.DagId == "ad_hoc_export");
        Assert.Equal((DashboardAppHost.AdminUserName, "dag.unpause"), (audit.Actor, audit.Action));
    }

    [Fact]
    public async Task Every_page_of_the_navigation_renders_without_errors()
    {
        var page = await browser.NewPageAsync(_app);
        var errors = new List<string>();
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                errors.Add($"{message.Text} at {message.Location}");
            }
        };
        await page.GotoAsync(_app.BaseAddress.ToString());

        await page.WaitForCircuitAsync();
        await page.GetByRole(AriaRole.Link, new() { Name = "Backfills" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Backfills", Level = 1 })).ToBeVisibleAsync();
        await Expect(page.GetByText("No backfills yet")).ToBeVisibleAsync();

        await page.GetByRole(AriaRole.Link, new() { Name = "Audit log" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Audit log", Level = 1 })).ToBeVisibleAsync();

        await page.GetByRole(AriaRole.Link, new() { Name = "Connections" }).ClickAsync();
        await Expect(page.GetByText("No connections yet")).ToBeVisibleAsync();
        await page.GetByRole(AriaRole.Link, new() { Name = "Variables" }).ClickAsync();
        await Expect(page.GetByText("No variables yet")).ToBeVisibleAsync();

        Assert.Equal([], errors);

        var missing = await page.GotoAsync(new Uri(_app.BaseAddress, "/no/such/page").ToString());
        Assert.Equal(404, missing?.Status);
        await Expect(page.GetByText("There is nothing at this address")).ToBeVisibleAsync();
    }

}
