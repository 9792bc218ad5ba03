using System.Text.Json.Nodes;
using Bunit;
using Dashboard.Core.Domain;
using Dashboard.Core.Queries;
using Dashboard.Web.Components.Dialogs;
using Microsoft.AspNetCore.Components;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;

namespace Dashboard.Web.Tests.Components;

/// <summary>The trigger form: a conf the DAG cannot take is refused in the dialog with nothing created; a date and time make the run's logical date.</summary>
public sealed class TriggerDialogTests : ComponentTest
{
    private IRenderedComponent<MudDialogProvider> _provider = null!;
    private Task<string?> _triggered = null!;

    private async Task OpenAsync()
    {
        var header = await Services.GetRequiredService<DagRunsQuery>().HeaderAsync(PipelineDag.DagId);
        (_provider, _triggered) = await OpenDialogAsync(services => TriggerDialog.ShowAsync(services.GetRequiredService<IDialogService>(), header!));
        await _provider.WaitForAssertionAsync(() => _provider.Find("[data-testid='trigger-confirm']"));
    }

    private void Trigger() => _provider.Find("[data-testid='trigger-confirm']").Click();

    private async Task<List<DagRun>> RunsAsync()
    {
        await using var db = Engine.CreateContext();
        return await db.DagRuns.AsNoTracking().Where(r => r.DagId == PipelineDag.DagId).OrderBy(r => r.Id).ToListAsync();
    }

    [Theory]
    [InlineData("{\"city\": ", "The conf is not valid JSON:")]
    [InlineData("\"nyc\"", "The conf must be a JSON object, such as {\"city\": \"nyc\"}.")]
    [InlineData("{\"limit\": \"ten\"}", "The conf does not match the DAG's params: param 'limit': must be a number, got a string.")]
    public async Task A_conf_the_dag_cannot_take_is_refused_in_the_dialog_and_creates_no_run(string conf, string error)
    {
        await PipelineDag.SeedAsync(await UseEngineAsync());
        await OpenAsync();
        var before = await RunsAsync();

        await _provider.Find("textarea[data-testid='trigger-conf']").ChangeAsync(new ChangeEventArgs { Value = conf });
        Trigger();

        await _provider.WaitForAssertionAsync(() => Assert.StartsWith(error, _provider.Find("[data-testid='trigger-error']").TextContent.Trim()));
        Assert.False(_triggered.IsCompleted);
        Assert.Equal(before.Count, (await RunsAsync()).Count);
    }

    [Fact]
    public async Task A_date_and_time_make_the_logical_date_of_the_run_it_triggers_with_the_conf_as_edited()
    {
        await PipelineDag.SeedAsync(await UseEngineAsync());
        await OpenAsync();
        Assert.True(_provider.Find("[data-testid='trigger-time']").HasAttribute("disabled")); // no time without a date
        Assert.Contains("\"city\": \"nyc\"", _provider.Find("textarea[data-testid='trigger-conf']").GetAttribute("value"));

        _provider.Find("[data-testid='trigger-date'] input").Change("2026-11-20");
        await _provider.WaitForAssertionAsync(() => Assert.False(_provider.Find("[data-testid='trigger-time']").HasAttribute("disabled")));
        await _provider.Find("[data-testid='trigger-time']").ChangeAsync(new ChangeEventArgs { Value = "06:30" });
        await _provider.Find("textarea[data-testid='trigger-conf']").ChangeAsync(new ChangeEventArgs { Value = "{\"city\": \"ams\", \"limit\": 3}" });
        Trigger();

        var runId = await _triggered.WaitAsync(DefaultWaitTimeout);
        Assert.Equal("manual__2026-11-20T06:30:00+00:00", runId);
        var run = (await RunsAsync()).Single(r => r.RunId == runId);
        Assert.Equal(new DateTimeOffset(2026, 11, 20, 6, 30, 0, TimeSpan.Zero), run.LogicalDate);
        Assert.Equal((DagRunType.Manual, DagRunState.Queued, "pat"), (run.RunType, run.State, run.TriggeringUserName));
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("{\"city\": \"ams\", \"limit\": 3}"), JsonNode.Parse(run.Conf)), run.Conf);
        await using var db = Engine.CreateContext();
        Assert.Equal([runId!], (await db.AuditLog.SingleAsync(a => a.Action == "dag_run.trigger")).RunIds);
    }

    [Fact]
    public async Task A_logical_date_that_already_has_a_run_is_refused_naming_that_run()
    {
        await PipelineDag.SeedAsync(await UseEngineAsync());
        await OpenAsync();
        var before = await RunsAsync();

        _provider.Find("[data-testid='trigger-date'] input").Change("2026-01-02");
        await _provider.WaitForAssertionAsync(() => Assert.False(_provider.Find("[data-testid='trigger-time']").HasAttribute("disabled")));
        Trigger();

        await _provider.WaitForAssertionAsync(() => Assert.Equal(
            $"DAG 'pipeline' already has a run for logical date 2026-01-02 00:00:00 UTC ({PipelineDag.Runs["d2"]}). Clear that run to run it again.",
            _provider.Find("[data-testid='trigger-error']").TextContent.Trim()));
        Assert.Equal(before.Count, (await RunsAsync()).Count);
    }

    [Fact]
    public async Task Without_a_date_the_run_has_no_logical_date()
    {
        await PipelineDag.SeedAsync(await UseEngineAsync());
        await OpenAsync();

        Trigger();

        var runId = await _triggered.WaitAsync(DefaultWaitTimeout);
        Assert.StartsWith("manual__", runId);
        var run = (await RunsAsync()).Single(r => r.RunId == runId);
        Assert.Equal((null, null), (run.LogicalDate, run.DataIntervalStart));
    }
}
