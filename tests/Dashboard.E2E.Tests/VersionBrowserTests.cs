using System.Text.RegularExpressions;
using Dashboard.Core.Domain;
using Dashboard.Core.Domain.Timetables;
using Dashboard.Testing;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Dashboard.E2E.Tests;

/// <summary>
/// The analyst's story when the fix is in the DAG file: a task fails, the file is fixed, and a
/// Clear with Downstream re-runs the DAG as the file is now. The dialog says the run moves to the
/// new version, the task runs the new command, the cells turn green without a reload, and the
/// grid, the panels and the Code tab show the versions.
/// </summary>
public sealed class VersionBrowserTests(BrowserFixture browser) : IClassFixture<BrowserFixture>, IAsyncLifetime
{
    private const string Broken = """
        dag_id: daily_sales
        description: Sales of the day, checked and published
        schedule: null
        tasks:
          - {id: extract, command: 'echo extracted {{ ds }}'}
          - {id: transform, upstream: extract, command: 'echo "bad join"; exit 1'}
          - {id: publish, upstream: transform, command: 'echo published'}
        """;

    private const string Fixed = """
        dag_id: daily_sales
        description: Sales of the day, checked and published
        schedule: null
        tasks:
          - {id: extract, command: 'echo extracted {{ ds }}'}
          - {id: transform, upstream: extract, command: 'echo "fixed join for {{ ds }}"'}
          - {id: verify, upstream: transform, command: 'echo verified'}
          - {id: publish, upstream: verify, command: 'echo published'}
        """;

    private EngineHarness _engine = null!;
    private DashboardAppHost _app = null!;

    public async Task InitializeAsync()
    {
        _engine = await EngineHarness.CreateAsync();
        await _engine.AddDagAsync(Broken);
        _app = await DashboardAppHost.StartAsync(_engine.ConnectionString);
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        await _engine.DisposeAsync();
    }

    [Fact]
    public async Task A_fixed_dag_file_and_a_clear_with_downstream_re_run_the_failed_task_with_the_new_command()
    {
        var earlier = await RunDayAsync(1);
        var failing = await RunDayAsync(2);
        var page = await browser.NewPageAsync(_app);
        await page.SetViewportSizeAsync(1440, 900);
        await page.GotoAsync(new Uri(_app.BaseAddress, "/dags/daily_sales/grid").ToString());
        await Expect(page.Locator("[data-testid='grid'][data-ready='true']")).ToBeVisibleAsync();
        await Expect(Cell(page, "transform", failing)).ToHaveAttributeAsync("data-state", "failed");

        // The analyst fixes the file; the app loads it as version 2.
        _engine.WriteDagFile("daily_sales.yaml", Fixed);
        await _engine.ProcessDagFilesAsync();

        await Cell(page, "transform", failing).ClickAsync();
        await page.GetByTestId("ti-clear").ClickAsync();
        var dialog = page.GetByRole(AriaRole.Dialog);
        await Expect(dialog.GetByTestId("option-downstream")).ToHaveAttributeAsync("aria-pressed", "true");
        var move = dialog.GetByTestId("version-move");
        await Expect(move).ToHaveAttributeAsync("data-run-id", failing);
        await Expect(move).ToContainTextAsync("v1 → v2");
        await Expect(move).ToContainTextAsync("adds verify");
        await Expect(dialog.GetByTestId("option-latest-version")).ToBeCheckedAsync();
        // Downstream in version 2: publish now waits on the new verify task, which gets its instance by the move.
        Assert.Equal(["transform", "publish"], await dialog.GetByTestId("affected").Locator("tr[data-task-id]")
            .EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.taskId)"));
        await Screenshots.SaveAsync(page, "clear-dialog-new-version.png");

        await dialog.GetByTestId("action-confirm").ClickAsync();
        await Expect(dialog).ToBeHiddenAsync();
        await Expect(Cell(page, "transform", failing)).ToHaveAttributeAsync("data-state", "none");
        await Expect(Cell(page, "verify", failing)).ToHaveAttributeAsync("data-state", "none");

        await _engine.RunUntilAsync(async () => (await _engine.RunsAsync("daily_sales")).All(r => r.State.IsFinished()));

        foreach (var task in new[] { "transform", "verify", "publish" })
        {
            await Expect(Cell(page, task, failing)).ToHaveAttributeAsync("data-state", "success");
        }

        await Expect(page.Locator($"[data-run-header][data-run-id='{failing}']")).ToHaveAttributeAsync("data-state", "success");
        // The earlier run is still on version 1; the marker shows where the version changes.
        await Expect(page.Locator($"[data-run-header][data-run-id='{earlier}']")).ToHaveAttributeAsync("data-version", "1");
        var marker = page.Locator($"[data-run-header][data-run-id='{failing}'] [data-testid='version-marker']");
        await Expect(marker).ToHaveAttributeAsync("title", "DAG version v1 → v2");

        // The panel shows the version of each try, and the new try ran the new command.
        var panel = page.GetByTestId("ti-panel");
        await Expect(panel.GetByTestId("ti-version")).ToHaveAttributeAsync("data-version", "2");
        await Expect(panel.Locator("[data-testid='try-tab'][data-try='1']")).ToHaveAttributeAsync("data-version", "1");
        await Expect(panel.Locator("[data-testid='try-tab'][data-try='2']")).ToHaveAttributeAsync("data-version", "2");
        await Expect(panel.GetByTestId("log")).ToContainTextAsync("fixed join for 2026-11-02");
        await Screenshots.SaveAsync(page, "grid-version-marker.png");

        await page.Locator($"[data-run-header][data-run-id='{failing}']").ClickAsync();
        await Expect(page.GetByTestId("run-version")).ToHaveAttributeAsync("data-version", "2");
        await Screenshots.SaveAsync(page, "run-panel-version.png");

        // The Code tab shows either file, and the diff between them.
        await page.GetByTestId("tab-code").ClickAsync();
        await Expect(page.GetByTestId("code-source")).ToContainTextAsync("fixed join");
        await MudControls.SelectAsync(page.GetByTestId("code-compare"), new Regex("^v1 ·"));
        await Expect(page).ToHaveURLAsync(new Regex("compare=1"));
        var diff = page.GetByTestId("code-diff");
        await Expect(diff.Locator("[data-kind='Removed']")).ToContainTextAsync(["bad join"]);
        await Expect(diff.Locator("[data-kind='Added']").First).ToContainTextAsync("fixed join");
        await Expect(page.GetByTestId("code-diff-summary")).ToContainTextAsync("From v1 to v2");
        await Screenshots.SaveAsync(page, "code-diff.png");
    }

    private static DataInterval Day(int day) =>
        new(new DateTimeOffset(2026, 11, day, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 11, day + 1, 0, 0, 0, TimeSpan.Zero));

    /// <summary>A run of the day, run to its end: the transform of version 1 fails.</summary>
    private async Task<string> RunDayAsync(int day)
    {
        var runs = await _engine.CreateRunsAsync("daily_sales", EngineHarness.RunFor(DagRunType.Scheduled, Day(day)));
        await _engine.RunUntilAsync(async () => (await _engine.RunsAsync("daily_sales")).All(r => r.State.IsFinished()));
        return runs.Keys.Single();
    }

    private static ILocator Cell(IPage page, string taskId, string runId) =>
        page.Locator($"[data-cell][data-task-id='{taskId}'][data-run-id='{runId}']");
}
