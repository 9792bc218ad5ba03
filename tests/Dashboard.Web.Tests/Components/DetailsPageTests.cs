using System.Globalization;
using Bunit;
using Dashboard.Core.Queries;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using Dashboard.Web.Components.Pages;

namespace Dashboard.Web.Tests.Components;

/// <summary>The Details tab: the DAG's settings and params, and a chosen run's details.</summary>
public sealed class DetailsPageTests : ComponentTest
{
    private IRenderedComponent<DagDetails> RenderDetails(string dagId = PipelineDag.DagId, string? run = null)
    {
        Render<MudBlazor.MudPopoverProvider>();
        Services.GetRequiredService<NavigationManager>().NavigateTo($"dags/{dagId}/details{(run is null ? "" : $"?run={Uri.EscapeDataString(run)}")}");
        return Render<DagDetails>(p => p.Add(x => x.DagId, dagId));
    }

    [Fact]
    public async Task The_dags_schedule_next_run_limits_version_and_params_are_listed()
    {
        await PipelineDag.SeedAsync(await UseEngineAsync());

        var page = RenderDetails();

        await page.WaitForAssertionAsync(() => page.Find("[data-testid='details-schedule']"));
        Assert.Equal("@daily (cron 0 0 * * *) in UTC", page.Find("[data-testid='details-schedule-words']").TextContent.Trim());
        Assert.Equal("16", page.Find("[data-testid='details-max-active-runs']").TextContent.Trim());
        Assert.Equal("paused", page.Find("[data-testid='details-state']").TextContent.Trim());
        Assert.Contains("v1", page.Find("[data-testid='details-version'] a").TextContent);
        Assert.Equal("dags/pipeline/code?version=1", page.Find("[data-testid='details-version'] a").GetAttribute("href"));
        // The same figure as the DAG list's, from the same logic.
        var listed = (await Services.GetRequiredService<DagListQuery>().ListAsync()).Single(d => d.DagId == PipelineDag.DagId).NextRun!.Value;
        Assert.StartsWith(listed.Start.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture), page.Find("[data-testid='details-next-run']").TextContent.Trim());
        var rows = page.FindAll("[data-param]").Select(r => string.Join(" | ", r.QuerySelectorAll("td").Select(td => td.TextContent.Trim()))).ToList();
        Assert.Equal(["city | string | 'nyc' |  | ", "limit | number | 10 |  | "], rows);
        Assert.Contains("\"city\"", page.Find("[data-testid='details-params-schema']").TextContent);
        // Without a run in the URL, the newest run's details follow the DAG's.
        Assert.Single(page.FindAll("[data-testid='details-run']"));
    }

    [Fact]
    public async Task A_run_from_the_url_shows_its_type_trigger_interval_version_and_conf()
    {
        await PipelineDag.SeedAsync(await UseEngineAsync());

        var page = RenderDetails(run: PipelineDag.Runs["d2"]);

        await page.WaitForAssertionAsync(() => page.Find("[data-testid='details-run']"));
        Assert.Equal("scheduled", page.Find("[data-testid='details-run-type']").TextContent.Trim());
        Assert.Equal("test", page.Find("[data-testid='details-triggered-by']").TextContent.Trim());
        Assert.Equal("2026-01-02 00:00 to 2026-01-03 00:00", page.Find("[data-testid='details-interval']").TextContent.Trim());
        Assert.Equal("{}", page.Find("[data-testid='details-conf']").TextContent.Trim());
        Assert.Equal("none", page.Find("[data-testid='details-backfill']").TextContent.Trim());

        // Another run in the URL (as the run picker puts it there): the same page follows.
        var navigation = Services.GetRequiredService<NavigationManager>();
        navigation.NavigateTo(navigation.GetUriWithQueryParameter("run", PipelineDag.Runs["m"]));
        await page.WaitForAssertionAsync(() => Assert.Equal("manual", page.Find("[data-testid='details-run-type']").TextContent.Trim()));
        Assert.Equal("none", page.Find("[data-testid='details-interval']").TextContent.Trim());

        navigation.NavigateTo(navigation.GetUriWithQueryParameter("run", "no_such_run"));
        await page.WaitForAssertionAsync(() => page.Find("[data-testid='details-run-missing']"));
    }

    [Fact]
    public async Task An_unknown_dag_shows_the_same_empty_state_as_other_dag_pages()
    {
        await UseEngineAsync();

        var page = RenderDetails("no_such_dag");

        await page.WaitForAssertionAsync(() => Assert.Contains("There is no DAG “no_such_dag”", page.Markup));
    }
}
