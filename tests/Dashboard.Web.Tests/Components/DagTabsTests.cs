using Dashboard.Core.Queries;
using Dashboard.Web.Components.Shared;

namespace Dashboard.Web.Tests.Components;

public sealed class DagTabsTests : ComponentTest
{
    [Fact]
    public void The_active_tab_is_marked_and_both_tabs_link_to_the_dags_views()
    {
        var page = RenderPage(Dag(), DagTabs.View.Runs);

        var runs = page.QuerySelector("[data-testid='tab-runs']")!;
        var grid = page.QuerySelector("[data-testid='tab-grid']")!;
        Assert.Equal(("dags/taxi%20pipeline/runs", "page"), (runs.GetAttribute("href"), runs.GetAttribute("aria-current")));
        Assert.Equal(("dags/taxi%20pipeline/grid", null), (grid.GetAttribute("href"), grid.GetAttribute("aria-current")));
        Assert.Equal("taxi pipeline", page.QuerySelector("h1")!.TextContent);
        Assert.Contains("Monthly taxi trips", page.QuerySelector(".dag-header-meta")!.TextContent);
        Assert.Equal("@monthly", page.QuerySelector(".dag-header-schedule code")!.TextContent);
        Assert.Null(page.QuerySelector("[data-testid='paused-badge']"));
        Assert.False(page.QuerySelector("[data-testid='trigger']")!.HasAttribute("disabled"));
        Assert.False(page.QuerySelector("[data-testid='backfill']")!.HasAttribute("disabled"));
        Assert.Equal("dags/taxi%20pipeline/backfills", page.QuerySelector("[data-testid='tab-backfills']")!.GetAttribute("href"));
    }

    [Fact]
    public void A_paused_dag_whose_file_is_gone_says_so_and_cannot_be_triggered()
    {
        var page = RenderPage(Dag() with { IsPaused = true, IsActive = false, Schedule = null }, active: null);

        Assert.NotNull(page.QuerySelector("[data-testid='paused-badge']"));
        Assert.NotNull(page.QuerySelector("[data-testid='file-removed-badge']"));
        Assert.True(page.QuerySelector("[data-testid='trigger']")!.HasAttribute("disabled"));
        Assert.True(page.QuerySelector("[data-testid='backfill']")!.HasAttribute("disabled")); // no schedule, no intervals to backfill
        Assert.Contains("manual only", page.QuerySelector(".dag-header-schedule")!.TextContent);
        Assert.Empty(page.QuerySelectorAll("[aria-current]"));
    }

    private static DagHeader Dag() => new("taxi pipeline", "Monthly taxi trips", "@monthly", IsPaused: false, IsActive: true, ["taxi"]);

    private AngleSharp.Dom.IDocument RenderPage(DagHeader dag, DagTabs.View? active) =>
        RenderPage<DagTabs>(p => p.Add(t => t.Dag, dag).Add(t => t.Active, active));
}
