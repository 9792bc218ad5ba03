using System.Text.RegularExpressions;
using Dashboard.Core.Domain;
using Dashboard.Core.Domain.Timetables;
using Dashboard.Core.Persistence;
using Dashboard.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Dashboard.E2E.Tests;

/// <summary>
/// The analyst's and the on-call's stories in a real browser: a failed cell cleared with its
/// downstream, a failed run cleared and retried, a rectangle of cells marked at once. A test-driven
/// engine on the same database re-runs what was cleared; the grid follows without a reload.
/// </summary>
public sealed class ClearBrowserTests(BrowserFixture browser) : IClassFixture<BrowserFixture>, IAsyncLifetime
{
    // "check" fails until the data it checks is fixed, which the test does by writing the marker file.
    private const string Dag = """
        dag_id: orders
        schedule: null
        tasks:
          - {id: extract, command: 'echo extracted'}
          - {id: audit, command: 'echo audited'}
          - {id: check, upstream: extract, command: 'test -f "$DASHBOARD_DATA_DIR/fixed" || { echo "bad rows"; exit 1; }'}
          - {id: publish, upstream: check, command: 'echo published'}
          - {id: report, upstream: publish, command: 'echo reported'}
        """;

    private EngineHarness _engine = null!;
    private DashboardAppHost _app = null!;

    public async Task InitializeAsync()
    {
        _engine = await EngineHarness.CreateAsync();
        await _engine.AddDagAsync(Dag);
        _app = await DashboardAppHost.StartAsync(_engine.ConnectionString);
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        await _engine.DisposeAsync();
    }

    [Fact]
    public async Task An_analyst_clears_a_failed_cell_with_its_downstream_and_watches_it_turn_green()
    {
        var run = await RunDayAsync(2);
        var page = await OpenGridAsync();
        await Expect(Cell(page, "check", run)).ToHaveAttributeAsync("data-state", "failed");

        await Cell(page, "check", run).ClickAsync();
        await page.GetByTestId("ti-clear").ClickAsync();
        var dialog = page.GetByRole(AriaRole.Dialog);
        await Expect(dialog).ToContainTextAsync("Clear check in " + run);
        await Expect(dialog.GetByTestId("option-downstream")).ToHaveAttributeAsync("aria-pressed", "true");
        await Expect(dialog.GetByTestId("option-dont-disturb")).ToBeCheckedAsync();

        // Downstream is on by default: the failed task and everything after it, not its upstream or the unrelated task.
        await Expect(AffectedTasks(dialog)).ToHaveCountAsync(3);
        Assert.Equal(["check", "publish", "report"], await AffectedTaskIdsAsync(dialog));
        await Expect(dialog.GetByTestId("affected")).ToContainTextAsync("Task instances to clear: 3");

        // Options refresh the preview: only failed drops the upstream_failed ones... and back.
        await dialog.GetByTestId("option-upstream").ClickAsync();
        await Expect(AffectedTasks(dialog)).ToHaveCountAsync(4);
        await dialog.GetByTestId("option-upstream").ClickAsync();
        await Expect(AffectedTasks(dialog)).ToHaveCountAsync(3);

        await dialog.GetByTestId("action-note").FillAsync("bad rows fixed upstream");
        await dialog.GetByTestId("action-confirm").ClickAsync();
        await Expect(dialog).ToBeHiddenAsync();

        // At once, before the engine does anything: the cleared cells have no status and the run is queued again.
        await Expect(Cell(page, "check", run)).ToHaveAttributeAsync("data-state", "none");
        await Expect(Cell(page, "report", run)).ToHaveAttributeAsync("data-state", "none");
        await Expect(Cell(page, "extract", run)).ToHaveAttributeAsync("data-state", "success");
        await Expect(RunHeader(page, run)).ToHaveAttributeAsync("data-state", "queued");

        File.WriteAllText(Path.Combine(_engine.DataDirectory, "fixed"), "");
        await _engine.RunUntilAsync(async () => (await _engine.RunsAsync("orders")).All(r => r.State.IsFinished()));

        foreach (var task in new[] { "check", "publish", "report" })
        {
            await Expect(Cell(page, task, run)).ToHaveAttributeAsync("data-state", "success");
        }

        await Expect(RunHeader(page, run)).ToHaveAttributeAsync("data-state", "success");
        await using var db = _engine.CreateContext();
        var audit = await db.AuditLog.SingleAsync(a => a.Action == "task_instance.clear");
        Assert.Equal((3, "bad rows fixed upstream"), (audit.AffectedCount, audit.Note));
    }

    [Fact]
    public async Task On_call_clears_and_retries_only_the_failed_tasks_of_a_failed_run()
    {
        var run = await RunDayAsync(3);
        var page = await OpenGridAsync();

        await RunHeader(page, run).ClickAsync();
        await page.GetByTestId("run-clear").ClickAsync();
        var dialog = page.GetByRole(AriaRole.Dialog);
        await Expect(dialog).ToContainTextAsync($"Clear & Retry run {run}");
        await Expect(AffectedTasks(dialog)).ToHaveCountAsync(5);

        await dialog.GetByTestId("option-only-failed").ClickAsync();
        await Expect(AffectedTasks(dialog)).ToHaveCountAsync(3);
        Assert.Equal(["check", "publish", "report"], await AffectedTaskIdsAsync(dialog));

        File.WriteAllText(Path.Combine(_engine.DataDirectory, "fixed"), "");
        await dialog.GetByTestId("action-confirm").ClickAsync();
        await Expect(dialog).ToBeHiddenAsync();
        await Expect(page.GetByTestId("run-state")).ToHaveAttributeAsync("data-state", "queued");
        await Expect(page.GetByTestId("run-panel")).ToContainTextAsync("1 time");

        await _engine.RunUntilAsync(async () => (await _engine.RunsAsync("orders")).All(r => r.State.IsFinished()));
        await Expect(RunHeader(page, run)).ToHaveAttributeAsync("data-state", "success");
        await Expect(page.GetByTestId("run-state")).ToHaveAttributeAsync("data-state", "success");
    }

    [Fact]
    public async Task A_rectangle_of_cells_is_marked_failed_with_one_keystroke()
    {
        var first = await RunDayAsync(4);
        var second = await RunDayAsync(5);
        File.WriteAllText(Path.Combine(_engine.DataDirectory, "fixed"), "");
        var third = await RunDayAsync(6);
        var page = await OpenGridAsync();

        // Drag from extract on the first run to audit on the third: two tasks by three runs.
        await Cell(page, "extract", first).HoverAsync();
        await page.Mouse.DownAsync();
        await Cell(page, "audit", second).HoverAsync();
        await Cell(page, "audit", third).HoverAsync();
        await page.Mouse.UpAsync();
        await Expect(page.GetByTestId("selection-bar")).ToHaveAttributeAsync("data-count", "6");
        await Expect(page.Locator(".grid-cell.in-range")).ToHaveCountAsync(6);

        await page.Keyboard.PressAsync("Shift+F");
        var dialog = page.GetByRole(AriaRole.Dialog);
        await Expect(dialog).ToContainTextAsync("Mark 6 selected cells as…");
        await Expect(dialog.GetByTestId("option-state-failed")).ToHaveAttributeAsync("aria-pressed", "true");
        await Expect(AffectedTasks(dialog)).ToHaveCountAsync(6);
        await dialog.GetByTestId("action-confirm").ClickAsync();
        await Expect(dialog).ToBeHiddenAsync();

        foreach (var run in new[] { first, second, third })
        {
            await Expect(Cell(page, "extract", run)).ToHaveAttributeAsync("data-state", "failed");
            await Expect(Cell(page, "audit", run)).ToHaveAttributeAsync("data-state", "failed");
        }

        await Expect(page.GetByTestId("selection-bar")).ToHaveCountAsync(0);

        // Shift-click extends from the selected cell; Esc drops the selection again.
        await Cell(page, "check", third).ClickAsync();
        await Cell(page, "publish", second).ClickAsync(new() { Modifiers = [KeyboardModifier.Shift] });
        await Expect(page.GetByTestId("selection-bar")).ToHaveAttributeAsync("data-count", "4");
        await page.Keyboard.PressAsync("Escape");
        await Expect(page.GetByTestId("selection-bar")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task A_running_task_blocks_the_clear_until_the_person_agrees_to_restart_it()
    {
        var run = await RunDayAsync(7);
        await using (var db = _engine.CreateContext())
        {
            await db.ExecuteAsync("UPDATE task_instance SET state = 'running' WHERE task_id = 'publish'", CancellationToken.None);
        }

        var page = await OpenGridAsync();
        // The key comes right after the click, before the panel it opens has arrived.
        await Cell(page, "check", run).ClickAsync();
        await page.Keyboard.PressAsync("Shift+C");
        var dialog = page.GetByRole(AriaRole.Dialog);
        await Expect(dialog.GetByTestId("action-blocker")).ToContainTextAsync("publish in " + run);
        await Expect(dialog.GetByTestId("action-confirm")).ToBeDisabledAsync();

        await dialog.GetByTestId("option-dont-disturb").UncheckAsync();
        await Expect(dialog.GetByTestId("action-blocker")).ToHaveCountAsync(0);
        await Expect(dialog).ToContainTextAsync("1 running task instance will be killed and run again.");
        await Expect(dialog.GetByTestId("action-confirm")).ToBeEnabledAsync();

        // Meanwhile someone else changes the run: the confirmed preview is stale, so nothing is applied.
        await using (var db = _engine.CreateContext())
        {
            await db.ExecuteAsync("UPDATE task_instance SET state = 'success' WHERE task_id = 'publish'", CancellationToken.None);
        }

        await dialog.GetByTestId("action-confirm").ClickAsync();
        await Expect(dialog.GetByTestId("action-error")).ToContainTextAsync("publish in " + run + " is now success");
        await Expect(dialog).ToContainTextAsync("Task instances to clear: 3");
        await using (var db = _engine.CreateContext())
        {
            Assert.False(await db.AuditLog.AnyAsync(a => a.Action == "task_instance.clear"));
        }

        await Screenshots.SaveAsync(page, "clear-dialog.png");
    }

    private static DataInterval Day(int day) =>
        new(new DateTimeOffset(2026, 11, day, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 11, day + 1, 0, 0, 0, TimeSpan.Zero));

    private async Task<string> RunDayAsync(int day)
    {
        var runs = await _engine.CreateRunsAsync("orders", EngineHarness.RunFor(DagRunType.Scheduled, Day(day)));
        await _engine.RunUntilAsync(async () => (await _engine.RunsAsync("orders")).All(r => r.State.IsFinished()));
        return runs.Keys.Single();
    }

    private async Task<IPage> OpenGridAsync()
    {
        var page = await browser.NewPageAsync(_app);
        await page.SetViewportSizeAsync(1440, 900);
        await page.GotoAsync(new Uri(_app.BaseAddress, "/dags/orders/grid").ToString());
        await Expect(page.Locator("[data-testid='grid'][data-ready='true']")).ToBeVisibleAsync();

        // The theme's stylesheet is linked again as the circuit starts, and the layout may shift when it
        // arrives: a drag aimed before that could start on one cell and end on another.
        await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
        return page;
    }

    private static ILocator Cell(IPage page, string taskId, string runId) =>
        page.Locator($"[data-cell][data-task-id='{taskId}'][data-run-id='{runId}']");

    private static ILocator RunHeader(IPage page, string runId) => page.Locator($"[data-run-header][data-run-id='{runId}']");

    private static ILocator AffectedTasks(ILocator dialog) => dialog.GetByTestId("affected").Locator("tr[data-task-id]");

    private static async Task<string[]> AffectedTaskIdsAsync(ILocator dialog) =>
        await AffectedTasks(dialog).EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.taskId)");
}
