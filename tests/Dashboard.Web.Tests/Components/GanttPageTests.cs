using System.Globalization;
using AngleSharp.Dom;
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
/// The Gantt tab on a real database: the pipeline's manual run has extract done and transform on its
/// second try, running; the first try failed.
/// </summary>
public sealed class GanttPageTests : ComponentTest
{
    private bool _popovers;

    private DateTimeOffset _now;

    private async Task SeedAsync()
    {
        var engine = await UseEngineAsync();
        await PipelineDag.SeedAsync(engine);
        _now = engine.Clock.GetUtcNow();
        await TryAsync(engine, "m", "extract", 1, TaskInstanceState.Success, _now.AddMinutes(-10), _now.AddMinutes(-9.9), _now.AddMinutes(-6));
        await ArchivedTryAsync(engine, "m", "transform", 1, TaskInstanceState.Failed, _now.AddMinutes(-6), _now.AddMinutes(-5.9), _now.AddMinutes(-4));
        await TryAsync(engine, "m", "transform", 2, TaskInstanceState.Running, _now.AddMinutes(-3), _now.AddMinutes(-2.5), null);
    }

    private IRenderedComponent<GanttPage> RenderAt(string query)
    {
        if (!_popovers)
        {
            Render<MudPopoverProvider>();
            _popovers = true;
        }

        Services.GetRequiredService<NavigationManager>().NavigateTo($"dags/{PipelineDag.DagId}/gantt{query}");
        return Render<GanttPage>(p => p.Add(x => x.DagId, PipelineDag.DagId));
    }

    private static IElement Bar(IRenderedComponent<GanttPage> page, string task, int tryNumber) =>
        page.Find($".gantt-bar[data-task-id='{task}'][data-try='{tryNumber}']");

    private static double Width(IElement bar) =>
        double.Parse(bar.GetAttribute("style")!.Split("width:")[1].TrimEnd('%'), CultureInfo.InvariantCulture);

    [Fact]
    public async Task Every_task_is_a_row_in_order_and_every_try_a_bar_in_its_states_colour_the_running_one_live()
    {
        await SeedAsync();

        var page = RenderAt($"?run={Uri.EscapeDataString(PipelineDag.Runs["m"])}");

        await page.WaitForAssertionAsync(() => page.Find("[data-testid='gantt']"));
        Assert.Equal(["extract", "transform", "load", "report"], page.FindAll(".gantt-row[data-task-id]").Select(r => r.GetAttribute("data-task-id")));
        var first = Bar(page, "transform", 1);
        var second = Bar(page, "transform", 2);
        Assert.Equal(("failed", "false"), (first.GetAttribute("data-state"), first.GetAttribute("data-live")));
        Assert.Equal(("running", "true"), (second.GetAttribute("data-state"), second.GetAttribute("data-live")));
        Assert.Contains("state-running", second.ClassList);
        Assert.Contains("retry", second.ClassList);
        Assert.Equal("2", second.QuerySelector(".gantt-try")!.TextContent);
        Assert.NotNull(second.QuerySelector(".gantt-queued")); // queued for half a minute before it started
        var tooltip = second.GetAttribute("title")!;
        Assert.StartsWith("transform\nTry 2\nState: running\nQueued: ", tooltip);
        Assert.Contains("Ended: not yet", tooltip);
        Assert.Empty(page.FindAll(".gantt-bar[data-task-id='load']"));
        Assert.Equal("running", page.Find("[data-testid='gantt-run-state']").GetAttribute("data-state"));
        Assert.True(page.FindAll(".gantt-tick").Count >= 3);
    }

    [Fact]
    public async Task The_running_bar_grows_from_what_is_loaded_and_stops_when_its_try_ends()
    {
        await SeedAsync();
        var page = RenderAt($"?run={Uri.EscapeDataString(PipelineDag.Runs["m"])}");
        await page.WaitForAssertionAsync(() => Assert.Equal("true", page.Find("[data-testid='gantt']").GetAttribute("data-live")));
        var before = Width(Bar(page, "transform", 2));

        // Twenty seconds later by the clock: the timer draws the bar again from the data it has.
        Engine.Clock.Advance(TimeSpan.FromSeconds(20));
        await page.WaitForAssertionAsync(() => Assert.True(Width(Bar(page, "transform", 2)) > before));

        await TryAsync(Engine, "m", "transform", 2, TaskInstanceState.Success, _now.AddMinutes(-3), _now.AddMinutes(-2.5), _now.AddMinutes(-1));
        Engine.Notifier.Publish(PipelineDag.DagId, await RunKeyAsync(Engine, "m"));

        await page.WaitForAssertionAsync(() => Assert.Equal("success", Bar(page, "transform", 2).GetAttribute("data-state")));
        Assert.Equal("false", Bar(page, "transform", 2).GetAttribute("data-live"));
        Assert.Equal("false", page.Find("[data-testid='gantt']").GetAttribute("data-live"));
    }

    [Fact]
    public async Task A_click_on_a_bar_opens_the_task_instance_panel_and_the_url_keeps_run_and_task()
    {
        await SeedAsync();
        var page = RenderAt("");
        await page.WaitForAssertionAsync(() => Bar(page, "transform", 2));

        // The latest run is the manual one: shown by default.
        // On the renderer's thread: the growth timer re-renders every second, which renews the click handlers.
        await page.InvokeAsync(() => Bar(page, "transform", 1).ClickAsync(new MouseEventArgs()));

        var navigation = Services.GetRequiredService<NavigationManager>();
        Assert.EndsWith($"gantt?run={Uri.EscapeDataString(PipelineDag.Runs["m"])}&task=transform", navigation.Uri);
        await page.WaitForAssertionAsync(() => page.Find("[data-testid='ti-panel']"));
        Assert.Contains("selected", page.Find(".gantt-row[data-task-id='transform']").ClassList);
    }

    [Fact]
    public async Task An_unknown_run_says_so_a_dag_without_runs_says_it_has_none_and_an_unknown_dag_is_not_there()
    {
        var engine = await UseEngineAsync();
        await engine.AddDagAsync(PipelineDag.Yaml, unpause: false);

        var empty = RenderAt("");
        await empty.WaitForAssertionAsync(() => Assert.Contains("No runs yet", empty.Find(".empty-state").TextContent));

        await engine.TriggerAsync(PipelineDag.DagId);
        var unknown = RenderAt("?run=manual__nope");
        await unknown.WaitForAssertionAsync(() => Assert.Contains("has no run “manual__nope”", unknown.Find(".empty-state").TextContent));

        var missing = Render<GanttPage>(p => p.Add(x => x.DagId, "no_such_dag"));
        await missing.WaitForAssertionAsync(() => Assert.Contains("There is no DAG “no_such_dag”", missing.Find(".empty-state").TextContent));
    }
}
