using Dashboard.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Dashboard.E2E.Tests;

/// <summary>
/// The first minutes of a newcomer: the shipped example DAGs load from the repository's dags/
/// folder, unpausing taxi_pipeline makes its latest interval run for real (scheduler, executor,
/// bash scripts) and go green, and its logs read in the UI. Also a manual trigger with conf.
/// </summary>
public sealed class NewcomerBrowserTests(BrowserFixture browser) : IClassFixture<BrowserFixture>, IAsyncLifetime
{
    private readonly PostgresDatabaseFixture _database = new();
    private TestWarehouse _warehouse = null!;
    private DashboardAppHost _app = null!;

    public async Task InitializeAsync()
    {
        await _database.InitializeAsync();
        _warehouse = await TestWarehouse.CreateAsync();
        _app = await DashboardAppHost.StartAsync(_database.ConnectionString, new Dictionary<string, string?>
        {
            // An external database, as here, names its warehouse in this setting; the app makes the connection from it.
            ["ConnectionStrings:Warehouse"] = _warehouse.ConnectionString,
            ["Scheduler:Enabled"] = "true",
            ["Executor:Enabled"] = "true",
            ["Dags:Folder"] = Path.Combine(RepositoryLayout.Root, "dags"),
            ["Executor:DataDirectory"] = TestPostgres.ScratchDirectory("newcomer-data"),
        });
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        _warehouse.Release();
    }

    [Fact]
    public async Task Unpausing_taxi_pipeline_runs_its_latest_month_to_green_and_its_logs_are_readable()
    {
        var page = await browser.NewPageAsync(_app);
        await page.GotoAsync(_app.BaseAddress.ToString());
        var taxi = page.Locator("tr[data-dag-id='taxi_pipeline']");
        await Expect(taxi).ToHaveAttributeAsync("data-paused", "true");
        await Expect(page.Locator("tr[data-dag-id]")).ToHaveCountAsync(Directory.GetFiles(Path.Combine(RepositoryLayout.Root, "dags"), "*.yaml").Length);

        await page.WaitForCircuitAsync();
        await taxi.GetByTestId("pause-toggle").ClickAsync();
        await Expect(taxi).ToHaveAttributeAsync("data-paused", "false");

        // The list is live: the run's square turns green without a reload.
        var green = taxi.Locator("[data-testid='recent-runs'] a[data-state='success']");
        await Expect(green).ToHaveCountAsync(1, new() { Timeout = 60_000 });
        var runId = await green.GetAttributeAsync("data-run-id");
        await green.ClickAsync();

        // The square leads to the run on the grid, with the run's panel open.
        await Expect(page.GetByTestId("run-panel").GetByTestId("run-state")).ToHaveAttributeAsync("data-state", "success");
        var cells = page.Locator($"[data-cell][data-task-id][data-run-id='{runId}']");
        await Expect(cells).ToHaveCountAsync(3);
        await Expect(page.Locator($"[data-cell][data-task-id][data-run-id='{runId}'][data-state='success']")).ToHaveCountAsync(3);

        await Expect(page.Locator("[data-testid='grid'][data-ready='true']")).ToBeVisibleAsync();
        await page.Locator($"[data-cell][data-task-id='dbt_test'][data-run-id='{runId}']").ClickAsync();
        var log = page.GetByTestId("ti-panel").GetByTestId("log");
        await Expect(log).ToContainTextAsync("Command: scripts/taxi/dbt_test.sh");
        await Expect(log).ToContainTextAsync("all checks passed");
        await Expect(log).ToContainTextAsync("Exited with code 0");
    }

    [Fact]
    public async Task A_manual_trigger_refuses_a_raw_conf_of_the_wrong_type_in_the_dialog_then_runs_with_the_corrected_one()
    {
        await using (var db = _database.CreateContext())
        {
            // Wait for the DAG processor's first pass, then let the manual-only DAG run.
            await Eventually.HoldsAsync(() => db.Dags.AnyAsync(d => d.DagId == "export_table"), "export_table is loaded");

            await db.Dags.Where(d => d.DagId == "export_table").ExecuteUpdateAsync(s => s.SetProperty(d => d.IsPaused, false));
        }

        var page = await browser.NewPageAsync(_app);
        await page.GotoAsync(new Uri(_app.BaseAddress, "dags/export_table").ToString());
        await page.WaitForCircuitAsync();
        await page.GetByTestId("trigger").ClickAsync();

        // The form shows the params as fields; the raw JSON takes anything, and the trigger judges it.
        await Expect(page.GetByTestId("param-table").Locator("input")).ToHaveValueAsync("orders");
        await page.GetByTestId("trigger-raw").ClickAsync();
        var conf = page.GetByLabel("Conf");
        await conf.FillAsync("""{"table": "orders", "rows": "many"}""");
        await page.GetByTestId("trigger-confirm").ClickAsync();
        await Expect(page.GetByTestId("trigger-error")).ToContainTextAsync("param 'rows': must be a number, got a string");
        await using (var db = _database.CreateContext())
        {
            Assert.False(await db.DagRuns.AnyAsync(r => r.DagId == "export_table"));
        }

        await conf.FillAsync("""{"table": "orders", "rows": 3}""");
        await page.GetByTestId("trigger-confirm").ClickAsync();
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex(@"\?run=manual__"));

        await using (var db = _database.CreateContext())
        {
            var run = await db.DagRuns.SingleAsync(r => r.DagId == "export_table");
            Assert.Equal("""{"rows":3,"table":"orders"}""", NormalizeJson(run.Conf));
            var audit = await db.AuditLog.SingleAsync(a => a.Action == "dag_run.trigger");
            Assert.Equal([run.RunId], audit.RunIds);
        }
    }

    [Fact]
    public async Task Triggering_the_paused_taxi_pipeline_from_its_form_with_the_defaults_runs_the_latest_month_green()
    {
        await using (var db = _database.CreateContext())
        {
            await Eventually.HoldsAsync(() => db.Dags.AnyAsync(d => d.DagId == "taxi_pipeline"), "taxi_pipeline is loaded");
        }

        var page = await browser.NewPageAsync(_app);
        await page.GotoAsync(new Uri(_app.BaseAddress, "dags/taxi_pipeline").ToString());
        await page.WaitForCircuitAsync();
        await page.GetByTestId("trigger").ClickAsync();

        // Nothing is touched: the date is the latest complete month, the params their defaults, and the DAG is unpaused with the trigger.
        var date = page.GetByTestId("trigger-date").Locator("input");
        await Expect(date).ToHaveValueAsync(new System.Text.RegularExpressions.Regex(@"^\d{4}-\d{2}-01$"));
        var latestMonth = await date.InputValueAsync();
        await Expect(page.GetByTestId("trigger-unpause-dag")).ToBeCheckedAsync();
        await page.GetByTestId("trigger-confirm").ClickAsync();

        var runId = $"manual__{latestMonth}T00:00:00+00:00";
        await Expect(page.Locator($"[data-cell][data-task-id][data-run-id='{runId}'][data-state='success']")).ToHaveCountAsync(3, new() { Timeout = 120_000 });
        await using (var db = _database.CreateContext())
        {
            Assert.False(await db.Dags.Where(d => d.DagId == "taxi_pipeline").Select(d => d.IsPaused).SingleAsync());
            Assert.Equal(Dashboard.Core.Domain.DagRunState.Success, await db.DagRuns.Where(r => r.RunId == runId).Select(r => r.State).SingleAsync());
        }

        // Through the connection the app made from ConnectionStrings:Warehouse.
        Assert.Contains(await _warehouse.TripsPerMonthAsync(), m => m.Month == latestMonth[..7] && m.Trips > 0);
    }

    private static string NormalizeJson(string json) =>
        System.Text.Json.JsonSerializer.Serialize(
            System.Text.Json.JsonSerializer.Deserialize<SortedDictionary<string, System.Text.Json.JsonElement>>(json));

}
