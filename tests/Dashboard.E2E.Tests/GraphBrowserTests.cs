using System.Text.RegularExpressions;
using Dashboard.Core.Domain;
using Dashboard.Core.Domain.Timetables;
using Dashboard.Testing;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Dashboard.E2E.Tests;

/// <summary>
/// The Graph view in a real browser: a failed node opened, cleared from its panel and followed live
/// while a test-driven engine re-runs it; a 199-task DAG with its groups collapsed, opened, found.
/// </summary>
public sealed class GraphBrowserTests(BrowserFixture browser) : IClassFixture<BrowserFixture>, IAsyncLifetime
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
        await _engine.AddDagAsync(await File.ReadAllTextAsync(Path.Combine(RepositoryLayout.Root, "dags", "warehouse_refresh.yaml")), unpause: false);
        _app = await DashboardAppHost.StartAsync(_engine.ConnectionString);
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        await _engine.DisposeAsync();
    }

    [Fact]
    public async Task A_failed_node_is_cleared_from_its_panel_and_turns_green_live()
    {
        var runs = await _engine.CreateRunsAsync("orders", EngineHarness.RunFor(DagRunType.Scheduled,
            new DataInterval(new DateTimeOffset(2026, 11, 2, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 11, 3, 0, 0, 0, TimeSpan.Zero))));
        var run = runs.Keys.Single();
        await _engine.RunUntilAsync(async () => (await _engine.RunsAsync("orders")).All(r => r.State.IsFinished()));
        var page = await OpenGraphAsync("orders");

        // The newest run colours the graph by default.
        await Expect(page.GetByTestId("graph")).ToHaveAttributeAsync("data-run", run);
        await Expect(Node(page, "check")).ToHaveAttributeAsync("data-state", "failed");
        await Expect(Node(page, "publish")).ToHaveAttributeAsync("data-state", "upstream_failed");
        await Expect(Node(page, "extract")).ToHaveAttributeAsync("data-state", "success");

        await Node(page, "check").ClickAsync();
        await Expect(page.GetByTestId("ti-state")).ToHaveAttributeAsync("data-state", "failed");
        Assert.Contains("task=check", page.Url);
        Assert.Contains("run=" + Uri.EscapeDataString(run), page.Url);
        await Expect(Node(page, "check")).ToHaveClassAsync(new Regex("graph-selected"));

        await page.GetByTestId("ti-clear").ClickAsync();
        var dialog = page.GetByRole(AriaRole.Dialog);
        await Expect(dialog).ToContainTextAsync("Clear check in " + run);
        await dialog.GetByTestId("action-confirm").ClickAsync();
        await Expect(dialog).ToBeHiddenAsync();

        // At once, before the engine does anything: the cleared nodes have no status.
        await Expect(Node(page, "check")).ToHaveAttributeAsync("data-state", "none");
        await Expect(Node(page, "report")).ToHaveAttributeAsync("data-state", "none");
        await Expect(Node(page, "extract")).ToHaveAttributeAsync("data-state", "success");

        // Then the engine re-runs them, and the nodes follow without a reload.
        File.WriteAllText(Path.Combine(_engine.DataDirectory, "fixed"), "");
        await _engine.RunUntilAsync(async () => (await _engine.RunsAsync("orders")).All(r => r.State.IsFinished()));
        foreach (var task in new[] { "check", "publish", "report" })
        {
            await Expect(Node(page, task)).ToHaveAttributeAsync("data-state", "success");
        }

        await Expect(page.GetByTestId("ti-state")).ToHaveAttributeAsync("data-state", "success");
        await Screenshots.SaveAsync(page, "graph/cleared-task.png");

        // Keyboard: Tab reaches the nodes, Enter opens the focused one.
        await Node(page, "extract").FocusAsync();
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.GetByTestId("ti-panel")).ToContainTextAsync("extract");
    }

    [Fact]
    public async Task A_large_dag_opens_with_its_groups_collapsed_and_a_found_task_is_shown()
    {
        var page = await OpenGraphAsync("warehouse_refresh");

        // 199 tasks: the groups are collapsed, and without runs nothing is coloured.
        await Expect(Node(page, "extract")).ToHaveAttributeAsync("data-group-node", "true");
        await Expect(Node(page, "extract")).ToHaveAttributeAsync("data-state", "missing");
        await Expect(page.Locator("[data-node='check_orders_source']")).ToHaveCountAsync(0);
        await Screenshots.SaveAsync(page, "graph/warehouse-collapsed.png");

        // A click on a group opens it into a box; a click on the box's name closes it again.
        await Node(page, "extract").ClickAsync();
        await Expect(page.Locator("[data-box='extract']")).ToBeVisibleAsync();
        await Expect(Node(page, "extract.orders")).ToHaveAttributeAsync("data-group-node", "true");
        await page.Locator("[data-group-toggle='extract']").ClickAsync();
        await Expect(page.Locator("[data-box='extract']")).ToHaveCountAsync(0);

        // Find opens the groups around the task, highlights it and centres it.
        await page.GetByTestId("graph-find-text").FillAsync("order_lines_unique");
        await page.GetByTestId("graph-find-text").PressAsync("Enter");
        var found = Node(page, "test_orders_order_lines_unique");
        await Expect(found).ToHaveClassAsync(new Regex("graph-found"));
        await Expect(found).ToBeInViewportAsync();

        await page.GetByTestId("graph-expand-all").ClickAsync();
        await Expect(page.Locator("[data-group-node]")).ToHaveCountAsync(0);
        await Expect(page.Locator("[data-node]")).ToHaveCountAsync(199);
        await page.GetByTestId("graph-fit").ClickAsync();
        await Screenshots.SaveAsync(page, "graph/warehouse-expanded.png");

        // Top to bottom: the same drawing turned, start above notify.
        await page.GetByTestId("graph-collapse-all").ClickAsync();
        await page.GetByTestId("graph-direction").ClickAsync();
        await Expect(page.GetByTestId("graph-direction")).ToContainTextAsync("Left to right");
        var start = await Node(page, "start").BoundingBoxAsync();
        var notify = await Node(page, "notify").BoundingBoxAsync();
        Assert.True(start!.Y + start.Height < notify!.Y, "start is not above notify");
        await Screenshots.SaveAsync(page, "graph/warehouse-top-to-bottom.png");
    }

    private async Task<IPage> OpenGraphAsync(string dagId)
    {
        var page = await browser.NewPageAsync(_app);
        await page.SetViewportSizeAsync(1440, 900);
        await page.GotoAsync(new Uri(_app.BaseAddress, $"/dags/{dagId}/graph").ToString());
        await Expect(page.Locator("[data-testid='graph'][data-ready='true']")).ToBeVisibleAsync();
        await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
        return page;
    }

    private static ILocator Node(IPage page, string id) => page.Locator($"[data-node='{id}']");
}
