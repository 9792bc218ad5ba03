using AngleSharp.Dom;
using Bunit;
using Dashboard.Core.Queries;
using Dashboard.Core.Security;
using Dashboard.Web.Components.Grid;
using Dashboard.Web.Components.Pages;
using Dashboard.Web.Components.Shared;
using Microsoft.EntityFrameworkCore;
using MudBlazor;

namespace Dashboard.Web.Tests.Components;

/// <summary>
/// Every state-changing button is disabled below the role its action needs, saying which role that
/// is, and enabled from it. (The services refuse such actions themselves: RolePermissionTests, and
/// ClearDialogTests for a refusal inside a dialog.)
/// </summary>
public sealed class RoleGatedButtonsTests : ComponentTest
{
    public static TheoryData<Role> Roles() => [Role.Viewer, Role.User, Role.Op];

    /// <summary>The title a disabled button carries, or null when <paramref name="role"/> has what <paramref name="needed"/> asks.</summary>
    private static string? WhyNot(Role role, Role needed) => role >= needed ? null : $"Needs the {needed} role; you have the {role} role.";

    private static bool Disabled(IElement element) => element.HasAttribute("disabled");

    [Theory]
    [MemberData(nameof(Roles))]
    public void The_dag_headers_trigger_needs_a_user_and_its_backfill_an_op(Role role)
    {
        SignInAs(role);

        var header = Render<DagTabs>(p => p.Add(t => t.Dag, new DagHeader("pipeline", null, "@daily", false, true, [])));

        var trigger = header.Find("[data-testid='trigger']");
        var backfill = header.Find("[data-testid='backfill']");
        Assert.Equal((role < Role.User, WhyNot(role, Role.User) ?? "Start a manual run"), (Disabled(trigger), trigger.GetAttribute("title")));
        Assert.Equal((role < Role.Op, WhyNot(role, Role.Op) ?? "Run the DAG over a range of past dates"), (Disabled(backfill), backfill.GetAttribute("title")));
    }

    [Theory]
    [MemberData(nameof(Roles))]
    public async Task The_task_instance_and_run_panels_clear_and_mark_need_a_user(Role role)
    {
        SignInAs(role);
        await PipelineDag.SeedAsync(await UseEngineAsync());

        var task = Render<TaskInstancePanel>(p => p.Add(x => x.DagId, PipelineDag.DagId).Add(x => x.RunId, PipelineDag.Runs["d2"]).Add(x => x.TaskId, "transform"));
        var run = Render<RunPanel>(p => p.Add(x => x.DagId, PipelineDag.DagId).Add(x => x.RunId, PipelineDag.Runs["d2"]));

        await task.WaitForAssertionAsync(() => task.Find(".panel-actions"));
        await run.WaitForAssertionAsync(() => run.Find(".panel-actions"));
        foreach (var (panel, buttons) in new[]
                 {
                     (task.Find(".panel-actions"), new[] { "ti-clear", "ti-mark-success", "ti-mark-failed" }),
                     (run.Find(".panel-actions"), new[] { "run-clear", "run-mark-success", "run-mark-failed" }),
                 })
        {
            Assert.Equal(WhyNot(role, Role.User), panel.GetAttribute("title"));
            Assert.All(buttons, button => Assert.Equal(role < Role.User, Disabled(panel.QuerySelector($"[data-testid='{button}']")!)));
        }
    }

    [Theory]
    [MemberData(nameof(Roles))]
    public async Task The_dag_lists_pause_switch_needs_an_op_and_its_trigger_a_user(Role role)
    {
        SignInAs(role);
        await PipelineDag.SeedAsync(await UseEngineAsync());
        var popovers = Render<MudPopoverProvider>();

        var list = Render<DagList>();

        await list.WaitForAssertionAsync(() => list.Find($"tr[data-dag-id='{PipelineDag.DagId}']"));
        var pause = list.Find("[data-testid='pause-toggle']");
        Assert.Equal((role < Role.Op, WhyNot(role, Role.Op) ?? "Paused: click to unpause"), (Disabled(pause), pause.GetAttribute("title")));
        Assert.Equal(role < Role.User, Disabled(list.Find("[data-testid='row-trigger']")));

        // The trigger's reason is its tooltip, shown when the pointer rests on it (a disabled button takes no pointer events, its wrapper does).
        list.Find("td.row-actions .mud-tooltip-root").PointerEnter();
        await popovers.WaitForAssertionAsync(() =>
            Assert.Equal(WhyNot(role, Role.User) ?? "Trigger pipeline", popovers.Find(".mud-tooltip").TextContent.Trim()));
    }

    [Fact]
    public async Task An_op_pauses_and_unpauses_a_dag_from_the_list()
    {
        SignInAs(Role.Op, "olga");
        var engine = await UseEngineAsync();
        await PipelineDag.SeedAsync(engine);
        var list = Render<DagList>();
        await list.WaitForAssertionAsync(() => Assert.Equal("true", list.Find("tr[data-dag-id='pipeline']").GetAttribute("data-paused")));

        list.Find("[data-testid='pause-toggle']").Change(true);

        await list.WaitForAssertionAsync(() => Assert.Equal("false", list.Find("tr[data-dag-id='pipeline']").GetAttribute("data-paused")));
        await using (var db = engine.CreateContext())
        {
            Assert.False((await db.Dags.SingleAsync()).IsPaused);
        }

        list.Find("[data-testid='pause-toggle']").Change(false);

        await list.WaitForAssertionAsync(() => Assert.Equal("true", list.Find("tr[data-dag-id='pipeline']").GetAttribute("data-paused")));
        await using var check = engine.CreateContext();
        Assert.True((await check.Dags.SingleAsync()).IsPaused);
        Assert.Equal(["dag.unpause by olga", "dag.pause by olga"], await check.AuditLog.OrderBy(a => a.Id).Select(a => a.Action + " by " + a.Actor).ToListAsync());
    }
}
