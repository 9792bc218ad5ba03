using Bunit;
using Dashboard.Core.Domain.Timetables;
using Dashboard.Core.Queries;
using Dashboard.Core.Security;
using Dashboard.Web.Components.Backfills;
using Dashboard.Web.Components.Graph;
using Dashboard.Web.Components.Pages;
using Dashboard.Web.Components.Shared;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;

namespace Dashboard.Web.Tests.Components;

/// <summary>
/// A DAG whose file's access_control does not list someone: their buttons for it are disabled and
/// say who may change it, though their role grants the action. (The services refuse such actions
/// themselves: DagAccessTests.)
/// </summary>
public sealed class DagAccessButtonsTests : ComponentTest
{
    private const string OnlyOpAndAlice = "This DAG's access_control: only Op, alice (and Admins) may change it.";
    private const string OnlyAdminAndAlice = "This DAG's access_control: only Admin, alice (and Admins) may change it.";

    /// <summary>The pipeline DAG's file again, now with access_control: the next parse puts it on the DAG.</summary>
    private async Task RestrictAsync(string canEdit = "[op, alice]")
    {
        await PipelineDag.SeedAsync(Engine);
        await Engine.AddDagAsync(PipelineDag.Yaml + $"\naccess_control:\n  can_edit: {canEdit}\n", unpause: false);
    }

    [Theory]
    [InlineData("bob", Role.Op, false)]
    [InlineData("alice", Role.Op, true)]
    [InlineData("root", Role.Admin, true)]
    public void The_dag_headers_trigger_and_backfill_follow_the_dags_access_control(string name, Role role, bool allowed)
    {
        SignInAs(role, name);

        var header = Render<DagTabs>(p => p.Add(t => t.Dag, new DagHeader("pipeline", null, "@daily", false, true, [], EditAccess: ["Admin", "alice"])));

        var trigger = header.Find("[data-testid='trigger']");
        var backfill = header.Find("[data-testid='backfill']");
        var why = allowed ? null : OnlyAdminAndAlice;
        Assert.Equal((!allowed, why ?? "Start a manual run"), (trigger.HasAttribute("disabled"), trigger.GetAttribute("title")));
        Assert.Equal((!allowed, why ?? "Run the DAG over a range of past dates"), (backfill.HasAttribute("disabled"), backfill.GetAttribute("title")));
    }

    [Fact]
    public async Task A_user_the_dags_access_control_does_not_list_sees_the_panels_clear_disabled_saying_who_may()
    {
        await UseEngineAsync();
        await RestrictAsync();
        SignInAs(Role.User, "bob");

        var page = OpenTransformPanel();

        await page.WaitForAssertionAsync(() => Assert.True(page.Find("[data-testid='ti-clear']").HasAttribute("disabled")));
        Assert.Equal(OnlyOpAndAlice, page.Find(".panel-actions").GetAttribute("title"));
        Assert.True(page.Find("[data-testid='ti-mark-success']").HasAttribute("disabled"));
    }

    [Fact]
    public async Task A_listed_user_clears_from_the_panel()
    {
        await UseEngineAsync();
        await RestrictAsync();
        SignInAs(Role.User, "alice");
        var dialogs = Render<MudDialogProvider>();

        var page = OpenTransformPanel();
        await page.WaitForAssertionAsync(() => Assert.False(page.Find("[data-testid='ti-clear']").HasAttribute("disabled")));
        await page.InvokeAsync(() => page.Find("[data-testid='ti-clear']").Click());

        await dialogs.WaitForAssertionAsync(() => Assert.Contains("Clear transform", dialogs.Find(".mud-dialog-title").TextContent));
    }

    [Fact]
    public async Task The_dags_details_say_who_may_change_it()
    {
        await UseEngineAsync();
        await RestrictAsync();
        Render<MudPopoverProvider>();

        var details = Render<DagDetails>(p => p.Add(x => x.DagId, PipelineDag.DagId));

        await details.WaitForAssertionAsync(() => Assert.StartsWith("Op, alice", details.Find("[data-testid='details-edit-access']").TextContent));
    }

    [Theory]
    [InlineData("bob", false)]
    [InlineData("alice", true)]
    public async Task The_dag_lists_pause_switch_and_a_backfills_buttons_follow_the_dags_access_control(string name, bool allowed)
    {
        await UseEngineAsync();
        await RestrictAsync("[admin, alice]"); // not Op: every Op may pause and backfill, so only the list stands in bob's way
        var march = new DateTimeOffset(2026, 3, 1, 0, 0, 0, TimeSpan.Zero);
        await Engine.AddBackfillAsync(PipelineDag.DagId, [new DataInterval(march, march.AddDays(1))], maxActiveRuns: 1);
        SignInAs(Role.Op, name);
        Render<MudPopoverProvider>();

        var list = Render<DagList>();
        var backfills = Render<BackfillTable>(p => p.Add(x => x.DagId, PipelineDag.DagId));

        await list.WaitForAssertionAsync(() => list.Find($"tr[data-dag-id='{PipelineDag.DagId}']"));
        var pause = list.Find("[data-testid='pause-toggle']");
        Assert.Equal((!allowed, allowed ? "Paused: click to unpause" : OnlyAdminAndAlice), (pause.HasAttribute("disabled"), pause.GetAttribute("title")));
        Assert.Equal(!allowed, list.Find("[data-testid='row-trigger']").HasAttribute("disabled"));
        await backfills.WaitForAssertionAsync(() => backfills.Find("[data-testid='backfill-cancel']"));
        Assert.All(new[] { "backfill-pause", "backfill-cancel" }, button =>
            Assert.Equal(!allowed, backfills.Find($"[data-testid='{button}']").HasAttribute("disabled")));
        Assert.Equal(allowed ? "Fail its queued runs; running ones finish" : OnlyAdminAndAlice, backfills.Find("[data-testid='backfill-cancel']").GetAttribute("title"));
    }

    private IRenderedComponent<GraphPage> OpenTransformPanel()
    {
        Render<MudPopoverProvider>();
        var query = $"?run={Uri.EscapeDataString(PipelineDag.Runs["d2"])}&task=transform";
        Services.GetRequiredService<NavigationManager>().NavigateTo($"dags/{PipelineDag.DagId}/graph{query}");
        return Render<GraphPage>(p => p.Add(x => x.DagId, PipelineDag.DagId));
    }
}
