using Bunit;
using Dashboard.Core.Domain;

namespace Dashboard.Web.Tests.Components;

/// <summary>Marking a whole run: what each task instance becomes, as the person switches between success, failed, queued and running.</summary>
public sealed class MarkRunDialogTests : ActionDialogTest
{
    private Task OpenOnAsync(string run, DagRunState state) => OpenAsync(dialogs => dialogs.MarkRunAsync(PipelineDag.DagId, Run(run), state));

    /// <summary>"m transform → failed" for each listed row.</summary>
    private string[] Becomes() =>
    [
        .. Provider.FindAll("[data-testid='affected'] tr[data-task-id]")
            .Select(row => $"{PipelineDag.Alias(row.GetAttribute("data-run-id")!, row.GetAttribute("data-task-id")!)} → {row.Children[2].TextContent}"),
    ];

    [Fact]
    public async Task Failed_fails_what_runs_and_skips_what_never_started_success_succeeds_them_all()
    {
        await SeedAsync();
        await OpenOnAsync("m", DagRunState.Failed);

        Assert.Equal($"Mark run {Run("m")} as…", Title);
        await WaitForListAsync("m transform", "m load", "m report");
        Assert.Equal(["m transform → failed", "m load → skipped", "m report → skipped"], Becomes());
        Assert.True(Pressed("run-failed"));
        Assert.Contains("Now running.", Provider.Find(".action-dialog-body").TextContent);

        Toggle("run-success");
        await Provider.WaitForAssertionAsync(() =>
            Assert.Equal(["m transform → success", "m load → success", "m report → success"], Becomes()));
        Assert.Equal((true, false), (Pressed("run-success"), Pressed("run-failed")));
        Assert.Equal("Mark run success", Provider.Find("[data-testid='action-confirm']").TextContent.Trim());

        Assert.True(await ConfirmAndCloseAsync());

        var states = await PipelineDag.StatesAsync(Engine);
        Assert.Equal(["success", "success", "success", "success"], new[] { "extract", "transform", "load", "report" }.Select(t => states[$"m {t}"]));
        Assert.Equal(DagRunState.Success, (await PipelineDag.RunStatesAsync(Engine))["m"]);
        var audit = Assert.Single(await PipelineDag.AuditAsync(Engine));
        Assert.Equal(("dag_run.mark_success", 3), (audit.Action, audit.AffectedCount));
        Assert.Equal(["transform", "load", "report"], audit.TaskIds);
    }

    [Fact]
    public async Task Success_turns_the_failed_and_upstream_failed_instances_of_a_failed_run_green_too()
    {
        await SeedAsync();
        await OpenOnAsync("d1", DagRunState.Success);

        await WaitForListAsync("d1 transform", "d1 load");
        Assert.Equal(["d1 transform → success", "d1 load → success"], Becomes());
        Assert.Contains("Every task instance that is not success becomes success, failed and skipped ones too.",
            Provider.Find("[data-testid='mark-run-effect']").TextContent);

        Assert.True(await ConfirmAndCloseAsync());
        var states = await PipelineDag.StatesAsync(Engine);
        Assert.All(new[] { "extract", "transform", "load", "report" }, task => Assert.Equal("success", states[$"d1 {task}"]));
        Assert.Equal(DagRunState.Success, (await PipelineDag.RunStatesAsync(Engine))["d1"]);
    }

    [Fact]
    public async Task Queued_and_running_change_the_run_alone_and_say_what_happens_next()
    {
        await SeedAsync();
        await OpenOnAsync("d1", DagRunState.Failed);
        await WaitForListAsync();
        Assert.Equal($"Run '{Run("d1")}' is already failed.", Blocker);

        Toggle("run-running");
        await Provider.WaitForAssertionAsync(() => Assert.Null(Blocker));
        await WaitForListAsync();
        Assert.Contains("The run goes on at once, without waiting for room under max active runs", Provider.Find("[data-testid='mark-run-effect']").TextContent);

        Toggle("run-queued");
        await WaitForListAsync();
        Assert.Contains("The run goes back to the queue", Provider.Find("[data-testid='mark-run-effect']").TextContent);
        Assert.Equal([false, false, true, false], new[] { "run-success", "run-failed", "run-queued", "run-running" }.Select(Pressed));
        Assert.Equal("Mark run queued", Provider.Find("[data-testid='action-confirm']").TextContent.Trim());

        Assert.True(await ConfirmAndCloseAsync());

        Assert.Equal(DagRunState.Queued, (await PipelineDag.RunStatesAsync(Engine))["d1"]);
        var states = await PipelineDag.StatesAsync(Engine);
        Assert.Equal(["success", "failed", "upstream_failed", "success"], new[] { "extract", "transform", "load", "report" }.Select(t => states[$"d1 {t}"]));
        var audit = Assert.Single(await PipelineDag.AuditAsync(Engine));
        Assert.Equal(("dag_run.mark_queued", 0), (audit.Action, audit.AffectedCount));
    }

    [Fact]
    public async Task A_run_already_in_that_state_is_refused_and_the_other_state_marks_only_the_run()
    {
        await SeedAsync();
        await OpenOnAsync("d3", DagRunState.Success);

        await WaitForListAsync();
        Assert.Equal($"Run '{Run("d3")}' is already success.", Blocker);
        Assert.False(CanConfirm);

        Toggle("run-failed");
        await Provider.WaitForAssertionAsync(() => Assert.True(CanConfirm));
        Assert.Null(Blocker);

        Assert.True(await ConfirmAndCloseAsync());
        Assert.Equal(DagRunState.Failed, (await PipelineDag.RunStatesAsync(Engine))["d3"]);
        var states = await PipelineDag.StatesAsync(Engine);
        Assert.All(new[] { "extract", "transform", "load", "report" }, task => Assert.Equal("success", states[$"d3 {task}"]));
    }
}
