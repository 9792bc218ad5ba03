using Bunit;
using Dashboard.Core.Domain;
using Dashboard.Core.Operations.Selection;

namespace Dashboard.Web.Tests.Components;

/// <summary>
/// The Mark dialog on task instances: the state (success, failed or skipped) and the options change
/// what is marked (and, for success and skipped, which failed instances downstream are cleared so
/// the run resumes); Confirm marks exactly that.
/// </summary>
public sealed class MarkDialogTests : ActionDialogTest
{
    private Task OpenOnAsync(string run, string task, TaskInstanceState state) =>
        OpenAsync(dialogs => dialogs.MarkAsync(PipelineDag.DagId, [TaskTarget.Task(Run(run), task)], state, true, $"{task} in {run}"));

    [Fact]
    public async Task Mark_success_lists_the_failed_instances_downstream_it_clears_and_past_reaches_earlier_runs()
    {
        await SeedAsync();
        await OpenOnAsync("d2", "transform", TaskInstanceState.Success);

        Assert.Equal("Mark transform in d2 as…", Title);
        Assert.Equal([true, false, false], new[] { "state-success", "state-failed", "state-skipped" }.Select(Pressed));
        Assert.Equal("Mark success", Provider.Find("[data-testid='action-confirm']").TextContent.Trim());
        await WaitForListAsync("d2 transform");
        Assert.Equal(["d2 load"], Listed("affected-cleared"));
        Assert.Contains("Task instances to mark success: 1", Provider.Find("[data-testid='affected']").TextContent);

        Toggle("past");
        await WaitForListAsync("d1 transform", "d2 transform");
        Assert.Equal(["d1 load", "d2 load"], Listed("affected-cleared"));

        Assert.True(await ConfirmAndCloseAsync());

        var states = await PipelineDag.StatesAsync(Engine);
        Assert.Equal(("success", "success"), (states["d1 transform"], states["d2 transform"]));
        Assert.Equal(("none", "none"), (states["d1 load"], states["d2 load"]));
        Assert.Equal(("success", "success"), (states["d3 transform"], states["d3 load"]));
        var runs = await PipelineDag.RunStatesAsync(Engine);
        Assert.Equal((DagRunState.Queued, DagRunState.Queued, DagRunState.Success), (runs["d1"], runs["d2"], runs["d3"]));
        var audit = Assert.Single(await PipelineDag.AuditAsync(Engine));
        Assert.Equal(("task_instance.mark_success", 4), (audit.Action, audit.AffectedCount));
    }

    [Fact]
    public async Task Mark_failed_reaches_downstream_and_upstream_and_clears_nothing()
    {
        await SeedAsync();
        await OpenOnAsync("d3", "transform", TaskInstanceState.Failed);

        await WaitForListAsync("d3 transform");
        Assert.Empty(Provider.FindAll("[data-testid='affected-cleared']"));

        Toggle("downstream");
        await WaitForListAsync("d3 transform", "d3 load");

        Toggle("upstream");
        await WaitForListAsync("d3 extract", "d3 transform", "d3 load");

        Assert.True(await ConfirmAndCloseAsync());

        var states = await PipelineDag.StatesAsync(Engine);
        Assert.Equal(("failed", "failed", "failed", "success"), (states["d3 extract"], states["d3 transform"], states["d3 load"], states["d3 report"]));
        Assert.Equal("task_instance.mark_failed", Assert.Single(await PipelineDag.AuditAsync(Engine)).Action);
    }

    [Fact]
    public async Task Skipped_is_offered_next_to_success_and_failed_and_resumes_the_failed_downstream()
    {
        await SeedAsync();
        await OpenOnAsync("d2", "transform", TaskInstanceState.Failed);
        await WaitForListAsync();
        Assert.True(Pressed("state-failed"));
        Assert.Equal("Nothing to mark: every selected task instance is already failed.", Blocker);

        Toggle("state-skipped");

        await WaitForListAsync("d2 transform");
        Assert.Equal(["d2 load"], Listed("affected-cleared"));
        Assert.Equal([false, false, true], new[] { "state-success", "state-failed", "state-skipped" }.Select(Pressed));
        Assert.Equal("Mark skipped", Provider.Find("[data-testid='action-confirm']").TextContent.Trim());
        Assert.Contains("Task instances to mark skipped: 1", Provider.Find("[data-testid='affected']").TextContent);

        Assert.True(await ConfirmAndCloseAsync());

        var states = await PipelineDag.StatesAsync(Engine);
        Assert.Equal(("skipped", "none"), (states["d2 transform"], states["d2 load"]));
        Assert.Equal(DagRunState.Queued, (await PipelineDag.RunStatesAsync(Engine))["d2"]);
        var audit = Assert.Single(await PipelineDag.AuditAsync(Engine));
        Assert.Equal(("task_instance.mark_skipped", 2), (audit.Action, audit.AffectedCount));
    }

    [Fact]
    public async Task Marking_what_already_has_that_state_is_refused_until_an_option_adds_something()
    {
        await SeedAsync();
        await OpenOnAsync("d2", "transform", TaskInstanceState.Failed);

        await WaitForListAsync();
        Assert.Equal("Nothing to mark: every selected task instance is already failed.", Blocker);
        Assert.False(CanConfirm);

        // Past reaches d1's transform, failed too; Downstream reaches load, upstream_failed.
        Toggle("past");
        await Provider.WaitForAssertionAsync(() => Assert.Equal("false", Provider.Find("section.affected").GetAttribute("aria-busy")));
        Assert.NotNull(Blocker);
        Toggle("downstream");
        await WaitForListAsync("d1 load", "d2 load");

        Assert.Null(Blocker);
        Assert.True(CanConfirm);
    }
}
