using Bunit;
using Dashboard.Core.Domain;

namespace Dashboard.Web.Tests.Components;

/// <summary>Marking a whole run: what each unfinished task instance becomes, as the person switches between success and failed.</summary>
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
