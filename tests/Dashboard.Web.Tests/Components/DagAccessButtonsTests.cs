using Bunit;
using Dashboard.Core.Queries;
using Dashboard.Core.Security;
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

    /// <summary>The pipeline DAG's file again, now with access_control: the next parse puts it on the DAG.</summary>
    private async Task RestrictAsync()
    {
        await PipelineDag.SeedAsync(Engine);
        await Engine.AddDagAsync(PipelineDag.Yaml + "\naccess_control:\n  can_edit: [op, alice]\n", unpause: false);
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
        var why = allowed ? null : "This DAG's access_control: only Admin, alice (and Admins) may change it.";
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

    private IRenderedComponent<GraphPage> OpenTransformPanel()
    {
        Render<MudPopoverProvider>();
        var query = $"?run={Uri.EscapeDataString(PipelineDag.Runs["d2"])}&task=transform";
        Services.GetRequiredService<NavigationManager>().NavigateTo($"dags/{PipelineDag.DagId}/graph{query}");
        return Render<GraphPage>(p => p.Add(x => x.DagId, PipelineDag.DagId));
    }
}
