using AngleSharp.Dom;
using Bunit;
using Dashboard.Core.Domain;
using Dashboard.Core.Queries;
using Dashboard.Web.Components.Dialogs;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;

namespace Dashboard.Web.Tests.Components;

/// <summary>
/// The backfill form: each broken rule shows its own message next to its field and nothing can be
/// created; a valid range previews what happens to each date, and submitting creates exactly that.
/// </summary>
public sealed class BackfillDialogTests : ComponentTest
{
    private IRenderedComponent<MudDialogProvider> _provider = null!;
    private IDialogReference _dialog = null!;

    private async Task OpenAsync(string dagId = PipelineDag.DagId)
    {
        var header = await Services.GetRequiredService<DagRunsQuery>().HeaderAsync(dagId);
        (_provider, _dialog) = await ShowDialogAsync<BackfillDialog>(new DialogParameters { [nameof(BackfillDialog.Dag)] = header }, $"Backfill {dagId}");
        await _provider.WaitForAssertionAsync(() => Field("backfill-submit"));
    }

    private IElement Field(string testId) => _provider.Find($"[data-testid='{testId}']");

    /// <summary>A date field's input, inside the wrapper that carries its test id.</summary>
    private IElement DateInput(string testId) => _provider.Find($"[data-testid='{testId}'] input");

    /// <summary>Changes a text field as a browser does when it loses focus; returns once the dialog has taken the value and previewed it.</summary>
    private async Task TypeAsync(string testId, string text)
    {
        await Field(testId).ChangeAsync(new ChangeEventArgs { Value = text });
        await Field(testId).BlurAsync(new FocusEventArgs());
    }

    /// <summary>Types the range and waits for the plan of it (the preview carries the plan's counts once there is one).</summary>
    private async Task RangeAsync(string from, string to)
    {
        DateInput("backfill-from").Change(from);
        DateInput("backfill-to").Change(to);
        await _provider.WaitForAssertionAsync(() =>
        {
            var preview = Field("backfill-preview");
            Assert.Equal("false", preview.GetAttribute("aria-busy"));
            Assert.True(preview.HasAttribute("data-create"));
        });
    }

    private Task WaitForPreviewAsync() =>
        _provider.WaitForAssertionAsync(() => Assert.Equal("false", Field("backfill-preview").GetAttribute("aria-busy")));

    /// <summary>The preview's dates in the order their runs would start, as "2026-01-01 skip".</summary>
    private string[] Slots() =>
        [.. _provider.FindAll(".backfill-slots li").Select(li => $"{li.GetAttribute("data-logical-date")} {li.GetAttribute("data-action")}")];

    private string? Summary => _provider.FindAll("[data-testid='backfill-summary']").SingleOrDefault()?.TextContent.Trim();

    private string[] Errors(string field) => [.. _provider.FindAll($"[data-testid='backfill-error-{field}']").Select(e => e.TextContent.Trim())];

    private bool CanSubmit => !Field("backfill-submit").HasAttribute("disabled");

    private async Task<int> BackfillCountAsync()
    {
        await using var db = Engine.CreateContext();
        return await db.Backfills.CountAsync();
    }

    [Fact]
    public async Task A_valid_range_previews_each_date_by_the_reprocess_choice_and_submitting_creates_that_backfill()
    {
        await PipelineDag.SeedAsync(await UseEngineAsync());
        await OpenAsync();
        Assert.Contains("Choose a range to see the runs.", Field("backfill-preview").TextContent);
        Assert.False(CanSubmit);

        await TypeAsync("backfill-max-active", "3");

        // d1 and d2 failed, d3 succeeded; the 4th and 5th have no run yet.
        await RangeAsync("2026-01-01", "2026-01-05");
        Assert.Equal("2 runs will be created, 0 re-run, 3 skipped", Summary);
        Assert.Equal(["2026-01-01 skip", "2026-01-02 skip", "2026-01-03 skip", "2026-01-04 create", "2026-01-05 create"], Slots());
        Assert.True(CanSubmit);

        Field("reprocess-completed").Click();
        await _provider.WaitForAssertionAsync(() => Assert.Equal("2 runs will be created, 3 re-run, 0 skipped", Summary));
        Assert.Equal(["2026-01-01 rerun", "2026-01-02 rerun", "2026-01-03 rerun", "2026-01-04 create", "2026-01-05 create"], Slots());

        Field("backfill-backwards").Change(true);
        await _provider.WaitForAssertionAsync(() =>
            Assert.Equal(["2026-01-05 create", "2026-01-04 create", "2026-01-03 rerun", "2026-01-02 rerun", "2026-01-01 rerun"], Slots()));
        Assert.Contains("newest first", Summary);
        Field("backfill-backwards").Change(false);

        Field("reprocess-failed").Click();
        await _provider.WaitForAssertionAsync(() =>
            Assert.Equal(["2026-01-01 rerun", "2026-01-02 rerun", "2026-01-03 skip", "2026-01-04 create", "2026-01-05 create"], Slots()));
        Assert.Equal("2 runs will be created, 2 re-run, 1 skipped", Summary);
        Assert.Contains("clear and re-run scheduled__2026-01-02T00:00:00+00:00 (failed)", _provider.Find("li[data-logical-date='2026-01-02']").TextContent);
        Field("backfill-submit").Click();

        var result = await _dialog.Result.WaitAsync(DefaultWaitTimeout);
        var id = Assert.IsType<int>(result!.Data);
        await using var db = Engine.CreateContext();
        var backfill = await db.Backfills.SingleAsync();
        Assert.Equal((id, ReprocessBehavior.Failed, 3, false), (backfill.Id, backfill.ReprocessBehavior, backfill.MaxActiveRuns, backfill.RunBackwards));
        Assert.Equal((new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 1, 5, 0, 0, 0, TimeSpan.Zero)),
            (backfill.FromDate, backfill.ToDate));
        var runs = await db.DagRuns.Where(r => r.DagId == PipelineDag.DagId).OrderBy(r => r.LogicalDate).ToListAsync();
        Assert.Equal(
            ["2026-01-01 backfill queued", "2026-01-02 backfill queued", "2026-01-03 success", "2026-01-04 backfill queued", "2026-01-05 backfill queued"],
            runs.Where(r => r.LogicalDate is not null)
                .Select(r => $"{r.LogicalDate:yyyy-MM-dd} {(r.BackfillId == id ? "backfill " : "")}{r.State.ToString().ToLowerInvariant()}"));
        Assert.False((await db.Dags.SingleAsync(d => d.DagId == PipelineDag.DagId)).IsPaused); // "Unpause pipeline" was ticked
        Assert.Equal(["dag.unpause", "backfill.create"], await db.AuditLog.OrderBy(a => a.Id).Select(a => a.Action).ToListAsync());
    }

    [Fact]
    public async Task A_range_given_on_opening_is_filled_in_previewed_and_described_and_typing_a_date_replaces_its_end()
    {
        await PipelineDag.SeedAsync(await UseEngineAsync());
        var header = await Services.GetRequiredService<DagRunsQuery>().HeaderAsync(PipelineDag.DagId);
        // The calendar's days 1 to 4 January: from the first day's start to the last instant of the last day.
        var range = new BackfillRange(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 1, 5, 0, 0, 0, TimeSpan.Zero).AddTicks(-1),
            "The days 2026-01-01 to 2026-01-04 in UTC, as chosen on the calendar.");
        (_provider, _dialog) = await ShowDialogAsync<BackfillDialog>(
            new DialogParameters { [nameof(BackfillDialog.Dag)] = header, [nameof(BackfillDialog.Range)] = range }, $"Backfill {PipelineDag.DagId}");

        await _provider.WaitForAssertionAsync(() => Assert.Equal("1 run will be created, 0 re-run, 3 skipped", Summary));
        Assert.Equal(("2026-01-01", "2026-01-04"), (DateInput("backfill-from").GetAttribute("value"), DateInput("backfill-to").GetAttribute("value")));
        Assert.Equal(["2026-01-01 skip", "2026-01-02 skip", "2026-01-03 skip", "2026-01-04 create"], Slots());
        Assert.Equal("In this range: 1 missing, 2 failed, 1 succeeded", Field("backfill-range-states").TextContent.Trim());
        Assert.Equal(range.Description, Field("backfill-range-note").TextContent.Trim());

        DateInput("backfill-to").Change("2026-01-02");
        await _provider.WaitForAssertionAsync(() => Assert.Equal(["2026-01-01 skip", "2026-01-02 skip"], Slots()));
        Assert.Equal("In this range: 0 missing, 2 failed, 0 succeeded", Field("backfill-range-states").TextContent.Trim());
        Field("reprocess-failed").Click();
        await _provider.WaitForAssertionAsync(() => Assert.True(CanSubmit));
        Field("backfill-submit").Click();

        await _dialog.Result.WaitAsync(DefaultWaitTimeout);
        await using var db = Engine.CreateContext();
        var backfill = await db.Backfills.SingleAsync();
        Assert.Equal((range.From, new DateTimeOffset(2026, 1, 2, 0, 0, 0, TimeSpan.Zero)), (backfill.FromDate, backfill.ToDate));
    }

    [Fact]
    public async Task An_end_before_the_start_is_shown_on_the_end_date_and_nothing_can_be_created()
    {
        await PipelineDag.SeedAsync(await UseEngineAsync());
        await OpenAsync();

        await RangeAsync("2026-01-05", "2026-01-01");

        Assert.Equal(["The end date is before the start date."], Errors("to_date"));
        Assert.Empty(Errors("from_date"));
        Assert.Null(Summary);
        Assert.False(CanSubmit);
        Assert.Equal(0, await BackfillCountAsync());
    }

    [Fact]
    public async Task A_missing_date_shows_no_preview_and_nothing_can_be_created()
    {
        await PipelineDag.SeedAsync(await UseEngineAsync());
        await OpenAsync();

        DateInput("backfill-from").Change("2026-01-01");
        await WaitForPreviewAsync();

        Assert.Contains("Choose a range to see the runs.", Field("backfill-preview").TextContent);
        Assert.False(CanSubmit);
        Field("backfill-submit").Click();
        Assert.False(_dialog.Result.IsCompleted);
        Assert.Equal(0, await BackfillCountAsync());
    }

    [Theory]
    [InlineData("{\"city\": ", "The conf is not valid JSON:")]
    [InlineData("[1, 2]", "The conf must be a JSON object, such as {\"city\": \"nyc\"}.")]
    [InlineData("{\"limit\": \"ten\"}", "The conf does not match the DAG's params: param 'limit': must be a number, got a string.")]
    public async Task A_conf_that_is_not_acceptable_is_shown_on_the_conf_field_and_nothing_can_be_created(string conf, string error)
    {
        await PipelineDag.SeedAsync(await UseEngineAsync());
        await OpenAsync();
        await RangeAsync("2026-01-04", "2026-01-05");
        Assert.True(CanSubmit);

        await TypeAsync("backfill-conf", conf);

        await _provider.WaitForAssertionAsync(() => Assert.StartsWith(error, Assert.Single(Errors("conf"))));
        Assert.Null(Summary);
        Assert.False(CanSubmit);
        Assert.Equal(0, await BackfillCountAsync());
    }

    [Fact]
    public async Task An_empty_conf_shows_the_params_and_leaves_the_runs_re_run_their_own_conf()
    {
        await SeedWithConfAsync();
        await OpenAsync();
        // The params' defaults arrive from the version cache after the dialog first renders.
        await _provider.WaitForAssertionAsync(() =>
            Assert.Contains("\"city\": \"nyc\"", _provider.Find("textarea[data-testid='backfill-conf']").GetAttribute("placeholder")));
        Assert.True(string.IsNullOrEmpty(_provider.Find("textarea[data-testid='backfill-conf']").GetAttribute("value")));
        await RangeAsync("2026-01-02", "2026-01-04");
        Field("reprocess-failed").Click();
        await _provider.WaitForAssertionAsync(() => Assert.Equal("1 run will be created, 1 re-run, 1 skipped", Summary));

        Assert.Equal("The runs re-run keep their own conf.", Field("backfill-rerun-conf").TextContent.Trim());
        Field("backfill-submit").Click();

        await _dialog.Result.WaitAsync(DefaultWaitTimeout);
        Assert.Equal(["2026-01-02 {\"city\": \"ams\"}", "2026-01-04 {}"], await BackfillConfsAsync());
    }

    [Fact]
    public async Task A_given_conf_is_what_every_run_gets_the_runs_re_run_too()
    {
        await SeedWithConfAsync();
        await OpenAsync();
        await RangeAsync("2026-01-02", "2026-01-04");
        Field("reprocess-failed").Click();
        await _provider.WaitForAssertionAsync(() => Assert.Equal("1 run will be created, 1 re-run, 1 skipped", Summary));

        await TypeAsync("backfill-conf", "{\"city\": \"oslo\", \"limit\": 3}");

        await _provider.WaitForAssertionAsync(() =>
            Assert.Equal("The runs re-run get this conf instead of their own.", Field("backfill-rerun-conf").TextContent.Trim()));
        Field("backfill-submit").Click();
        await _dialog.Result.WaitAsync(DefaultWaitTimeout);
        Assert.Equal(["2026-01-02 {\"city\": \"oslo\", \"limit\": 3}", "2026-01-04 {\"city\": \"oslo\", \"limit\": 3}"], await BackfillConfsAsync());
    }

    /// <summary><see cref="PipelineDag"/>, its failed run of January 2nd triggered with a conf of its own.</summary>
    private async Task SeedWithConfAsync()
    {
        var engine = await UseEngineAsync();
        await PipelineDag.SeedAsync(engine);
        await using var db = engine.CreateContext();
        await db.DagRuns.Where(r => r.RunId == PipelineDag.Runs["d2"]).ExecuteUpdateAsync(s => s.SetProperty(r => r.Conf, """{"city": "ams"}"""));
    }

    /// <summary>The conf of each run of the backfill, as "2026-01-02 {...}", oldest first.</summary>
    private async Task<string[]> BackfillConfsAsync()
    {
        await using var db = Engine.CreateContext();
        var runs = await db.DagRuns.Where(r => r.BackfillId != null).OrderBy(r => r.LogicalDate).ToListAsync();
        return [.. runs.Select(r => $"{r.LogicalDate:yyyy-MM-dd} {r.Conf}")];
    }

    [Fact]
    public async Task Max_active_runs_that_is_not_a_number_is_flagged_and_one_out_of_bounds_is_held_to_them()
    {
        await PipelineDag.SeedAsync(await UseEngineAsync());
        await OpenAsync();
        await RangeAsync("2026-01-04", "2026-01-05");
        await TypeAsync("backfill-max-active", "abc");
        Assert.Equal("true", Field("backfill-max-active").GetAttribute("aria-invalid"));
        Assert.Equal("Not a valid number", Field("backfill-max-active").Closest(".mud-input-control")!.QuerySelector(".mud-input-helper-text.mud-input-error")!.TextContent.Trim());

        await TypeAsync("backfill-max-active", "0");
        Assert.Equal(("1", "false"), (Field("backfill-max-active").GetAttribute("value"), Field("backfill-max-active").GetAttribute("aria-invalid")));

        await TypeAsync("backfill-max-active", "5000");
        Assert.Equal("1000", Field("backfill-max-active").GetAttribute("value"));
        Assert.Empty(Errors("max_active_runs"));

        Field("backfill-submit").Click();

        await _dialog.Result.WaitAsync(DefaultWaitTimeout);
        await using var db = Engine.CreateContext();
        Assert.Equal(1000, (await db.Backfills.SingleAsync()).MaxActiveRuns);
    }

    [Fact]
    public async Task A_range_with_more_runs_than_one_backfill_may_hold_is_refused_with_its_count()
    {
        var engine = await UseEngineAsync();
        await engine.AddDagAsync("""
            dag_id: hourly_feed
            schedule: "@hourly"
            start_date: 2026-01-01
            tasks:
              - {id: fetch, command: exit 0}
            """, unpause: false);
        await OpenAsync("hourly_feed");

        await RangeAsync("2026-01-01", "2026-03-01");

        // 59 days of 24 hourly intervals, and the first hour of March 1st.
        Assert.Equal(["The range holds 1,417 runs, more than the limit of 1,000 per backfill: narrow the range."], Errors("to_date"));
        Assert.False(CanSubmit);
        Assert.Equal(0, await BackfillCountAsync());
    }

    [Fact]
    public async Task A_range_in_the_future_is_refused_on_the_start_date()
    {
        var engine = await UseEngineAsync();
        await PipelineDag.SeedAsync(engine);
        await OpenAsync();
        var tomorrow = engine.Today.AddDays(1);

        await RangeAsync($"{tomorrow:yyyy-MM-dd}", $"{tomorrow.AddDays(2):yyyy-MM-dd}");

        Assert.Equal(["Backfill cannot run for future dates: the range starts after now."], Errors("from_date"));
        Assert.False(CanSubmit);
        Assert.Null(Summary);
        Assert.Equal(0, await BackfillCountAsync());
    }
}
