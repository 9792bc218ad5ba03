using Dashboard.Core.Domain;
using Dashboard.Core.Domain.Timetables;
using Dashboard.Core.Operations.Backfill;
using Dashboard.Core.Operations.Notes;
using Dashboard.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Dashboard.E2E.Tests;

/// <summary>
/// Every page and dialog, at 1024 and 1440 px, in the light and the dark theme (the browser's own
/// preference, which the app follows by default), over real data: the example DAGs, a backfill of
/// taxi_pipeline and a DAG whose task failed. It leaves a picture of each in artifacts/screenshots/tour
/// for people to look at, and checks what each size must keep: the grid's cells stay visible with
/// the task panel open, and nothing scrolls the page sideways.
/// </summary>
public sealed class UiTourBrowserTests(BrowserFixture browser, UiTourBrowserTests.Data data) : IClassFixture<BrowserFixture>, IClassFixture<UiTourBrowserTests.Data>
{
    private const string FailingRun = "scheduled__2024-01-03T00:00:00+00:00";

    [Theory]
    [InlineData(1024, ColorScheme.Light)]
    [InlineData(1024, ColorScheme.Dark)]
    [InlineData(1440, ColorScheme.Light)]
    [InlineData(1440, ColorScheme.Dark)]
    public async Task Every_page_reads_well_at_this_width_in_this_theme(int width, ColorScheme scheme)
    {
        var page = await browser.NewPageAsync(data.App);
        await page.SetViewportSizeAsync(width, 900);
        await page.EmulateMediaAsync(new() { ColorScheme = scheme });
        var theme = scheme == ColorScheme.Dark ? "dark" : "light";
        var shots = new Tour(page, data.App, $"{width}-{theme}", theme);

        await shots.VisitAsync("", "dags");
        await Expect(page.Locator("tr[data-dag-id='orders_etl'] [data-testid='recent-runs'] [data-state='failed']")).ToHaveCountAsync(1);

        await shots.VisitAsync("dags/taxi_pipeline/grid", "grid");
        await Expect(page.Locator("[data-run-header][data-run-type='backfill']")).ToHaveCountAsync(3);

        await shots.VisitAsync($"dags/orders_etl/grid?run={Uri.EscapeDataString(FailingRun)}&task=transform_orders", "grid-task-panel");
        var panel = page.GetByTestId("ti-panel");
        await Expect(panel.GetByTestId("log")).ToContainTextAsync("KeyError: customer_id");
        await AssertCellsVisibleBesidePanelAsync(page);
        await shots.SaveAsync("grid-task-panel");

        await panel.GetByTestId("ti-clear").ClickAsync();
        await Expect(page.Locator(".mud-dialog tr[data-task-id]").First).ToBeVisibleAsync();
        await shots.SaveAsync("clear-dialog");
        await page.Keyboard.PressAsync("Escape");
        await Expect(page.Locator(".mud-dialog")).ToHaveCountAsync(0);

        await shots.VisitAsync("dags/taxi_pipeline/grid", "backfill-dialog", save: false);
        await page.GetByTestId("backfill").ClickAsync();
        var form = page.GetByRole(AriaRole.Dialog);
        await Input(form, "backfill-from").FillAsync("2024-04-01");
        await Input(form, "backfill-to").FillAsync("2024-06-30");
        await Input(form, "backfill-to").PressAsync("Tab");
        await Expect(form.GetByTestId("backfill-summary")).ToContainTextAsync("3 runs will be created");
        await shots.SaveAsync("backfill-dialog");
        await page.Keyboard.PressAsync("Escape");
        await Expect(page.Locator(".mud-dialog")).ToHaveCountAsync(0);

        await shots.VisitAsync("dags/report_export", "trigger-dialog", save: false);
        await page.GetByTestId("trigger").ClickAsync();
        await Expect(page.GetByRole(AriaRole.Dialog).GetByTestId("params-form")).ToBeVisibleAsync();
        await shots.SaveAsync("trigger-dialog");
        await page.Keyboard.PressAsync("Escape");
        await Expect(page.Locator(".mud-dialog")).ToHaveCountAsync(0);

        await VisitViewsAsync(shots, page, "taxi_pipeline", calendar: "?year=2024");
        await shots.VisitAsync("dags/warehouse_refresh/graph?open=*&direction=top-to-bottom", "warehouse_refresh-graph-expanded");
        await Expect(page.Locator("[data-testid='graph'] [data-node]")).ToHaveCountAsync(199);
        await VisitViewsAsync(shots, page, "warehouse_refresh", calendar: $"?year={data.WarehouseRunYear}");

        await shots.VisitAsync("dags/taxi_pipeline/runs", "runs");
        await shots.VisitAsync("dags/taxi_pipeline/backfills", "dag-backfills");
        await shots.VisitAsync("dags/taxi_pipeline/code", "code");
        await shots.VisitAsync("dags/taxi_pipeline/audit", "dag-audit");
        await shots.VisitAsync($"dags/orders_etl/runs/{Uri.EscapeDataString(FailingRun)}/tasks/transform_orders", "task-log");
        await shots.VisitAsync("backfills", "backfills");
        await shots.VisitAsync("audit", "audit-log");
        await shots.VisitAsync("admin/users", "users");
        await shots.VisitAsync("admin/connections", "connections");
        await shots.VisitAsync("admin/variables", "variables");
        await shots.VisitAsync("account/password", "change-password", ready: "main form");

        await shots.VisitAsync("", "search", save: false);
        await page.Keyboard.PressAsync("Control+k");
        await Input(page.Locator("body"), "search-input").FillAsync("taxi");
        await Expect(page.GetByTestId("search-result").First).ToContainTextAsync("taxi_pipeline");
        await shots.SaveAsync("search");
        await page.Keyboard.PressAsync("Escape");
        await Expect(page.Locator(".mud-dialog")).ToHaveCountAsync(0);

        await page.Keyboard.PressAsync("Shift+?");
        await Expect(page.GetByTestId("shortcuts")).ToBeVisibleAsync();
        await shots.SaveAsync("shortcuts");

        var signedOut = await browser.NewPageAsync();
        await signedOut.SetViewportSizeAsync(width, 900);
        await signedOut.EmulateMediaAsync(new() { ColorScheme = scheme });
        await signedOut.GotoAsync(new Uri(data.App.BaseAddress, "signin").ToString());
        await Expect(signedOut.GetByRole(AriaRole.Button, new() { Name = "Sign in" })).ToBeVisibleAsync();
        await Screenshots.SaveAsync(signedOut, Path.Combine("tour", $"{width}-{theme}-signin.png"));
    }

    /// <summary>The DAG's views beside the grid, each drawn over the DAG's real runs.</summary>
    private static async Task VisitViewsAsync(Tour shots, IPage page, string dagId, string calendar)
    {
        await shots.VisitAsync($"dags/{dagId}/graph", $"{dagId}-graph");
        await Expect(page.Locator("[data-testid='graph'] [data-node][data-state='success']").First).ToBeVisibleAsync();
        await shots.VisitAsync($"dags/{dagId}/gantt", $"{dagId}-gantt");
        await Expect(page.Locator(".gantt-bar").First).ToBeVisibleAsync();
        await shots.VisitAsync($"dags/{dagId}/calendar{calendar}", $"{dagId}-calendar");
        await Expect(page.Locator("[data-testid='calendar'] [data-outcome='success']").First).ToBeVisibleAsync();
        await shots.VisitAsync($"dags/{dagId}/durations", $"{dagId}-durations");
        await Expect(page.Locator("[data-testid='run-durations'] .duration-bar").First).ToBeVisibleAsync();
        await shots.VisitAsync($"dags/{dagId}/details", $"{dagId}-details");
    }

    /// <summary>A MudBlazor text field's input, wherever the field put its test id (on the input or around it).</summary>
    private static ILocator Input(ILocator scope, string testId) =>
        scope.Locator($"input[data-testid='{testId}'], [data-testid='{testId}'] input").First;

    /// <summary>With the task panel open, the grid still shows whole cells beside it.</summary>
    private static async Task AssertCellsVisibleBesidePanelAsync(IPage page)
    {
        var grid = await page.GetByTestId("grid").BoundingBoxAsync();
        var panel = await page.GetByTestId("ti-panel").BoundingBoxAsync();
        Assert.NotNull(grid);
        Assert.NotNull(panel);
        Assert.True(grid.X + grid.Width <= panel.X, "the panel covers the grid");
        var cell = await page.Locator("[data-cell][data-task-id='transform_orders']").Last.BoundingBoxAsync();
        Assert.NotNull(cell);
        Assert.True(cell.X + cell.Width <= grid.X + grid.Width, "the grid's cells are not visible beside the panel");
    }

    /// <summary>Visits pages as one person would and saves what each looks like, once it is live and in the expected theme.</summary>
    private sealed class Tour(IPage page, DashboardAppHost app, string prefix, string theme)
    {
        /// <param name="ready">What shows the page is ready; by default the app's frame, live and in the theme.</param>
        public async Task VisitAsync(string path, string name, bool save = true, string? ready = null)
        {
            await page.GotoAsync(new Uri(app.BaseAddress, path).ToString());
            await Expect(page.Locator(ready ?? $"main[data-interactive='true'][data-theme='{theme}']")).ToBeVisibleAsync();
            if (save)
            {
                await SaveAsync(name);
            }

            await AssertNoSidewaysScrollAsync(name);
        }

        public Task SaveAsync(string name) => Screenshots.SaveAsync(page, Path.Combine("tour", $"{prefix}-{name}.png"));

        private async Task AssertNoSidewaysScrollAsync(string name)
        {
            // The deepest elements that stick out on the right name the culprit.
            var culprits = await page.EvaluateAsync<string[]>("""
                () => {
                    const width = document.documentElement.clientWidth;
                    if (document.documentElement.scrollWidth <= width) return [];
                    const out = e => e.getBoundingClientRect().right > width + 1;
                    return [...document.querySelectorAll('body *')]
                        .filter(e => out(e) && ![...e.children].some(out))
                        .slice(0, 5)
                        .map(e => {
                            const chain = [];
                            for (let a = e; a && a !== document.body; a = a.parentElement) chain.push(`${a.tagName.toLowerCase()}.${[...a.classList].join('.')}[${Math.round(a.getBoundingClientRect().width)}]`);
                            return chain.join(' < ');
                        });
                }
                """);
            Assert.True(culprits.Length == 0, $"{name} at {prefix} scrolls sideways: {string.Join(", ", culprits)}");
        }
    }

    /// <summary>The data the tour shows, made once for every width and theme: the engine really ran it.</summary>
    public sealed class Data : IAsyncLifetime
    {
        // A DAG whose transform fails on one day with a message on stderr, so the tour has red to show.
        private const string OrdersDag = """
            dag_id: orders_etl
            description: Loads the day's orders from the shop database into the warehouse
            schedule: "@daily"
            start_date: 2024-01-01
            catchup: false
            tags: [orders, etl]
            tasks:
              - id: extract_orders
                command: echo "extracting orders for {{ ds }}"
              - id: transform_orders
                upstream: extract_orders
                command: 'echo "transforming {{ ds }}"; if [ "{{ ds }}" = "2024-01-03" ]; then echo "KeyError: customer_id" >&2; exit 1; fi'
              - id: load_orders
                upstream: transform_orders
                command: echo "loaded"
            """;

        private EngineHarness _engine = null!;
        private TestWarehouse _warehouse = null!;

        public DashboardAppHost App { get; private set; } = null!;

        /// <summary>The year of warehouse_refresh's scheduled run, which the scheduler picked from today's date.</summary>
        public int WarehouseRunYear { get; private set; }

        public async Task InitializeAsync()
        {
            _engine = await EngineHarness.CreateAsync();
            _warehouse = await _engine.AddWarehouseAsync(); // taxi_pipeline loads it
            CopyExamples(Path.Combine(RepositoryLayout.Root, "dags"), _engine.DagFolder);
            _engine.WriteDagFile("orders_etl.yaml", OrdersDag);
            await _engine.ProcessDagFilesAsync();

            var days = Enumerable.Range(1, 4).Select(day => new DateTimeOffset(2024, 1, day, 0, 0, 0, TimeSpan.Zero)).ToList();
            await _engine.CreateRunsAsync("orders_etl", [.. days.Select(day => EngineHarness.RunFor(DagRunType.Scheduled, new DataInterval(day, day.AddDays(1))))]);
            await _engine.UnpauseAsync("orders_etl");
            await _engine.UnpauseAsync("warehouse_refresh");
            await _engine.Services.GetRequiredService<BackfillService>().CreateAsync(new BackfillRequest("taxi_pipeline",
                new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2024, 3, 31, 0, 0, 0, TimeSpan.Zero), Actors.Admin("lead"), UnpauseDag: true));
            await _engine.RunUntilAsync(async () =>
            {
                var taxi = await _engine.StatesAsync("taxi_pipeline");
                var orders = await _engine.StatesAsync("orders_etl");
                await using var db = _engine.CreateContext();
                var warehouse = await _engine.StatesAsync("warehouse_refresh");
                return taxi.Count(r => r.State == DagRunState.Success) >= 3 && orders.Count >= 4 && orders.All(r => r.State.IsFinished())
                    && warehouse.Count > 0 && warehouse.All(r => r.State.IsFinished())
                    && await db.Backfills.AllAsync(b => b.CompletedAt != null);
            }, TimeSpan.FromMinutes(3));

            await using (var db = _engine.CreateContext())
            {
                WarehouseRunYear = (await db.DagRuns.Where(r => r.DagId == "warehouse_refresh").Select(r => r.LogicalDate).FirstAsync())!.Value.Year;
            }

            await _engine.Services.GetRequiredService<NoteService>().SetAsync(new SetNoteRequest(new NoteTarget("orders_etl", FailingRun, "transform_orders"),
                "Upstream shop export lost `customer_id`; **fixed** in the export job, re-run after 10:00.", Actors.Admin("oncall")));

            App = await DashboardAppHost.StartAsync(_engine.ConnectionString);
        }

        public async Task DisposeAsync()
        {
            await App.DisposeAsync();
            await _engine.DisposeAsync();
            _warehouse.Release();
        }

        private static void CopyExamples(string from, string to)
        {
            foreach (var file in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
            {
                var target = Path.Combine(to, Path.GetRelativePath(from, file));
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                File.Copy(file, target);
            }
        }
    }
}
