using Dashboard.Core.Domain;
using Dashboard.Core.Domain.Timetables;
using Dashboard.Testing;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Dashboard.E2E.Tests;

/// <summary>
/// The grid in a real browser against the real app, while a test-driven engine on the same database
/// runs the tasks: what the app shows must follow what the engine commits, with no reload.
/// </summary>
public sealed class GridBrowserTests(BrowserFixture browser) : IClassFixture<BrowserFixture>, IAsyncLifetime
{
    private const string Dag = """
        dag_id: grid_demo
        description: Loads, checks and publishes
        schedule: null
        tasks:
          - {id: extract_orders, group: load, command: 'echo orders'}
          - {id: extract_customers, group: load, command: 'echo customers'}
          - {id: check, upstream: [extract_orders, extract_customers], command: 'if [ "$DS" = "2026-11-02" ]; then exit 1; fi; echo fine'}
          - {id: publish, upstream: check, command: 'echo published'}
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

    private static DataInterval Day(int day) => new(new DateTimeOffset(2026, 11, day, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 11, day + 1, 0, 0, 0, TimeSpan.Zero));

    private async Task<string> RunDayAsync(int day)
    {
        var runs = await _engine.CreateRunsAsync("grid_demo", EngineHarness.RunFor(DagRunType.Scheduled, Day(day)));
        await _engine.RunUntilAsync(async () => (await _engine.RunsAsync("grid_demo")).All(r => r.State.IsFinished()));
        return runs.Keys.Single();
    }

    private Uri Grid(string query = "") => new(_app.BaseAddress, $"/dags/grid_demo/grid{query}");

    private static ILocator Cell(IPage page, string taskId, string runId) =>
        page.Locator($"[data-cell][data-task-id='{taskId}'][data-run-id='{runId}']");

    [Fact]
    public async Task A_failed_cell_is_red_and_carries_its_task_run_and_state()
    {
        var good = await RunDayAsync(1);
        var bad = await RunDayAsync(2);
        var page = await browser.NewPageAsync(_app);
        await page.GotoAsync(Grid().ToString());

        var failed = Cell(page, "check", bad);
        await Expect(failed).ToHaveAttributeAsync("data-state", "failed");
        await Expect(failed.Locator(".cell-badge")).ToHaveCSSAsync("background-color", "rgb(211, 47, 47)");
        await Expect(Cell(page, "publish", bad)).ToHaveAttributeAsync("data-state", "upstream_failed");
        await Expect(Cell(page, "check", good)).ToHaveAttributeAsync("data-state", "success");
        await Expect(page.Locator($"[data-run-header][data-run-id='{bad}']")).ToHaveAttributeAsync("data-state", "failed");

        // Oldest run on the left. Waited for, not read once: the live grid redraws the prerendered one from scratch as it starts.
        var headers = page.Locator("[data-run-header]");
        await Expect(headers).ToHaveCountAsync(2);
        await Expect(headers.Nth(0)).ToHaveAttributeAsync("data-run-id", good);
        await Expect(headers.Nth(1)).ToHaveAttributeAsync("data-run-id", bad);
    }

    [Fact]
    public async Task A_task_the_engine_finishes_changes_colour_in_every_open_grid_without_reload()
    {
        var runs = await _engine.CreateRunsAsync("grid_demo", EngineHarness.RunFor(DagRunType.Scheduled, Day(5)));
        var runId = runs.Keys.Single();
        var first = await browser.NewPageAsync(_app);
        var second = await browser.NewPageAsync(_app);
        // The first window also has the task instance's panel open.
        await first.GotoAsync(Grid($"?run={Uri.EscapeDataString(runId)}&task=publish").ToString());
        await second.GotoAsync(Grid().ToString());
        foreach (var page in new[] { first, second })
        {
            await WaitForGridAsync(page);
            await Expect(Cell(page, "publish", runId)).ToHaveAttributeAsync("data-state", "none");
        }

        await Expect(first.GetByTestId("ti-state")).ToHaveAttributeAsync("data-state", "none");

        await _engine.RunUntilAsync(async () => (await _engine.RunsAsync("grid_demo")).All(r => r.State.IsFinished()));

        foreach (var page in new[] { first, second })
        {
            await Expect(Cell(page, "publish", runId)).ToHaveAttributeAsync("data-state", "success");
            await Expect(page.Locator($"[data-run-header][data-run-id='{runId}']")).ToHaveAttributeAsync("data-state", "success");
        }

        await Expect(first.GetByTestId("ti-state")).ToHaveAttributeAsync("data-state", "success");
        await Expect(first.GetByTestId("log")).ToContainTextAsync("published");
    }

    [Fact]
    public async Task Collapsing_a_group_shows_its_aggregated_state_and_is_remembered()
    {
        var bad = await RunDayAsync(2);
        await using (var db = _engine.CreateContext())
        {
            // One task of the group failed, the other succeeded: the group shows the more urgent state.
            await Dashboard.Core.Persistence.DbCommands.ExecuteAsync(db,
                "UPDATE task_instance SET state = 'failed' WHERE dag_id = 'grid_demo' AND task_id = 'extract_orders'", CancellationToken.None);
        }

        var page = await browser.NewPageAsync(_app);
        await page.GotoAsync(Grid().ToString());
        await WaitForGridAsync(page);
        await Expect(Cell(page, "extract_orders", bad)).ToBeVisibleAsync();

        await page.GetByRole(AriaRole.Button, new() { Name = "Collapse group load" }).ClickAsync();

        await Expect(Cell(page, "extract_orders", bad)).ToHaveCountAsync(0);
        var group = page.Locator($"[data-cell][data-group-id='load'][data-run-id='{bad}']");
        await Expect(group).ToHaveAttributeAsync("data-state", "failed");
        // A tooltip is worked out when the cell is hovered.
        await group.HoverAsync();
        await Expect(group).ToHaveAttributeAsync("title", new System.Text.RegularExpressions.Regex("failed: 1\nsuccess: 1"));

        // The cells go as soon as the rows are rebuilt; the browser remembers the group a moment later. Reload once it has.
        await page.WaitForFunctionAsync(
            "key => (JSON.parse(localStorage.getItem(key) ?? '[]') ?? []).includes('load')", "dashboard.grid.collapsed.grid_demo");
        await page.ReloadAsync();
        await WaitForGridAsync(page);
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Expand group load" })).ToBeVisibleAsync();
        await Expect(Cell(page, "extract_orders", bad)).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task A_link_with_filters_reproduces_the_view()
    {
        await RunDayAsync(1);
        var bad = await RunDayAsync(2);
        var manual = await _engine.TriggerAsync("grid_demo");
        await _engine.RunUntilAsync(async () => (await _engine.RunsAsync("grid_demo")).All(r => r.State.IsFinished()));

        var page = await browser.NewPageAsync(_app);
        await page.GotoAsync(Grid().ToString());
        await WaitForGridAsync(page);
        await Expect(page.Locator("[data-run-header]")).ToHaveCountAsync(3);
        await Expect(page.Locator($"[data-run-header][data-run-id='{manual}'] .run-badge-manual")).ToBeVisibleAsync();

        await MudControls.SelectAsync(page.GetByTestId("run-state-filter"), "failed");
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("run_state=failed"));
        await MudControls.SelectAsync(page.GetByTestId("task-state-filter"), "needs attention (failed, upstream_failed, up_for_retry)");
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("task_state=needs_attention"));

        // Back and Forward move the selects with the URL, though the person picked their options by hand.
        await page.GoBackAsync();
        await Expect(page.GetByTestId("task-state-filter")).ToHaveValueAsync("");
        await Expect(page.GetByTestId("run-state-filter")).ToHaveValueAsync("failed");
        await page.GoForwardAsync();
        await Expect(page.GetByTestId("task-state-filter")).ToHaveValueAsync("needs_attention");

        await Cell(page, "check", bad).ClickAsync();
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("task=check"));

        var linked = await browser.NewPageAsync(_app);
        await linked.GotoAsync(page.Url);
        await WaitForGridAsync(linked);
        await Expect(linked.Locator("[data-run-header]")).ToHaveCountAsync(1);
        await Expect(linked.Locator($"[data-run-header][data-run-id='{bad}']")).ToBeVisibleAsync();
        // Needs attention only: the group whose tasks all succeeded is hidden, the failed task and its downstream are not.
        await Expect(linked.Locator("[data-row-id='load']")).ToHaveCountAsync(0);
        await Expect(Cell(linked, "check", bad)).ToBeVisibleAsync();
        await Expect(Cell(linked, "publish", bad)).ToBeVisibleAsync();
        var panel = linked.GetByRole(AriaRole.Complementary, new() { Name = $"Task instance check of run {bad}" });
        await Expect(panel.GetByTestId("ti-state")).ToHaveAttributeAsync("data-state", "failed");
        await Expect(panel.GetByTestId("log")).ToContainTextAsync("Exited with code 1");
    }

    [Fact]
    public async Task Arrow_keys_move_the_selection_and_enter_opens_it()
    {
        var good = await RunDayAsync(1);
        var bad = await RunDayAsync(2);
        var page = await browser.NewPageAsync(_app);
        await page.GotoAsync(Grid().ToString());
        await WaitForGridAsync(page);

        await Cell(page, "check", bad).ClickAsync();
        await Expect(page.GetByTestId("ti-panel")).ToBeVisibleAsync();
        await page.GetByTestId("grid").PressAsync("ArrowLeft");
        await Expect(Cell(page, "check", good)).ToHaveClassAsync(new System.Text.RegularExpressions.Regex("selected"));
        await page.GetByTestId("grid").PressAsync("ArrowDown");
        await Expect(Cell(page, "publish", good)).ToHaveClassAsync(new System.Text.RegularExpressions.Regex("selected"));
        await page.GetByTestId("grid").PressAsync("Enter");

        await Expect(page.GetByRole(AriaRole.Complementary, new() { Name = $"Task instance publish of run {good}" })).ToBeVisibleAsync();
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("task=publish"));

        await page.Locator($"[data-run-header][data-run-id='{bad}']").ClickAsync();
        var runPanel = page.GetByRole(AriaRole.Complementary, new() { Name = $"Run {bad}" });
        await Expect(runPanel.GetByTestId("run-state")).ToHaveAttributeAsync("data-state", "failed");
        await Expect(runPanel.GetByRole(AriaRole.Button, new() { Name = "Clear & Retry…" })).ToBeEnabledAsync();
    }

    [Fact]
    public async Task Screenshots_of_the_grid_a_panel_and_the_dag_list()
    {
        for (var day = 1; day <= 6; day++)
        {
            await RunDayAsync(day);
        }

        await _engine.TriggerAsync("grid_demo");
        await _engine.RunUntilAsync(async () => (await _engine.RunsAsync("grid_demo")).All(r => r.State.IsFinished()));
        var page = await browser.NewPageAsync(_app);
        await page.SetViewportSizeAsync(1440, 900);

        await page.GotoAsync(Grid().ToString());
        await WaitForGridAsync(page);
        await Expect(page.Locator("[data-run-header]")).ToHaveCountAsync(7);
        await Screenshots.SaveAsync(page, "grid.png");

        var bad = (await _engine.RunsAsync("grid_demo")).Single(r => r.State == DagRunState.Failed).RunId;
        await Cell(page, "check", bad).ClickAsync();
        await Expect(page.GetByTestId("log")).ToBeVisibleAsync();
        await Screenshots.SaveAsync(page, "grid-panel.png");

        await page.GotoAsync(_app.BaseAddress.ToString());
        await page.WaitForCircuitAsync();
        await Screenshots.SaveAsync(page, "dag-list.png");
    }

    /// <summary>Clicks and keys reach the grid once the circuit is up and the grid's browser module is attached.</summary>
    private static Task WaitForGridAsync(IPage page) => Expect(page.Locator("[data-testid='grid'][data-ready='true']")).ToBeVisibleAsync();
}
