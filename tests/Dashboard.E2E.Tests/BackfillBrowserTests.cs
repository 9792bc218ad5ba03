using Dashboard.Core.Domain;
using Dashboard.Core.Operations.Backfill;
using Dashboard.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Dashboard.E2E.Tests;

/// <summary>
/// The lead's story with the real example DAG: backfill three months of taxi_pipeline one run at a
/// time from the form, watch the runs go green in the grid, then backfill the same months again
/// ("All runs") and find the same rows: the example is idempotent, as the seed asks.
/// </summary>
public sealed class BackfillBrowserTests(BrowserFixture browser) : IClassFixture<BrowserFixture>, IAsyncLifetime
{
    private EngineHarness _engine = null!;
    private TestWarehouse _warehouse = null!;
    private DashboardAppHost _app = null!;

    public async Task InitializeAsync()
    {
        _engine = await EngineHarness.CreateAsync();
        _warehouse = await _engine.AddWarehouseAsync();
        _engine.CopyExampleDags("taxi_pipeline");
        await _engine.ProcessDagFilesAsync();
        _app = await DashboardAppHost.StartAsync(_engine.ConnectionString);
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        await _engine.DisposeAsync();
        _warehouse.Release();
    }

    [Fact]
    public async Task A_lead_backfills_three_months_one_at_a_time_and_a_second_backfill_changes_no_row()
    {
        var page = await browser.NewPageAsync(_app);
        await page.SetViewportSizeAsync(1440, 900);
        await page.GotoAsync(new Uri(_app.BaseAddress, "/dags/taxi_pipeline/grid").ToString());
        await page.WaitForCircuitAsync();

        var dialog = await OpenFormAsync(page);
        await Expect(dialog.GetByTestId("backfill-max-active")).ToHaveValueAsync("1");
        await Expect(dialog.GetByTestId("backfill-unpause-dag")).ToBeCheckedAsync(); // the example DAG is paused until someone unpauses it
        await MudControls.FillDateAsync(dialog.GetByTestId("backfill-from"), "2024-01-01");
        await MudControls.FillDateAsync(dialog.GetByTestId("backfill-to"), "2024-03-31");
        await Expect(dialog.GetByTestId("backfill-summary")).ToHaveTextAsync("3 runs will be created, 0 re-run, 0 skipped");
        Assert.Equal(["2024-01-01", "2024-02-01", "2024-03-01"],
            await dialog.Locator("[data-logical-date]").EvaluateAllAsync<string[]>("items => items.map(i => i.dataset.logicalDate)"));
        await Screenshots.SaveAsync(page, "backfill-form.png");

        await dialog.GetByTestId("backfill-submit").ClickAsync();
        await Expect(dialog).ToBeHiddenAsync();

        // The grid shows the three queued runs at once, each with the backfill badge, and the banner the backfill.
        var headers = page.Locator("[data-run-header][data-run-type='backfill']");
        await Expect(headers).ToHaveCountAsync(3);
        await Expect(page.GetByTestId("backfill-banner")).ToContainTextAsync("2024-01-01 → 2024-03-31");

        await RunBackfillAsync();
        await Expect(page.Locator("[data-run-header][data-run-type='backfill'][data-state='success']")).ToHaveCountAsync(3);
        await Expect(page.GetByTestId("backfill-banner")).ToHaveCountAsync(0);
        // The document's check: the trips per month in the warehouse (and the month the schedule ran on unpausing).
        var firstRows = await _warehouse.TripsPerMonthAsync();
        Assert.All(new[] { "2024-01", "2024-02", "2024-03" }, month => Assert.Contains(firstRows, m => m.Month == month && m.Trips > 0));

        // Again, "All runs": nothing to create, the three months re-run, and not one row changes.
        dialog = await OpenFormAsync(page);
        await MudControls.FillDateAsync(dialog.GetByTestId("backfill-from"), "2024-01-01");
        await MudControls.FillDateAsync(dialog.GetByTestId("backfill-to"), "2024-03-31");
        await Expect(dialog.GetByTestId("backfill-blocker")).ToContainTextAsync("Nothing to do: all 3 runs in the range exist already");
        await Expect(dialog.GetByTestId("backfill-submit")).ToBeDisabledAsync();
        await dialog.GetByTestId("reprocess-completed").CheckAsync();
        await Expect(dialog.GetByTestId("backfill-summary")).ToHaveTextAsync("0 runs will be created, 3 re-run, 0 skipped");
        await dialog.GetByTestId("backfill-submit").ClickAsync();
        await Expect(dialog).ToBeHiddenAsync();

        await RunBackfillAsync();
        await Expect(page.Locator("[data-run-header][data-run-type='backfill'][data-state='success']")).ToHaveCountAsync(3);
        Assert.Equal(firstRows, await _warehouse.TripsPerMonthAsync());

        await page.GotoAsync(new Uri(_app.BaseAddress, "/dags/taxi_pipeline/backfills").ToString());
        await Expect(page.Locator("[data-backfill-id][data-status='complete']")).ToHaveCountAsync(2);
        await Expect(page.Locator("[data-backfill-id] [data-testid='backfill-progress'][data-succeeded='3']")).ToHaveCountAsync(2);
        await Screenshots.SaveAsync(page, "backfills.png");
    }

    [Fact]
    public async Task A_backfill_is_paused_unpaused_and_cancelled_from_the_backfills_page_which_follows_live()
    {
        var service = _app.Services.GetRequiredService<BackfillService>();
        var created = await service.CreateAsync(new BackfillRequest("taxi_pipeline",
            new DateTimeOffset(2024, 4, 1, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2024, 6, 30, 0, 0, 0, TimeSpan.Zero), Actors.Admin("lead")));
        var page = await browser.NewPageAsync(_app);
        await page.GotoAsync(new Uri(_app.BaseAddress, "/backfills").ToString());
        await page.WaitForCircuitAsync();
        var row = page.Locator($"[data-backfill-id='{created.Id}']");
        await Expect(row).ToHaveAttributeAsync("data-status", "running");
        await Expect(row.GetByTestId("backfill-progress")).ToHaveAttributeAsync("data-queued", "3");

        await row.GetByTestId("backfill-pause").ClickAsync();
        await Expect(row).ToHaveAttributeAsync("data-status", "paused");
        await row.GetByTestId("backfill-unpause").ClickAsync();
        await Expect(row).ToHaveAttributeAsync("data-status", "running");

        await row.GetByTestId("backfill-cancel").ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Cancel backfill" }).ClickAsync();
        await Expect(row.GetByTestId("backfill-progress")).ToHaveAttributeAsync("data-failed", "3");

        // Complete at once, in the cancel's own transaction, with no scheduler pass; the page follows without a reload.
        await Expect(row).ToHaveAttributeAsync("data-status", "complete");
        await Expect(row.GetByTestId("backfill-cancel")).ToHaveCountAsync(0);
    }

    private static async Task<ILocator> OpenFormAsync(IPage page)
    {
        await page.GetByTestId("backfill").ClickAsync();
        var dialog = page.GetByRole(AriaRole.Dialog);
        await Expect(dialog.GetByTestId("backfill-dialog")).ToBeVisibleAsync();
        return dialog;
    }

    /// <summary>
    /// Drives the engine until every run is finished (unpausing the DAG also let its schedule create
    /// its latest run), checking at every step that the backfill's runs never overlap (max active runs 1).
    /// </summary>
    private async Task RunBackfillAsync()
    {
        await _engine.RunUntilAsync(async () =>
        {
            var runs = await _engine.RunsAsync("taxi_pipeline");
            Assert.True(runs.Count(r => r.RunType == DagRunType.Backfill && r.State == DagRunState.Running) <= 1, "two backfill runs ran at once");
            await _engine.Scheduler.RunOnceAsync(CancellationToken.None); // marks the backfill complete once its runs are done
            return runs.All(r => r.State.IsFinished());
        }, TimeSpan.FromMinutes(2));
    }
}
