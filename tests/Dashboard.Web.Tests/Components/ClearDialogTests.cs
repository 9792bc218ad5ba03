using Bunit;
using Dashboard.Core.Domain;
using Dashboard.Core.Operations.Selection;
using Dashboard.Core.Security;
using Microsoft.AspNetCore.Components;

namespace Dashboard.Web.Tests.Components;

/// <summary>
/// The Clear dialog on task instances: each option changes the list as the selection rules say,
/// Confirm clears exactly what was listed, and the refusals stay inside the dialog.
/// </summary>
public sealed class ClearDialogTests : ActionDialogTest
{
    private Task OpenOnAsync(string run, string task, bool pastAndFutureAvailable = true) =>
        OpenAsync(dialogs => dialogs.ClearAsync(PipelineDag.DagId, [TaskTarget.Task(Run(run), task)], pastAndFutureAvailable, $"{task} in {run}"));

    [Fact]
    public async Task Each_option_changes_the_list_as_the_selection_says_and_confirm_clears_exactly_that()
    {
        await SeedAsync();
        await OpenOnAsync("d2", "transform");

        // Downstream is on by default; report hangs off extract, so neither direction ever reaches it from transform.
        Assert.Equal("Clear transform in d2", Title);
        Assert.Equal([false, false, false, true, false], new[] { "past", "future", "upstream", "downstream", "only-failed" }.Select(Pressed));
        await WaitForListAsync("d2 transform", "d2 load");
        Assert.Contains("1 finished run will be queued again.", Provider.Find(".affected-effects").TextContent);

        Toggle("upstream");
        await WaitForListAsync("d2 extract", "d2 transform", "d2 load");

        Toggle("downstream");
        await WaitForListAsync("d2 extract", "d2 transform");

        Toggle("only-failed");
        await WaitForListAsync("d2 transform");

        Toggle("past");
        await WaitForListAsync("d1 transform", "d2 transform");

        Toggle("only-failed");
        await WaitForListAsync("d1 extract", "d1 transform", "d2 extract", "d2 transform");

        // The manual run has no logical date: Future reaches the later daily run, never it.
        Toggle("future");
        await WaitForListAsync("d1 extract", "d1 transform", "d2 extract", "d2 transform", "d3 extract", "d3 transform");

        Toggle("downstream");
        await WaitForListAsync(
            "d1 extract", "d1 transform", "d1 load", "d2 extract", "d2 transform", "d2 load", "d3 extract", "d3 transform", "d3 load");
        Assert.Equal("9", Provider.Find("[data-testid='affected']").GetAttribute("data-count"));
        Assert.Contains("3 finished runs will be queued again.", Provider.Find(".affected-effects").TextContent);
        await Provider.Find("textarea[data-testid='action-note']").InputAsync(new ChangeEventArgs { Value = "re-run after the source fix" });

        Assert.True(await ConfirmAndCloseAsync());

        var states = await PipelineDag.StatesAsync(Engine);
        foreach (var run in new[] { "d1", "d2", "d3" })
        {
            Assert.All(new[] { "extract", "transform", "load" }, task => Assert.Equal("none", states[$"{run} {task}"]));
            Assert.Equal("success", states[$"{run} report"]);
        }

        Assert.Equal(("running", "none"), (states["m transform"], states["m load"]));
        var runs = await PipelineDag.RunStatesAsync(Engine);
        Assert.Equal((DagRunState.Queued, DagRunState.Queued, DagRunState.Queued, DagRunState.Running), (runs["d1"], runs["d2"], runs["d3"], runs["m"]));
        var audit = Assert.Single(await PipelineDag.AuditAsync(Engine));
        Assert.Equal(("task_instance.clear", "pat", 9, "re-run after the source fix"), (audit.Action, audit.Actor, audit.AffectedCount, audit.Note));
        Assert.Equal([Run("d1"), Run("d2"), Run("d3")], audit.RunIds);
        Assert.Equal(["extract", "transform", "load"], audit.TaskIds);
    }

    [Fact]
    public async Task A_running_instance_blocks_the_clear_until_the_person_allows_restarting_it()
    {
        await SeedAsync();
        await OpenOnAsync("m", "transform", pastAndFutureAvailable: false);

        await WaitForListAsync("m transform", "m load");
        Assert.True(Option("past").HasAttribute("disabled"));
        Assert.Equal("Unavailable: a selected run has no logical date", Option("future").GetAttribute("title"));
        Assert.StartsWith($"Not cleared, because these are running: transform in {Run("m")}.", Blocker);
        Assert.False(CanConfirm);

        Provider.Find("[data-testid='option-dont-disturb']").Change(false);

        await Provider.WaitForAssertionAsync(() =>
        {
            Assert.Null(Blocker);
            Assert.True(CanConfirm);
            Assert.Contains("1 running task instance will be killed and run again.", Provider.Find(".affected-effects").TextContent);
        });
        Assert.True(await ConfirmAndCloseAsync());
        var states = await PipelineDag.StatesAsync(Engine);
        Assert.Equal(("restarting", "none", "none"), (states["m transform"], states["m load"], states["m report"]));
    }

    [Fact]
    public async Task Only_running_lists_the_running_instances_lets_them_be_restarted_and_excludes_only_failed()
    {
        await SeedAsync();
        await OpenOnAsync("m", "extract", pastAndFutureAvailable: false);
        await WaitForListAsync("m extract", "m transform", "m load", "m report");
        Assert.StartsWith($"Not cleared, because these are running: transform in {Run("m")}.", Blocker);

        Toggle("only-running");

        // Clearing only running instances restarts them, so "Don't disturb running tasks" goes off with it.
        await WaitForListAsync("m transform");
        Assert.Null(Blocker);
        Assert.False(Provider.Find("[data-testid='option-dont-disturb']").HasAttribute("checked"));
        Assert.Contains("1 running task instance will be killed and run again.", Provider.Find(".affected-effects").TextContent);

        Toggle("only-failed");
        await WaitForListAsync();
        Assert.Equal((true, false), (Pressed("only-failed"), Pressed("only-running")));
        Assert.Equal("Nothing to clear: no task instance matches the selection and options.", Blocker);

        Toggle("only-running");
        await WaitForListAsync("m transform");
        Assert.Equal((false, true), (Pressed("only-failed"), Pressed("only-running")));

        Assert.True(await ConfirmAndCloseAsync());
        var states = await PipelineDag.StatesAsync(Engine);
        Assert.Equal(("success", "restarting", "none", "none"), (states["m extract"], states["m transform"], states["m load"], states["m report"]));
        var audit = Assert.Single(await PipelineDag.AuditAsync(Engine));
        Assert.Contains("\"only_running\":true", audit.Details.Replace(" ", ""), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Clear_and_retry_of_a_run_offers_only_its_running_tasks()
    {
        await SeedAsync();
        await OpenAsync(dialogs => dialogs.ClearRunAsync(PipelineDag.DagId, Run("m"), onlyFailed: false));
        await WaitForListAsync("m extract", "m transform", "m load", "m report");

        Toggle("only-running");

        await WaitForListAsync("m transform");
        Assert.Equal([false, false, true], new[] { "all-tasks", "only-failed", "only-running" }.Select(Pressed));
    }

    [Fact]
    public async Task A_selection_that_moved_since_the_preview_is_not_cleared_and_the_new_list_is_shown()
    {
        await SeedAsync();
        await OpenOnAsync("d2", "transform");
        await WaitForListAsync("d2 transform", "d2 load");
        Assert.Equal("upstream_failed", Provider.Find("tr[data-task-id='load'] .state").TextContent);

        // Someone marks load success in another tab while this dialog is open.
        await PipelineDag.SetStatesAsync(Engine, """
                           extract  transform  load  report
            d2  failed     S        F          S     S
            """);
        Confirm();

        await Provider.WaitForAssertionAsync(() =>
        {
            Assert.Contains("moved since the preview: load in " + Run("d2") + " is now success", Error);
            Assert.Equal("success", Provider.Find("tr[data-task-id='load'] .state").TextContent);
        });
        Assert.False(Closed.IsCompleted);
        Assert.Equal("failed", (await PipelineDag.StatesAsync(Engine))["d2 transform"]);
        Assert.Empty(await PipelineDag.AuditAsync(Engine));

        // Confirming what is shown now goes through.
        Assert.True(await ConfirmAndCloseAsync());
        var states = await PipelineDag.StatesAsync(Engine);
        Assert.Equal(("none", "none"), (states["d2 transform"], states["d2 load"]));
    }

    [Fact]
    public async Task A_viewer_who_reaches_the_dialog_is_refused_by_the_service_and_nothing_changes()
    {
        SignInAs(Role.Viewer, "victor");
        await SeedAsync();
        await OpenOnAsync("d2", "transform");
        await WaitForListAsync("d2 transform", "d2 load");

        Confirm();

        await Provider.WaitForAssertionAsync(() =>
            Assert.Equal("victor may not clear task instances: that needs the User role, and victor has the Viewer role.", Error));
        Assert.False(Closed.IsCompleted);
        var states = await PipelineDag.StatesAsync(Engine);
        Assert.Equal(("failed", "upstream_failed"), (states["d2 transform"], states["d2 load"]));
        Assert.Empty(await PipelineDag.AuditAsync(Engine));
    }

    [Fact]
    public async Task Past_and_future_hints_say_which_runs_they_reach()
    {
        await SeedAsync();
        await OpenOnAsync("d2", "transform");

        Assert.Equal("Also the same tasks in runs with an earlier logical date", Option("past").GetAttribute("title"));
        Assert.Equal("Also the same tasks in runs with a later logical date", Option("future").GetAttribute("title"));
    }
}
