using System.Text.Json;
using Bunit;
using Dashboard.Core.Domain;

namespace Dashboard.Web.Tests.Components;

/// <summary>Clear &amp; Retry of a whole run: all its task instances, or only the failed ones.</summary>
public sealed class ClearAndRetryDialogTests : ActionDialogTest
{
    private Task OpenOnAsync(string run, bool onlyFailed) => OpenAsync(dialogs => dialogs.ClearRunAsync(PipelineDag.DagId, Run(run), onlyFailed));

    [Fact]
    public async Task Only_failed_clears_the_failed_and_upstream_failed_instances_and_leaves_the_rest()
    {
        await SeedAsync();
        await OpenOnAsync("d2", onlyFailed: true);

        Assert.Equal($"Clear & Retry run {Run("d2")}", Title);
        Assert.Equal((false, true), (Pressed("all-tasks"), Pressed("only-failed")));
        Assert.Empty(Provider.FindAll("[data-testid='option-upstream'], [data-testid='option-past']"));
        await WaitForListAsync("d2 transform", "d2 load");

        Toggle("all-tasks");
        await WaitForListAsync("d2 extract", "d2 transform", "d2 load", "d2 report");

        Toggle("only-failed");
        await WaitForListAsync("d2 transform", "d2 load");

        Assert.True(await ConfirmAndCloseAsync());

        var states = await PipelineDag.StatesAsync(Engine);
        Assert.Equal(("success", "none", "none", "success"), (states["d2 extract"], states["d2 transform"], states["d2 load"], states["d2 report"]));
        Assert.Equal(("failed", "upstream_failed"), (states["d1 transform"], states["d1 load"]));
        var runs = await PipelineDag.RunStatesAsync(Engine);
        Assert.Equal((DagRunState.Failed, DagRunState.Queued), (runs["d1"], runs["d2"]));
        var audit = Assert.Single(await PipelineDag.AuditAsync(Engine));
        Assert.Equal(("dag_run.clear", 2), (audit.Action, audit.AffectedCount));
        Assert.True(JsonDocument.Parse(audit.Details).RootElement.GetProperty("only_failed").GetBoolean());
    }

    [Fact]
    public async Task A_run_without_failures_has_nothing_to_clear_with_only_failed_and_everything_without()
    {
        await SeedAsync();
        await OpenOnAsync("d3", onlyFailed: true);

        await WaitForListAsync();
        Assert.Equal("Nothing to clear: no task instance matches the selection and options.", Blocker);
        Assert.False(CanConfirm);

        Toggle("all-tasks");
        await WaitForListAsync("d3 extract", "d3 transform", "d3 load", "d3 report");
        Assert.True(CanConfirm);
    }

    [Fact]
    public async Task A_running_run_is_retried_with_its_running_instance_restarted()
    {
        await SeedAsync();
        await OpenOnAsync("m", onlyFailed: false);

        // Clear & Retry always restarts what runs: there is no "don't disturb" to hold it back.
        await WaitForListAsync("m extract", "m transform", "m load", "m report");
        Assert.Empty(Provider.FindAll("[data-testid='option-dont-disturb']"));
        Assert.Null(Blocker);
        Assert.Contains("1 running task instance will be killed and run again.", Provider.Find(".affected-effects").TextContent);

        Assert.True(await ConfirmAndCloseAsync());
        var states = await PipelineDag.StatesAsync(Engine);
        Assert.Equal(("none", "restarting"), (states["m extract"], states["m transform"]));
    }
}
