using Dashboard.Core.Domain;
using Dashboard.Core.Domain.Timetables;
using Dashboard.Core.Persistence;
using Dashboard.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Dashboard.E2E.Tests;

/// <summary>
/// Recursive clear with the shipped examples: daily_revenue_report waits on taxi_pipeline's dbt_test
/// for the same month and triggers notify. Clearing taxi_pipeline's month with Recursive previews
/// the report's and notify's task instances; once confirmed, taxi re-runs, the report's sensor waits
/// for it again, and both go green in that order, live on the grid.
/// </summary>
public sealed class RecursiveClearBrowserTests(BrowserFixture browser) : IClassFixture<BrowserFixture>, IAsyncLifetime
{
    private static readonly DataInterval January = new(new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2024, 2, 1, 0, 0, 0, TimeSpan.Zero));

    private EngineHarness _engine = null!;
    private TestWarehouse _warehouse = null!;
    private DashboardAppHost _app = null!;

    public async Task InitializeAsync()
    {
        _engine = await EngineHarness.CreateAsync();
        _warehouse = await _engine.AddWarehouseAsync();
        _engine.CopyExampleDags("taxi_pipeline", "daily_revenue_report", "notify");
        await _engine.ProcessDagFilesAsync();
        await using (var db = _engine.CreateContext())
        {
            // The schedules end with January 2024, so unpausing makes no run of this month: only the test's runs exist.
            await db.ExecuteAsync("UPDATE dag SET end_date = '2024-01-31Z'", CancellationToken.None);
        }

        foreach (var dagId in new[] { "taxi_pipeline", "daily_revenue_report", "notify" })
        {
            await _engine.UnpauseAsync(dagId);
        }

        _app = await DashboardAppHost.StartAsync(_engine.ConnectionString);
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        await _engine.DisposeAsync();
        _warehouse.Release();
    }

    [Fact]
    public async Task Clearing_taxi_pipelines_month_with_recursive_re_runs_the_report_that_waits_on_it_in_order()
    {
        var taxi = await RunAsync("taxi_pipeline");
        var report = await RunAsync("daily_revenue_report");
        var notify = Assert.Single(await _engine.RunsAsync("notify")).RunId;
        var before = await _engine.TaskInstanceAsync("daily_revenue_report", report, "build_revenue_report");

        var page = await browser.NewPageAsync(_app);
        await page.SetViewportSizeAsync(1440, 900);
        await page.GotoAsync(new Uri(_app.BaseAddress, "/dags/taxi_pipeline/grid").ToString());
        await Expect(page.Locator("[data-testid='grid'][data-ready='true']")).ToBeVisibleAsync();
        await page.WaitForCircuitAsync();

        await Cell(page, "dbt_run", taxi).ClickAsync();
        await page.GetByTestId("ti-clear").ClickAsync();
        var dialog = page.GetByRole(AriaRole.Dialog);
        await Expect(dialog.GetByTestId("option-downstream")).ToHaveAttributeAsync("aria-pressed", "true");
        await Expect(dialog.GetByTestId("affected-daily_revenue_report")).ToHaveCountAsync(0);

        await dialog.GetByTestId("option-recursive").ClickAsync();
        var linked = dialog.GetByTestId("affected-daily_revenue_report");
        await Expect(linked.Locator("tr[data-task-id]")).ToHaveCountAsync(3);
        Assert.Equal(["wait_for_taxi_models", "build_revenue_report", "trigger_notify"],
            await linked.Locator("tr[data-task-id]").EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.taskId)"));
        await Expect(linked).ToContainTextAsync("waits on taxi_pipeline.dbt_test");
        await Expect(dialog.GetByTestId("affected-notify").Locator($"tr[data-run-id='{notify}'][data-task-id='send_message']")).ToHaveCountAsync(1);
        await Expect(dialog.GetByTestId("affected").Locator("tr[data-task-id]")).ToHaveCountAsync(2);
        await Screenshots.SaveAsync(page, Path.Combine("recursive-clear", "1440-light-preview.png"));

        await dialog.GetByTestId("action-confirm").ClickAsync();
        await Expect(dialog).ToBeHiddenAsync();
        await Expect(page.GetByText("6 task instances cleared in 3 DAGs")).ToBeVisibleAsync();
        await Expect(Cell(page, "dbt_test", taxi)).ToHaveAttributeAsync("data-state", "none");

        await RunUntilAllGreenAsync();

        await Expect(Cell(page, "dbt_run", taxi)).ToHaveAttributeAsync("data-state", "success");
        await Expect(Cell(page, "dbt_test", taxi)).ToHaveAttributeAsync("data-state", "success");
        await page.GotoAsync(new Uri(_app.BaseAddress, "/dags/daily_revenue_report/grid").ToString());
        foreach (var task in new[] { "wait_for_taxi_models", "build_revenue_report", "trigger_notify" })
        {
            await Expect(Cell(page, task, report)).ToHaveAttributeAsync("data-state", "success");
        }

        // In order: the report was built again only after taxi's models had been tested again.
        var dbtTest = await _engine.TaskInstanceAsync("taxi_pipeline", taxi, "dbt_test");
        var rebuilt = await _engine.TaskInstanceAsync("daily_revenue_report", report, "build_revenue_report");
        Assert.Equal((2, 2), (dbtTest.TryNumber, rebuilt.TryNumber));
        Assert.True(rebuilt.StartDate >= dbtTest.EndDate, $"the report started at {rebuilt.StartDate:O}, before dbt_test ended at {dbtTest.EndDate:O}");
        Assert.True(rebuilt.StartDate > before.EndDate);
        await using var db = _engine.CreateContext();
        Assert.Equal(["taxi_pipeline", "daily_revenue_report", "notify"],
            await db.AuditLog.Where(a => a.Action == "task_instance.clear").OrderBy(a => a.Id).Select(a => a.DagId!).ToListAsync());
    }

    /// <summary>A run of January 2024, run to green (taxi's first, then the report's, whose sensor then finds dbt_test done).</summary>
    private async Task<string> RunAsync(string dagId)
    {
        var runId = (await _engine.CreateRunsAsync(dagId, EngineHarness.RunFor(DagRunType.Manual, January))).Keys.Single();
        await RunUntilAllGreenAsync();
        return runId;
    }

    /// <summary>
    /// Drives the engine until every run is green. A sensor that checked too early waits
    /// up_for_reschedule for its next check: the test clock moves to it once taxi's run is done.
    /// </summary>
    private Task RunUntilAllGreenAsync() => _engine.RunUntilAsync(async () =>
    {
        await using var db = _engine.CreateContext();
        var runs = await db.DagRuns.AsNoTracking().Select(r => r.State).ToListAsync();
        var waiting = await db.TaskInstances.AsNoTracking().AnyAsync(t => t.State == TaskInstanceState.UpForReschedule);
        var taxiDone = await db.DagRuns.AsNoTracking().Where(r => r.DagId == "taxi_pipeline").AllAsync(r => r.State == DagRunState.Success);
        if (waiting && taxiDone)
        {
            _engine.Clock.Advance(TimeSpan.FromSeconds(11));
        }

        return runs.All(s => s == DagRunState.Success);
    }, TimeSpan.FromMinutes(3));

    private static ILocator Cell(IPage page, string taskId, string runId) =>
        page.Locator($"[data-cell][data-task-id='{taskId}'][data-run-id='{runId}']");
}
