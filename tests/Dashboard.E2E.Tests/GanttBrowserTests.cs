using Dashboard.Core.Domain;
using Dashboard.Testing;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Dashboard.E2E.Tests;

/// <summary>
/// The Gantt and Durations tabs in a real browser while a test-driven engine runs the DAG: a task
/// that runs until the test lets it finish draws a bar that grows on its own, and stops, in its
/// final colour, once the task ends.
/// </summary>
public sealed class GanttBrowserTests(BrowserFixture browser) : IClassFixture<BrowserFixture>, IAsyncLifetime
{
    private const string DagId = "gantt_demo";

    // "crunch" runs until the test writes the release file; "publish" fails its first try and succeeds on the retry.
    private const string Dag = """
        dag_id: gantt_demo
        description: Prepares, crunches until released, publishes
        schedule: null
        tasks:
          - {id: prepare, command: 'echo ready'}
          - {id: crunch, upstream: prepare, group: work, command: 'while [ ! -f "$DASHBOARD_DATA_DIR/release" ]; do sleep 0.1; done; echo crunched'}
          - {id: publish, upstream: crunch, retries: 1, retry_delay: 1s, command: 'test -f "$DASHBOARD_DATA_DIR/tried" || { touch "$DASHBOARD_DATA_DIR/tried"; exit 1; }; echo published'}
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

    private static ILocator Bar(IPage page, string taskId) => page.Locator($".gantt-bar[data-task-id='{taskId}']").Last;

    /// <summary>The bar's width once its eased move has ended (the stylesheet eases each step over a second).</summary>
    private static async Task<double> SettledWidthAsync(ILocator bar)
    {
        await bar.EvaluateAsync("el => Promise.all(el.getAnimations().map(a => a.finished))");
        return (await bar.BoundingBoxAsync())!.Width;
    }

    [Fact]
    public async Task A_running_tasks_bar_grows_until_the_task_ends_and_then_stops_in_its_final_state()
    {
        // The real loops, so the running try keeps its heartbeat for as long as the test holds it.
        var runId = await _engine.TriggerAsync(DagId);
        await _engine.StartLoopsAsync();
        await _engine.WaitUntilAsync(async () => (await _engine.TaskInstanceAsync(DagId, runId, "crunch")).State == TaskInstanceState.Running);

        var page = await browser.NewPageAsync(_app);
        await page.GotoAsync(new Uri(_app.BaseAddress, $"/dags/{DagId}/gantt").ToString());
        var crunch = Bar(page, "crunch");
        await Expect(crunch).ToHaveAttributeAsync("data-live", "true");
        await Expect(crunch).ToHaveAttributeAsync("data-state", "running");
        await Expect(Bar(page, "prepare")).ToHaveAttributeAsync("data-state", "success");
        await Expect(page.GetByTestId("gantt")).ToHaveAttributeAsync("data-live", "true");

        // Nothing is committed while it runs, yet the bar grows: the page redraws from what it has loaded.
        var before = (await crunch.BoundingBoxAsync())!.Width;
        // The axis doubles now and then, halving the bar; it grows past its old width again within the time it has run so far.
        var widths = new List<double>();
        await Eventually.HoldsAsync(async () =>
        {
            widths.Add((await crunch.BoundingBoxAsync())!.Width);
            return widths[^1] > before + 2;
        }, "the running bar grows", () => $"from {before} px: {string.Join(", ", widths)}");
        await Expect(crunch).ToHaveAttributeAsync("title", new System.Text.RegularExpressions.Regex("Try 1\nState: running"));
        await Screenshots.SaveAsync(page, "gantt/running.png");

        File.WriteAllText(Path.Combine(_engine.DataDirectory, "release"), "");
        await _engine.WaitUntilAsync(async () => (await _engine.RunsAsync(DagId)).All(r => r.State.IsFinished()));

        await Expect(crunch).ToHaveAttributeAsync("data-state", "success");
        await Expect(crunch).ToHaveAttributeAsync("data-live", "false");
        await Expect(Bar(page, "publish")).ToHaveAttributeAsync("data-state", "success");
        var publishTries = page.Locator(".gantt-bar[data-task-id='publish']");
        await Expect(publishTries).ToHaveCountAsync(2);
        await Expect(publishTries.First).ToHaveAttributeAsync("data-state", "failed");
        await Expect(publishTries.Last).ToHaveAttributeAsync("data-try", "2");
        await Expect(page.GetByTestId("gantt")).ToHaveAttributeAsync("data-live", "false");
        await Expect(page.GetByTestId("gantt-run-state")).ToHaveAttributeAsync("data-state", "success");
        var ended = await SettledWidthAsync(crunch);
        await Screenshots.SaveAsync(page, "gantt/finished.png");
        Assert.Equal(ended, await SettledWidthAsync(crunch), 1);

        // A click (or Enter) on the bar opens its task instance, and the URL keeps run and task.
        await crunch.ClickAsync();
        await Expect(page.GetByTestId("ti-panel")).ToBeVisibleAsync();
        Assert.Contains($"run={Uri.EscapeDataString(runId)}", page.Url);
        Assert.Contains("task=crunch", page.Url);
        await Screenshots.SaveAsync(page, "gantt/task-panel.png");
    }

    [Fact]
    public async Task Durations_chart_the_runs_with_their_median_and_open_a_run_from_its_bar()
    {
        File.WriteAllText(Path.Combine(_engine.DataDirectory, "release"), "");
        var runs = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            runs.Add(await _engine.TriggerAsync(DagId));
            await _engine.RunUntilRunsFinishedAsync(DagId, runs.Count);
        }

        var page = await browser.NewPageAsync(_app);
        await page.GotoAsync(new Uri(_app.BaseAddress, $"/dags/{DagId}/durations?runs=10").ToString());
        var chart = page.GetByTestId("run-durations");
        await Expect(chart.Locator(".duration-bar")).ToHaveCountAsync(3);
        await Expect(page.GetByTestId("run-durations-median")).ToBeVisibleAsync();
        await Expect(chart.Locator(".duration-bar[data-slowest='true']")).ToHaveCountAsync(1);
        await Expect(page.GetByTestId("task-durations").Locator(".duration-bar")).ToHaveCountAsync(3);
        await Screenshots.SaveAsync(page, "durations/runs.png");
        await page.WaitForCircuitAsync();

        await chart.Locator($".duration-bar[data-run-id='{runs[1]}']").ClickAsync();
        await Expect(page.GetByTestId("run-panel")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("run-state")).ToHaveAttributeAsync("data-state", "success");
        await Screenshots.SaveAsync(page, "durations/run-panel.png");
    }
}
