using Bunit;
using Dashboard.Core.Domain;
using Dashboard.Web.Components.Timeline;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using static Dashboard.Web.Tests.Components.TimelineSeed;

namespace Dashboard.Web.Tests.Components;

/// <summary>
/// The Durations tab on a real database: the pipeline's three daily runs took 10, 30 and 20 minutes
/// after a minute in the queue, and the manual run is still going. Within the runs, report is slow.
/// </summary>
public sealed class DurationsPageTests : ComponentTest
{
    private bool _popovers;

    private static readonly DateTimeOffset Noon = new(2026, 1, 10, 12, 0, 0, TimeSpan.Zero);

    private async Task SeedAsync()
    {
        var engine = await UseEngineAsync();
        await PipelineDag.SeedAsync(engine);
        var runs = new[] { ("d1", 10), ("d2", 30), ("d3", 20) };
        for (var i = 0; i < runs.Length; i++)
        {
            var (run, minutes) = runs[i];
            var start = Noon.AddDays(i);
            await RunAsync(engine, run, i == 1 ? DagRunState.Failed : DagRunState.Success, start.AddMinutes(-1), start, start.AddMinutes(minutes));
            await TryAsync(engine, run, "extract", 1, TaskInstanceState.Success, start, start, start.AddMinutes(1));
            await TryAsync(engine, run, "report", 1, TaskInstanceState.Success, start.AddMinutes(1), start.AddMinutes(2), start.AddMinutes(2 + minutes / 2));
        }

        var now = engine.Clock.GetUtcNow();
        await RunAsync(engine, "m", DagRunState.Running, now.AddMinutes(-5), now.AddMinutes(-5), null);
    }

    private IRenderedComponent<DurationsPage> RenderAt(string query, string dagId = PipelineDag.DagId)
    {
        if (!_popovers)
        {
            Render<MudPopoverProvider>();
            _popovers = true;
        }

        Services.GetRequiredService<NavigationManager>().NavigateTo($"dags/{dagId}/durations{query}");
        return Render<DurationsPage>(p => p.Add(x => x.DagId, dagId));
    }

    [Fact]
    public async Task Runs_are_bars_oldest_first_with_the_median_of_the_finished_ones_and_the_slowest_flagged()
    {
        await SeedAsync();

        var page = RenderAt("?runs=10");

        await page.WaitForAssertionAsync(() => page.Find("[data-testid='run-durations']"));
        var chart = page.Find("[data-testid='run-durations']");
        Assert.Equal(["d1", "d2", "d3", "m"], chart.QuerySelectorAll(".duration-bar").Select(b => PipelineDag.Runs.Single(r => r.Value == b.GetAttribute("data-run-id")).Key));
        Assert.Equal("1200", chart.GetAttribute("data-median")); // 10, 20 and 30 minutes; the running one does not count yet
        Assert.Equal(PipelineDag.Runs["d2"], chart.QuerySelector(".duration-bar[data-slowest='true']")!.GetAttribute("data-run-id"));
        Assert.Equal("failed", chart.QuerySelector("[data-slowest='true']")!.GetAttribute("data-state"));
        Assert.Contains("median 20 min 0 s", page.Find("[data-testid='run-durations-median']").TextContent);
        Assert.Contains(PipelineDag.Runs["d2"], page.Find("[data-testid='run-durations-slowest']").TextContent);
        Assert.Equal(3, chart.QuerySelectorAll(".duration-bar .duration-queued").Length);
        Assert.Contains("Queued for: 1 min 0 s", chart.QuerySelector(".duration-bar")!.GetAttribute("title"));
    }

    [Fact]
    public async Task The_task_chart_starts_with_the_task_with_the_longest_median_and_follows_the_task_in_the_url()
    {
        await SeedAsync();

        var byDefault = RenderAt("");
        await byDefault.WaitForAssertionAsync(() => Assert.Contains("Task durations: report", byDefault.Find("[data-testid='task-durations'] h2").TextContent));
        Assert.Equal("600", byDefault.Find("[data-testid='task-durations']").GetAttribute("data-median"));

        var extract = RenderAt("?task=extract");
        await extract.WaitForAssertionAsync(() => Assert.Contains("Task durations: extract", extract.Find("[data-testid='task-durations'] h2").TextContent));
        Assert.Equal("60", extract.Find("[data-testid='task-durations']").GetAttribute("data-median"));
    }

    [Fact]
    public async Task A_click_on_a_run_bar_opens_the_run_panel()
    {
        await SeedAsync();
        var page = RenderAt("");
        await page.WaitForAssertionAsync(() => page.Find("[data-testid='run-durations']"));

        // Found and clicked on the renderer's thread: a live reload between the two would take the handler away.
        await page.InvokeAsync(() => page.Find($"[data-testid='run-durations'] .duration-bar[data-run-id='{PipelineDag.Runs["d2"]}']")
            .ClickAsync(new MouseEventArgs()));

        Assert.Equal($"http://localhost/dags/pipeline/durations?run={Uri.EscapeDataString(PipelineDag.Runs["d2"])}", Services.GetRequiredService<NavigationManager>().Uri);
        await page.WaitForAssertionAsync(() => Assert.Equal("failed", page.Find("[data-testid='run-state']").GetAttribute("data-state")));
    }

    [Fact]
    public async Task A_dag_without_runs_says_so_and_an_unknown_dag_is_not_there()
    {
        var engine = await UseEngineAsync();
        await engine.AddDagAsync(PipelineDag.Yaml, unpause: false);

        var empty = RenderAt("");
        await empty.WaitForAssertionAsync(() => Assert.Contains("No runs yet", empty.Find(".empty-state").TextContent));

        var missing = RenderAt("", "no_such_dag");
        await missing.WaitForAssertionAsync(() => Assert.Contains("There is no DAG “no_such_dag”", missing.Find(".empty-state").TextContent));
    }
}
