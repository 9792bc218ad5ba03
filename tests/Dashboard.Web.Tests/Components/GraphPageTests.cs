using Bunit;
using Dashboard.Core.Security;
using Dashboard.Testing;
using Dashboard.Web.Components.Graph;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;

namespace Dashboard.Web.Tests.Components;

/// <summary>The Graph page on a real database: which run colours it, what it says when something is missing, and how it follows changes.</summary>
public sealed class GraphPageTests : ComponentTest
{
    private bool _popovers;

    private IRenderedComponent<GraphPage> Open(string dagId, string query = "")
    {
        Services.GetRequiredService<NavigationManager>().NavigateTo($"dags/{dagId}/graph{query}");
        if (!_popovers)
        {
            Render<MudBlazor.MudPopoverProvider>();
            _popovers = true;
        }

        return Render<GraphPage>(p => p.Add(x => x.DagId, dagId));
    }

    private static string? StateOf(IRenderedComponent<GraphPage> page, string node) =>
        page.Find($"[data-node='{node}']").GetAttribute("data-state");

    [Fact]
    public async Task An_unknown_dag_shows_the_empty_state_of_every_dag_page()
    {
        await UseEngineAsync();

        var page = Open("nope");

        await page.WaitForAssertionAsync(() => Assert.Contains("There is no DAG “nope”", page.Markup));
        Assert.Empty(page.FindAll("[data-testid='graph']"));
    }

    [Fact]
    public async Task The_newest_run_colours_the_graph_by_default_and_a_run_in_the_url_replaces_it()
    {
        await PipelineDag.SeedAsync(await UseEngineAsync());

        var latest = Open(PipelineDag.DagId);
        await latest.WaitForAssertionAsync(() => Assert.Equal(PipelineDag.Runs["m"], latest.Find("[data-testid='graph']").GetAttribute("data-run")));
        Assert.Equal(["extract", "load", "report", "transform"], latest.FindAll("[data-node]").Select(n => n.GetAttribute("data-node")!).Order());
        Assert.Equal(3, latest.FindAll(".graph-edges path").Count);
        Assert.Equal(("success", "running", "none"), (StateOf(latest, "extract"), StateOf(latest, "transform"), StateOf(latest, "load")));
        Assert.Contains("bash · running", latest.Find("[data-node='transform']").TextContent);

        var older = Open(PipelineDag.DagId, $"?run={Uri.EscapeDataString(PipelineDag.Runs["d2"])}");
        await older.WaitForAssertionAsync(() => Assert.Equal(PipelineDag.Runs["d2"], older.Find("[data-testid='graph']").GetAttribute("data-run")));
        Assert.Equal(("failed", "upstream_failed"), (StateOf(older, "transform"), StateOf(older, "load")));
        Assert.Equal("Task transform: failed", older.Find("[data-node='transform']").GetAttribute("aria-label"));
    }

    [Fact]
    public async Task An_unknown_run_is_named_and_the_graph_is_drawn_without_states()
    {
        await PipelineDag.SeedAsync(await UseEngineAsync());

        var page = Open(PipelineDag.DagId, "?run=no_such_run");

        await page.WaitForAssertionAsync(() => Assert.Contains("There is no run “no_such_run” of this DAG", page.Find("[data-testid='graph-missing-run']").TextContent));
        Assert.All(page.FindAll("[data-node]"), n => Assert.Equal("missing", n.GetAttribute("data-state")));
    }

    [Fact]
    public async Task A_dag_without_runs_is_drawn_uncoloured()
    {
        var engine = await UseEngineAsync();
        await engine.AddDagAsync("""
            dag_id: fresh
            schedule: null
            tasks:
              - {id: one, command: exit 0}
              - {id: two, upstream: one, command: exit 0}
            """, unpause: false);

        var page = Open("fresh");

        await page.WaitForAssertionAsync(() => Assert.Equal(2, page.FindAll("[data-node]").Count));
        Assert.All(page.FindAll("[data-node]"), n => Assert.Equal("missing", n.GetAttribute("data-state")));
        Assert.Equal("", page.Find("[data-testid='graph']").GetAttribute("data-run") ?? "");
        var edge = Assert.Single(page.FindAll(".graph-edges path"));
        Assert.Equal(("one", "two"), (edge.GetAttribute("data-from"), edge.GetAttribute("data-to")));
    }

    [Fact]
    public async Task Node_colours_follow_the_runs_changes_without_a_new_layout()
    {
        var engine = await UseEngineAsync();
        await PipelineDag.SeedAsync(engine);
        var layouts = engine.Services.GetRequiredService<Dashboard.Core.Queries.Graph.GraphLayoutCache>();
        var page = Open(PipelineDag.DagId, $"?run={Uri.EscapeDataString(PipelineDag.Runs["d2"])}");
        await page.WaitForAssertionAsync(() => Assert.Equal("failed", StateOf(page, "transform")));
        var computed = layouts.Computed;

        await PipelineDag.SetStatesAsync(engine, """
                          extract  transform  load  report
            d2  running   S        R          -     S
            """);
        engine.Notifier.Publish(PipelineDag.DagId, 0);

        await page.WaitForAssertionAsync(() => Assert.Equal(("running", "none"), (StateOf(page, "transform"), StateOf(page, "load"))));
        Assert.Equal(computed, layouts.Computed);
    }

    [Fact]
    public async Task A_click_on_a_node_puts_the_task_and_run_in_the_url_and_the_panel_opens_from_it()
    {
        await PipelineDag.SeedAsync(await UseEngineAsync());
        SignInAs(Role.Viewer);
        var run = PipelineDag.Runs["d2"];
        var page = Open(PipelineDag.DagId, $"?run={Uri.EscapeDataString(run)}");
        await page.WaitForAssertionAsync(() => Assert.Equal("failed", StateOf(page, "transform")));

        await page.InvokeAsync(() => page.Instance.OpenNode("transform"));

        var url = Services.GetRequiredService<NavigationManager>().Uri;
        Assert.Contains("task=transform", url);
        Assert.Contains("run=" + Uri.EscapeDataString(run), url);

        // The pasted link: the task's panel, with its actions shown but disabled for a viewer.
        var pasted = Open(PipelineDag.DagId, $"?run={Uri.EscapeDataString(run)}&task=transform");
        await pasted.WaitForAssertionAsync(() => Assert.Contains("graph-selected", pasted.Find("[data-node='transform']").ClassList));
        await pasted.WaitForAssertionAsync(() => Assert.True(pasted.Find("[data-testid='ti-clear']").HasAttribute("disabled")));
        Assert.Equal("failed", pasted.Find("[data-testid='ti-state']").GetAttribute("data-state"));
    }

    [Fact]
    public async Task A_large_dag_opens_with_its_groups_collapsed_and_a_click_toggles_one()
    {
        var engine = await UseEngineAsync();
        await engine.AddDagAsync(GeneratedDag.Yaml("big", GeneratedDag.Tasks(stages: 3, tasksPerStage: 20)), unpause: false);

        var page = Open("big");

        await page.WaitForAssertionAsync(() => Assert.Equal(["stage_01", "stage_02", "stage_03"], page.FindAll("[data-node]").Select(n => n.GetAttribute("data-node"))));
        Assert.All(page.FindAll("[data-node]"), n => Assert.Equal("true", n.GetAttribute("data-group-node")));

        await page.InvokeAsync(() => page.Instance.OpenNode("stage_02"));
        await page.WaitForAssertionAsync(() => Assert.Single(page.FindAll("[data-box='stage_02']")));
        Assert.Contains("stage_02_start", page.FindAll("[data-node]").Select(n => n.GetAttribute("data-node")));
        Assert.Equal("true", page.Find("[data-node='stage_02.transform']").GetAttribute("data-group-node"));

        // The URL keeps the shape: a pasted link draws the same groups open.
        var shown = page.FindAll("[data-node]").Select(n => n.GetAttribute("data-node")).ToList();
        var query = new Uri(Services.GetRequiredService<NavigationManager>().Uri).Query;
        Assert.Contains("open=stage_02&", query + "&");
        var pasted = Open("big", query);
        await pasted.WaitForAssertionAsync(() => Assert.Equal(shown, pasted.FindAll("[data-node]").Select(n => n.GetAttribute("data-node"))));

        await page.InvokeAsync(() => page.Find("[data-testid='graph-expand-all']").Click());
        await page.WaitForAssertionAsync(() => Assert.Equal(60, page.FindAll("[data-node]").Count));
        await page.InvokeAsync(() => page.Find("[data-testid='graph-collapse-all']").Click());
        await page.WaitForAssertionAsync(() => Assert.Equal(3, page.FindAll("[data-node]").Count));
    }

    [Fact]
    public async Task Find_opens_the_groups_around_the_task_and_highlights_it()
    {
        var engine = await UseEngineAsync();
        await engine.AddDagAsync(GeneratedDag.Yaml("big", GeneratedDag.Tasks(stages: 3, tasksPerStage: 20)), unpause: false);
        var page = Open("big");
        await page.WaitForAssertionAsync(() => Assert.Equal(3, page.FindAll("[data-node]").Count));

        page.Find("input[data-testid='graph-find-text']").Input("STAGE_02_TASK_01");
        page.Find("form.graph-find").Submit();

        await page.WaitForAssertionAsync(() => Assert.Contains("graph-found", page.Find("[data-node='stage_02_task_010']").ClassList));
        Assert.Equal(["stage_02", "stage_02.transform"], page.FindAll("[data-box]").Select(b => b.GetAttribute("data-box")));
        Assert.Equal("true", page.Find("[data-node='stage_01']").GetAttribute("data-group-node"));

        page.Find("input[data-testid='graph-find-text']").Input("no_such_task");
        page.Find("form.graph-find").Submit();
        await page.WaitForAssertionAsync(() => Assert.Contains("No task of this version matches “no_such_task”", page.Find("[data-testid='graph-find-message']").TextContent));
    }
}
