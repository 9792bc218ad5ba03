using System.Text.Json;
using Bunit;
using Dashboard.Core.Persistence;
using Dashboard.Web.Components.Grid;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using static Dashboard.Web.Tests.Components.TimelineSeed;

namespace Dashboard.Web.Tests.Components;

/// <summary>
/// The grid page on a real database (<see cref="PipelineDag"/>): what its prerendered page carries,
/// what the circuit sends once the browser holds that, and what a committed change sends after.
/// </summary>
public sealed class GridPageTests : ComponentTest
{
    private IRenderedComponent<GridPage> RenderGrid()
    {
        JSInterop.SetupModule("./js/grid.js");
        Render<MudPopoverProvider>();
        Services.GetRequiredService<NavigationManager>().NavigateTo($"dags/{PipelineDag.DagId}/grid");
        return Render<GridPage>(p => p.Add(x => x.DagId, PipelineDag.DagId));
    }

    private static AngleSharp.Dom.IElement Body(IRenderedComponent<GridPage> page) => page.Find("[data-grid-body]");

    [Fact]
    public async Task The_prerendered_page_carries_the_model_once_with_a_letter_per_cell_or_run_of_cells()
    {
        var engine = await UseEngineAsync();
        await PipelineDag.SeedAsync(engine);
        SetRendererInfo(new RendererInfo("Static", isInteractive: false));

        var page = RenderGrid();

        await page.WaitForAssertionAsync(() => Assert.Single(page.FindAll("script[data-grid-model]")));
        var model = JsonDocument.Parse(page.Find("script[data-grid-model]").TextContent).RootElement;
        Assert.Equal(Body(page).GetAttribute("data-model"), model.GetProperty("id").GetString());
        Assert.Equal(PipelineDag.Runs.Values, model.GetProperty("runs").EnumerateArray().Select(r => r.GetString()));
        Assert.Equal(4, model.GetProperty("rows").GetArrayLength());
        Assert.Matches("^([A-Za-z][0-9]*)+$", model.GetProperty("cells").GetString());
        Assert.Empty(page.FindAll("[data-cell]")); // cells are drawn by the browser, not sent as markup
        Assert.Equal("false", page.Find("[data-testid='grid']").GetAttribute("data-ready"));
    }

    [Fact]
    public async Task A_browser_holding_the_model_is_not_sent_it_again_and_a_change_sends_only_its_cell()
    {
        var engine = await UseEngineAsync();
        await PipelineDag.SeedAsync(engine);
        var page = RenderGrid();
        await page.WaitForAssertionAsync(() => Assert.Equal("true", page.Find("[data-testid='grid']").GetAttribute("data-ready")));
        var held = Body(page).GetAttribute("data-model");

        // What the prerendered page embedded is what the circuit has: nothing to send.
        Assert.Null(await page.InvokeAsync(() => page.Instance.Sync(held)));
        var model = (await page.InvokeAsync(() => page.Instance.Sync(null)))!;
        Assert.Equal(held, model.Id);

        await PipelineDag.SetStatesAsync(engine, """
                          extract  transform  load  report
            m   running   S        S          -     -
            """);
        engine.Notifier.Publish(PipelineDag.DagId, await RunKeyAsync(engine, "m"));

        var row = GridWire.RowIds(model).ToList().IndexOf("transform");
        var column = model.Runs.ToList().IndexOf(PipelineDag.Runs["m"]);
        var success = GridWire.Alphabet[Dashboard.Core.Queries.Grid.GridCell.Of(Dashboard.Core.Domain.TaskInstanceState.Success).Value];
        await page.WaitForAssertionAsync(() => Assert.Equal($"{held}.1:{column},{row},{success}", Body(page).GetAttribute("data-patch")));
        Assert.Equal(held, Body(page).GetAttribute("data-model"));
    }

    [Fact]
    public async Task Folding_a_group_or_a_new_run_names_a_new_model_which_the_browser_then_asks_for()
    {
        var engine = await UseEngineAsync();
        await PipelineDag.SeedAsync(engine);
        var page = RenderGrid();
        await page.WaitForAssertionAsync(() => Assert.Equal("true", page.Find("[data-testid='grid']").GetAttribute("data-ready")));
        var first = (await page.InvokeAsync(() => page.Instance.Sync(null)))!;

        await engine.TriggerAsync(PipelineDag.DagId);
        engine.Notifier.Publish(PipelineDag.DagId, 0);

        await page.WaitForAssertionAsync(() => Assert.NotEqual(first.Id, Body(page).GetAttribute("data-model")));
        var next = (await page.InvokeAsync(() => page.Instance.Sync(first.Id)))!;
        Assert.Equal(Body(page).GetAttribute("data-model"), next.Id);
        Assert.Equal(first.Runs.Count + 1, next.Runs.Count);
        Assert.Null(Body(page).GetAttribute("data-patch"));
    }

    [Fact]
    public async Task A_hovered_cell_is_described_from_its_task_instance_and_a_group_from_its_counts()
    {
        var engine = await UseEngineAsync();
        await PipelineDag.SeedAsync(engine);
        var page = RenderGrid();
        await page.WaitForAssertionAsync(() => Assert.Equal("true", page.Find("[data-testid='grid']").GetAttribute("data-ready")));

        var failed = await page.InvokeAsync(() => page.Instance.Describe("transform", PipelineDag.Runs["d1"]));
        Assert.StartsWith("transform\nState: failed\nTry: 1", failed);
        Assert.Null(await page.InvokeAsync(() => page.Instance.Describe("no_such_task", PipelineDag.Runs["d1"])));
        Assert.Null(await page.InvokeAsync(() => page.Instance.Describe("transform", "no_such_run")));
        var run = await page.InvokeAsync(() => page.Instance.DescribeRun(PipelineDag.Runs["m"]));
        Assert.StartsWith($"{PipelineDag.Runs["m"]}\nState: running\nType: manual\nDAG version: v1\nRun after: 2026-01-05 12:00:00", run);
        Assert.Null(await page.InvokeAsync(() => page.Instance.DescribeRun("no_such_run")));
    }
}
